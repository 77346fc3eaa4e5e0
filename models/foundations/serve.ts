/**
 * Every foundations block's figures as one model-server model, `foundations`: a request names a
 * block, one of its figures and a seed; the block's `figures.ts` draws it from its committed
 * checkpoint. Blocks load on first use, so a block without a checkpoint fails only its own figures.
 */
import type { ServableModel } from '@/lib/model-server/types';
import { BLOCKS, type Block, type BlockFigures, type FigureRequest, type FigureResponse } from './contract';

const FIGURES: Record<Block, () => Promise<{ figures: BlockFigures }>> = {
  'sparse-coding': () => import('@/models/sparse-coding/figures'),
  autoencoder: () => import('@/models/autoencoder/figures'),
  'semantic-hashing': () => import('@/models/semantic-hashing/figures'),
  dbn: () => import('@/models/dbn/figures'),
  iwae: () => import('@/models/iwae/figures'),
};

const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

const loaded = new Map<Block, Promise<{ figures: BlockFigures; version: string }>>();

function block(name: Block): Promise<{ figures: BlockFigures; version: string }> {
  let entry = loaded.get(name);
  if (!entry) {
    entry = FIGURES[name]().then(async ({ figures }) => ({ figures, version: (await figures.load()).version }));
    // A failed load (no checkpoint, no data) is retried on the next request.
    entry.catch(() => loaded.delete(name));
    loaded.set(name, entry);
  }
  return entry;
}

/**
 * The server's own version is just `foundations`: each block has its own checkpoint, so every
 * response carries the version of the block that drew it.
 */
export const servable: ServableModel<FigureRequest, FigureResponse> = {
  async load() {
    return { version: 'foundations' };
  },
  async runBatch(inputs) {
    const out: FigureResponse[] = [];
    for (const input of inputs) {
      if (!BLOCKS.includes(input.block)) throw failure('BAD_REQUEST', `Unknown block ${input.block}; the blocks are ${BLOCKS.join(', ')}.`);
      const { figures, version } = await block(input.block).catch((error: Error) => {
        throw failure('MODEL_UNAVAILABLE', `The ${input.block} block cannot load here: ${error.message}`);
      });
      if (!figures.names.includes(input.figure)) throw failure('BAD_REQUEST', `The ${input.block} block draws ${figures.names.join(', ')}; there is no figure "${input.figure}".`);
      out.push({ figure: await figures.figure(input.figure, input.seed), version });
    }
    return out;
  },
};

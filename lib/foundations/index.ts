/**
 * The foundations lab's service (/foundations): for every building block of the tutorial, its
 * model card (catalog entry, how it was trained, what `evaluate.ts` measured) and its figures,
 * drawn by the model server's `foundations` model (models/foundations/serve.ts) from the block's
 * committed checkpoint. A figure request is checked with `figureRequest` (by the route); a block
 * without a checkpoint is MODEL_UNAVAILABLE with what to run, never an error page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError, isAppError } from '@/lib/errors';
import { canvasPng } from '@/lib/generations';
import { wholeNumber } from '@/lib/http/fields';
import { getModelServer, type ModelClient } from '@/lib/model-server';
import { loadModelCard, MODEL_CATALOG, type CatalogEntry, type ModelCard } from '@/lib/model-cards';
import { BLOCKS, FOUNDATIONS, type Block, type FigureRequest, type Picture } from '@/models/foundations';
import { BLOCK_GUIDE, type BlockGuide } from './guide';

export { BLOCKS, BLOCK_GUIDE, type Block, type BlockGuide };

export const MODEL_NAME = FOUNDATIONS.name;
export const MAX_SEED = 1_000_000;

export const figureRequest = z
  .object({
    block: z.enum(BLOCKS, { error: `must be one of ${BLOCKS.join(', ')}` }),
    figure: z.string({ error: 'must be the name of one of the block’s figures' }).min(1, 'must be the name of one of the block’s figures').max(40, 'is too long'),
    seed: wholeNumber(0, MAX_SEED).default(0),
  })
  .superRefine((request, context) => {
    const names = BLOCK_GUIDE[request.block].figures.map((f) => f.name);
    if (!names.includes(request.figure)) context.addIssue({ code: 'custom', path: ['figure'], message: `the ${request.block} block draws ${names.join(', ')}` });
  });

export type FigureViewRequest = z.output<typeof figureRequest>;

export interface PictureView {
  /** PNG data URL. */
  image: string;
  width: number;
  height: number;
  label?: string;
}

export interface FigureView {
  block: Block;
  name: string;
  seed: number;
  caption: string;
  panels: { title: string; columns: number; note?: string; pictures: PictureView[] }[];
  facts: { label: string; value: string }[];
  modelVersion: string;
}

export interface BlockView {
  block: Block;
  guide: BlockGuide;
  card: ModelCard;
}

export interface FoundationsServiceOptions {
  models?: ModelClient;
  root?: string;
}

async function pictureView(picture: Picture): Promise<PictureView> {
  const png = await canvasPng(Uint8Array.from(picture.pixels), { width: picture.width, height: picture.height, channels: picture.channels });
  return { image: `data:image/png;base64,${png.toString('base64')}`, width: picture.width, height: picture.height, label: picture.label };
}

export class FoundationsService {
  private readonly models: ModelClient;
  private readonly root: string;

  constructor(options: FoundationsServiceOptions = {}) {
    this.models = options.models ?? getModelServer();
    this.root = options.root ?? process.cwd();
  }

  private entry(block: Block): CatalogEntry {
    const entry = MODEL_CATALOG.find((e) => e.folder === block);
    if (!entry) throw new Error(`the model catalog has no entry for the ${block} block`);
    return entry;
  }

  private trained(block: Block): boolean {
    return fs.existsSync(path.join(this.root, 'models', block, 'checkpoint', 'meta.json'));
  }

  /** Every block, in the tutorial's order, with its card (trained or not). */
  async blocks(): Promise<BlockView[]> {
    return Promise.all(BLOCKS.map(async (block) => ({ block, guide: BLOCK_GUIDE[block], card: await loadModelCard(this.entry(block), path.join(this.root, 'models')) })));
  }

  async figure(request: FigureViewRequest): Promise<FigureView> {
    if (!this.trained(request.block)) {
      throw new AppError('MODEL_UNAVAILABLE', `The ${BLOCK_GUIDE[request.block].title} block has no trained checkpoint on this server; train it with ${BLOCK_GUIDE[request.block].train}.`);
    }
    const input: FigureRequest = { block: request.block, figure: request.figure, seed: request.seed };
    const run = await this.models.run(FOUNDATIONS, input).catch((error) => {
      if (isAppError(error) && error.code === 'MODEL_NOT_FOUND') throw new AppError('MODEL_UNAVAILABLE', 'The foundations lab is not served here.', { cause: error });
      throw error;
    });
    const { figure, version } = run.output;
    return {
      block: figure.block,
      name: figure.name,
      seed: request.seed,
      caption: figure.caption,
      panels: await Promise.all(figure.panels.map(async (panel) => ({ title: panel.title, columns: panel.columns, note: panel.note, pictures: await Promise.all(panel.pictures.map(pictureView)) }))),
      facts: figure.facts,
      modelVersion: version,
    };
  }
}

const holder = globalThis as typeof globalThis & { __latentStudioFoundations?: FoundationsService };

export function getFoundationsService(): FoundationsService {
  holder.__latentStudioFoundations ??= new FoundationsService();
  return holder.__latentStudioFoundations;
}

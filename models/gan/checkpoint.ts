/**
 * A GAN checkpoint folder: the generator's weights and batch-norm statistics (float16
 * `weights.bin` + `weights.json`; the discriminator is only needed for training and is not kept),
 * `meta.json` (data, command, seed, epochs, the training curves) and `snapshots.bin`: the samples
 * of the same 16 latent vectors before training and after every epoch, 784 bytes each.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadTensors, saveTensors, writeMeta } from '@/models/blocks';
import { Gan, GENERATOR_STATISTICS, GENERATOR_WEIGHTS } from './model';
import { loadMeta, SNAPSHOTS_FILE, type GanMeta } from './training-record';
import type { GanDataset } from './data';

const HERE = path.dirname(new URL(import.meta.url).pathname);

export const checkpointDir = (dataset: GanDataset) => path.join(HERE, `checkpoint-${dataset}`);

export { loadMeta, loadSnapshots, SNAPSHOT_LATENTS, SNAPSHOTS_FILE, type GanMeta, type HistoryPoint } from './training-record';

export async function saveGenerator(dir: string, gan: Gan, meta: GanMeta, snapshots: Uint8Array[]): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const named = gan.named();
  await saveTensors(dir, Object.fromEntries([...GENERATOR_WEIGHTS, ...GENERATOR_STATISTICS].map((name) => [name, named[name]])), 'float16');
  await writeMeta(dir, meta);
  await fs.writeFile(path.join(dir, SNAPSHOTS_FILE), Buffer.concat(snapshots));
}

/** `gan-<dataset>-` and a hash of the generator's weights. */
export async function ganModelVersion(dir: string, dataset: GanDataset): Promise<string> {
  const weights = await fs.readFile(path.join(dir, 'weights.bin'));
  return `gan-${dataset}-${crypto.createHash('sha256').update(weights).digest('hex').slice(0, 12)}`;
}

/** The generator of a checkpoint (the discriminator's weights are fresh: it is not kept). */
export async function loadGenerator(dir: string): Promise<{ gan: Gan; meta: GanMeta }> {
  const meta = await loadMeta(dir);
  const tensors = await loadTensors(dir);
  try {
    return { gan: new Gan(meta.config, meta.seed, tensors), meta };
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
}

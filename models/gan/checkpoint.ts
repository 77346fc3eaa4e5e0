/**
 * A GAN checkpoint folder: the generator's weights and batch-norm statistics (float16
 * `weights.bin` + `weights.json`; the discriminator is only needed for training and is not kept),
 * `meta.json` (data, command, seed, epochs, the training curves) and `snapshots.bin`: the samples
 * of the same 16 latent vectors before training and after every epoch, 784 bytes each.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadTensors, saveTensors } from '@/models/blocks';
import { Gan, GENERATOR_STATISTICS, GENERATOR_WEIGHTS, IMAGE_PIXELS, type GanConfig } from './model';
import type { GanDataset } from './data';

const HERE = path.dirname(new URL(import.meta.url).pathname);

export const checkpointDir = (dataset: GanDataset) => path.join(HERE, `checkpoint-${dataset}`);

/** Latent vectors whose samples are kept after every epoch (their seeds are 0 … 15). */
export const SNAPSHOT_LATENTS = 16;
export const SNAPSHOTS_FILE = 'snapshots.bin';

/** One point of the training curves: means over the steps since the previous point. */
export interface HistoryPoint {
  step: number;
  epoch: number;
  discriminatorLoss: number;
  generatorLoss: number;
  /** Mean D(x) on real images: the discriminator's probability that they are real. */
  realScore: number;
  /** Mean D(G(z)) on generated images. */
  fakeScore: number;
}

export interface GanMeta {
  dataset: GanDataset;
  data: string;
  command: string;
  seed: number;
  epochs: number;
  batchSize: number;
  steps: number;
  backend: string;
  trainingSeconds: number;
  config: GanConfig;
  parameters: { generator: number; discriminator: number };
  history: HistoryPoint[];
  snapshots: { latentSeeds: number[]; afterEpochs: number[] };
  trainedAt: string;
}

export async function saveGenerator(dir: string, gan: Gan, meta: GanMeta, snapshots: Uint8Array[]): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const named = gan.named();
  await saveTensors(dir, Object.fromEntries([...GENERATOR_WEIGHTS, ...GENERATOR_STATISTICS].map((name) => [name, named[name]])), 'float16');
  await fs.writeFile(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  await fs.writeFile(path.join(dir, SNAPSHOTS_FILE), Buffer.concat(snapshots));
}

/** `gan-<dataset>-` and a hash of the generator's weights. */
export async function ganModelVersion(dir: string, dataset: GanDataset): Promise<string> {
  const weights = await fs.readFile(path.join(dir, 'weights.bin'));
  return `gan-${dataset}-${crypto.createHash('sha256').update(weights).digest('hex').slice(0, 12)}`;
}

export async function loadMeta(dir: string): Promise<GanMeta> {
  return JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as GanMeta;
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

/** Snapshot `index` (0: before training, e: after epoch e): 16 images of 784 bytes. */
export async function loadSnapshots(dir: string): Promise<Uint8Array[][]> {
  const bytes = new Uint8Array(await fs.readFile(path.join(dir, SNAPSHOTS_FILE)));
  const perSnapshot = SNAPSHOT_LATENTS * IMAGE_PIXELS;
  return Array.from({ length: bytes.length / perSnapshot }, (_, s) =>
    Array.from({ length: SNAPSHOT_LATENTS }, (_, i) => bytes.subarray(s * perSnapshot + i * IMAGE_PIXELS, s * perSnapshot + (i + 1) * IMAGE_PIXELS)),
  );
}

/**
 * What a GAN checkpoint folder records of its training, read without loading the generator (and
 * without TensorFlow.js): `meta.json` (data, command, seed, epochs, the training curves) and
 * `snapshots.bin`, the samples of the same 16 latent vectors before training and after every
 * epoch, 784 bytes each. The GAN page shows both.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_PIXELS } from './contract';
import type { GanDataset } from './data';
import type { GanConfig } from './model';

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

export async function loadMeta(dir: string): Promise<GanMeta> {
  return JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as GanMeta;
}

/** Snapshot `index` (0: before training, e: after epoch e): 16 images of 784 bytes. */
export async function loadSnapshots(dir: string): Promise<Uint8Array[][]> {
  const bytes = new Uint8Array(await fs.readFile(path.join(dir, SNAPSHOTS_FILE)));
  const perSnapshot = SNAPSHOT_LATENTS * IMAGE_PIXELS;
  return Array.from({ length: bytes.length / perSnapshot }, (_, s) =>
    Array.from({ length: SNAPSHOT_LATENTS }, (_, i) => bytes.subarray(s * perSnapshot + i * IMAGE_PIXELS, s * perSnapshot + (i + 1) * IMAGE_PIXELS)),
  );
}

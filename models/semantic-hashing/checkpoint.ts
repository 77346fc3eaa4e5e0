/**
 * The semantic-hashing block's checkpoint folder: `weights.bin` / `weights.json` (the binary-code
 * autoencoder, float16) and `meta.json` (data, command, seed, epochs, noise schedule, time,
 * metrics, training curves).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTensors, readMeta, saveTensors, writeMeta } from '@/models/blocks/checkpoint';
import { DeepAutoencoder } from './model';

const HERE = path.dirname(new URL(import.meta.url).pathname);
export const CHECKPOINT_DIR = path.join(HERE, 'checkpoint');
export const CODE_BITS = 32;

export const DATA_SENTENCE =
  "MNIST's 10,000 test images (the only MNIST images in the shared data) as grey levels in [0, 1], split with the project's fixed seed into 8,000 training images (the database, and what the codes are learned on) and 2,000 held-out images (the queries).";

export interface HistoryPoint {
  epoch: number;
  noise: number;
  trainCrossEntropy: number;
  trainSquaredError: number;
  /** Fraction of the code units of the first 1,000 training images with σ(logit) within 0.1 of 0 or 1. */
  saturated: number;
}

export interface HashingMeta {
  model: 'semantic-hashing';
  data: string;
  command: string;
  seed: number;
  epochs: number;
  batchSize: number;
  backend: string;
  trainingSeconds: number;
  date: string;
  network: { layers: number[]; code: string; noise: string; initialisation: string; optimiser: string; parameters: number };
  metrics: Record<string, number>;
  history: HistoryPoint[];
}

export async function saveHashing(dir: string, model: DeepAutoencoder, meta: HashingMeta): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await saveTensors(dir, model.named(), 'float16');
  await writeMeta(dir, meta);
}

export async function loadHashing(dir = CHECKPOINT_DIR): Promise<{ model: DeepAutoencoder; meta: HashingMeta }> {
  const meta = await readMeta<HashingMeta>(dir);
  const weights = await loadTensors(dir);
  const model = new DeepAutoencoder({ layers: meta.network.layers, code: 'binary' }, meta.seed, weights);
  tf.dispose(Object.values(weights));
  return { model, meta };
}

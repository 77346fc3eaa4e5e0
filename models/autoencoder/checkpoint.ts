/**
 * The autoencoder block's checkpoint folder:
 *
 * - `weights.bin` / `weights.json`: the deep autoencoder (float16);
 * - `linear/weights.bin` / `linear/weights.json`: the linear autoencoder's encoder and decoder and
 *   the training images' PCA (mean and top 30 components), float32 — principal angles of about a
 *   thousandth of a degree (0.0013°) need more than float16's three decimal digits;
 * - `meta.json`: data, command, seed, epochs, time, metrics and the training curves.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTensors, readMeta, saveTensors, writeMeta } from '@/models/blocks/checkpoint';
import type { Pca } from '@/models/blocks/pca';
import { DeepAutoencoder, LinearAutoencoder, PIXELS } from './model';

const HERE = path.dirname(new URL(import.meta.url).pathname);
export const CHECKPOINT_DIR = path.join(HERE, 'checkpoint');
export const LINEAR_DIR = 'linear';
export const PCA_COMPONENTS = 30;

export const DATA_SENTENCE =
  "MNIST's 10,000 test images (the only MNIST images in the shared data) as grey levels in [0, 1], split with the project's fixed seed into 8,000 training and 2,000 held-out images; everything is fitted on the 8,000.";

export interface HistoryPoint {
  epoch: number;
  trainCrossEntropy: number;
  trainSquaredError: number;
  heldOutSquaredError: number;
}

export interface LinearHistoryPoint {
  step: number;
  loss: number;
  largestAngle: number;
  meanAngle: number;
}

export interface AutoencoderMeta {
  model: 'autoencoder';
  data: string;
  command: string;
  seed: number;
  epochs: number;
  batchSize: number;
  backend: string;
  trainingSeconds: number;
  deepSeconds: number;
  date: string;
  deep: { layers: number[]; code: 'linear'; output: string; optimiser: string; pretraining: string; parameters: number };
  linear: { k: number; steps: number; learningRate: number; momentum: number; history: LinearHistoryPoint[] };
  metrics: Record<string, number>;
  history: HistoryPoint[];
}

export async function saveAutoencoder(dir: string, deep: DeepAutoencoder, linear: LinearAutoencoder, pca: Pca, meta: AutoencoderMeta): Promise<void> {
  await fs.mkdir(path.join(dir, LINEAR_DIR), { recursive: true });
  await saveTensors(dir, deep.named(), 'float16');
  const extra = {
    'linear/encoder': linear.encoder,
    'linear/decoder': linear.decoder,
    'pca/mean': tf.tensor1d(Float32Array.from(pca.mean)),
    'pca/components': tf.tensor2d(Float32Array.from(pca.components), [pca.k, PIXELS]),
    'pca/eigenvalues': tf.tensor1d(Float32Array.from(pca.eigenvalues)),
  };
  await saveTensors(path.join(dir, LINEAR_DIR), extra, 'float32');
  tf.dispose([extra['pca/mean'], extra['pca/components'], extra['pca/eigenvalues']]);
  await writeMeta(dir, meta);
}

export interface LoadedAutoencoder {
  deep: DeepAutoencoder;
  linear: LinearAutoencoder;
  /** The PCA stored at training time (for figures; measure.ts refits it). */
  pca: Pca;
  meta: AutoencoderMeta;
}

export async function loadAutoencoder(dir = CHECKPOINT_DIR): Promise<LoadedAutoencoder> {
  const meta = await readMeta<AutoencoderMeta>(dir);
  const deepWeights = await loadTensors(dir);
  const deep = new DeepAutoencoder({ layers: meta.deep.layers, code: 'linear' }, meta.seed, deepWeights);
  tf.dispose(Object.values(deepWeights));
  const extra = await loadTensors(path.join(dir, LINEAR_DIR));
  const linear = new LinearAutoencoder(PIXELS, meta.linear.k, meta.seed, { encoder: extra['linear/encoder'], decoder: extra['linear/decoder'] });
  const components = Float64Array.from(extra['pca/components'].dataSync());
  const eigenvalues = Float64Array.from(extra['pca/eigenvalues'].dataSync());
  const pca: Pca = { d: PIXELS, k: eigenvalues.length, mean: Float64Array.from(extra['pca/mean'].dataSync()), components, eigenvalues, totalVariance: NaN };
  tf.dispose(Object.values(extra));
  return { deep, linear, pca, meta };
}

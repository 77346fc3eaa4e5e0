/**
 * The sparse-coding checkpoint (`checkpoint/`): the dictionary and the whitening fitted on the
 * training patches, as float16 `weights.bin` + `weights.json` (models/blocks/checkpoint.ts), and
 * `meta.json` (data, command, seed, epochs, the training curves). Training rounds the whitening to
 * float16 before it whitens a single patch, so what is stored is exactly what the dictionary saw.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fromHalf, loadTensors, readMeta, saveTensors, toHalf, weightsVersion, writeMeta } from '@/models/blocks/checkpoint';
import type { Whitening } from '@/models/blocks/whitening';
import type { Dictionary } from './model';

export const CHECKPOINT_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'checkpoint');
export const MODEL_NAME = 'sparse-coding';

/** One point of the training curves: means over the minibatches of an epoch. */
export interface HistoryPoint {
  epoch: number;
  /** E(â, D) of (1) per patch. */
  objective: number;
  /** Σ‖x − Dâ‖² / Σ‖x‖² on the training minibatches (whitened). */
  relativeError: number;
  /** Non-zero coefficients per patch. */
  active: number;
}

export interface SparseCodingMeta {
  model: typeof MODEL_NAME;
  data: string;
  command: string;
  seed: number;
  epochs: number;
  trainingSeconds: number;
  date: string;
  backend: string;
  config: {
    patchSize: number;
    atoms: number;
    lambda: number;
    epsilon: number;
    batchSize: number;
    lassoIterations: number;
    forget: number;
    trainingPatches: number;
    patchesPerPhoto: number;
  };
  /** The last epoch's training numbers (held-out numbers are in evaluation.json). */
  metrics: { objective: number; relativeError: number; active: number };
  history: HistoryPoint[];
}

export interface SparseCoding {
  dictionary: Dictionary;
  whitening: Whitening;
  meta: SparseCodingMeta;
}

/** The values float16 storage gives back (so training can use exactly the stored whitening). */
export const roundToHalf = (values: Float32Array): Float32Array => values.map((v) => fromHalf(toHalf(v)));

export async function saveSparseCoding(dir: string, model: SparseCoding): Promise<void> {
  const { dictionary, whitening } = model;
  const n = whitening.pixels;
  const tensors = {
    dictionary: tf.tensor2d(dictionary.values, [dictionary.atoms, dictionary.pixels]),
    mean: tf.tensor1d(whitening.mean),
    whiten: tf.tensor2d(whitening.whiten, [n, n]),
    dewhiten: tf.tensor2d(whitening.dewhiten, [n, n]),
    components: tf.tensor2d(whitening.components, [n, n]),
    variances: tf.tensor1d(whitening.variances),
  };
  try {
    await saveTensors(dir, tensors, 'float16');
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
  await writeMeta(dir, model.meta);
}

export async function loadSparseCoding(dir: string = CHECKPOINT_DIR): Promise<SparseCoding> {
  const meta = await readMeta<SparseCodingMeta>(dir);
  const tensors = await loadTensors(dir);
  try {
    const values = (name: string) => {
      const t = tensors[name];
      if (!t) throw new Error(`${dir}: the checkpoint has no tensor "${name}"`);
      return Float32Array.from(t.dataSync());
    };
    const [atoms, pixels] = tensors.dictionary.shape;
    return {
      dictionary: { atoms, pixels, values: values('dictionary') },
      whitening: {
        pixels,
        mean: values('mean'),
        whiten: values('whiten'),
        dewhiten: values('dewhiten'),
        components: values('components'),
        variances: values('variances'),
        epsilon: meta.config.epsilon,
      },
      meta,
    };
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
}

export const sparseCodingVersion = (dir: string = CHECKPOINT_DIR) => weightsVersion(dir, MODEL_NAME);

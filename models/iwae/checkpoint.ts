/**
 * The block's checkpoint: both models in one `weights.bin` (float16, names prefixed `vae/` and
 * `iwae/`), and `meta.json` — how they were trained, on what, and the training curves.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadTensors, readMeta as readMetaFile, saveTensors, writeMeta } from '@/models/blocks';
import { Iwae, type IwaeConfig } from './model';

export const CHECKPOINT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'checkpoint');
/** The two models, in the order the page and the table show them. */
export const MODELS = ['vae', 'iwae'] as const;
export type ModelKey = (typeof MODELS)[number];

export interface HistoryPoint {
  epoch: number;
  /** The VAE's training objective (ELBO, nats per image, mean over the epoch). */
  vaeTrainElbo: number;
  /** The IWAE's training objective (L_k, nats per image, mean over the epoch). */
  iwaeTrainBound: number;
  /** L_1 (ELBO) and L_5 on 500 held-out images (one draw), after the epoch: curves only, nothing is chosen by them. */
  vaeHeldOutL1: number;
  vaeHeldOutL5: number;
  iwaeHeldOutL1: number;
  iwaeHeldOutL5: number;
}

export interface IwaeMeta {
  model: 'iwae';
  data: string;
  command: string;
  /** The epochs after which a `--resume` run took over (Adam's moments restarted there). */
  resumedAfter: number[];
  seed: number;
  epochs: number;
  batchSize: number;
  steps: number;
  backend: string;
  trainingSeconds: number;
  /** Seconds each model's updates took. */
  secondsPerModel: Record<ModelKey, number>;
  date: string;
  configs: Record<ModelKey, IwaeConfig>;
  parameters: number;
  /** The last epoch's numbers (the evaluation's, from evaluate.ts, are in evaluation.json). */
  metrics: Record<string, number>;
  history: HistoryPoint[];
}

export async function saveCheckpoint(dir: string, models: Record<ModelKey, Iwae>, meta: IwaeMeta): Promise<void> {
  const tensors: Record<string, tf.Tensor> = {};
  for (const key of MODELS) for (const [name, t] of Object.entries(models[key].named())) tensors[`${key}/${name}`] = t;
  await saveTensors(dir, tensors, 'float16');
  await writeMeta(dir, meta, 1);
}

export async function readMeta(dir = CHECKPOINT_DIR): Promise<IwaeMeta> {
  return readMetaFile<IwaeMeta>(dir);
}

export async function loadModels(dir = CHECKPOINT_DIR): Promise<{ models: Record<ModelKey, Iwae>; meta: IwaeMeta }> {
  const meta = await readMeta(dir);
  const tensors = await loadTensors(dir);
  try {
    const models = {} as Record<ModelKey, Iwae>;
    for (const key of MODELS) {
      const own = Object.fromEntries(Object.entries(tensors).filter(([name]) => name.startsWith(`${key}/`)).map(([name, t]) => [name.slice(key.length + 1), t]));
      models[key] = new Iwae(meta.configs[key], meta.seed, own);
    }
    return { models, meta };
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
}


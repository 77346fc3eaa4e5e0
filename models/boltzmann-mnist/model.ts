/**
 * The two MNIST models of the check — a binary RBM (Salakhutdinov & Murray 2008) and a 2-layer
 * DBM (Salakhutdinov & Hinton 2009) — as float16 checkpoints built from the shared blocks.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { Dbm, loadTensors, saveTensors, weightsVersion } from '@/models/blocks';

export const CHECKPOINT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'checkpoint');
export type ModelName = 'rbm' | 'dbm';
export const MODEL_NAMES: readonly ModelName[] = ['rbm', 'dbm'];
export const EVALUATION_FILE = 'evaluation.json';

export const checkpointDir = (model: ModelName, root = CHECKPOINT_DIR) => path.join(root, model);

/** Layer l's bias is `b<l>`, the weights between layers l and l+1 are `W<l>`. */
export async function saveDbm(dbm: Dbm, dir: string): Promise<void> {
  const tensors: Record<string, tf.Tensor> = {};
  dbm.layers.forEach((layer, l) => (tensors[`b${l}`] = layer.bias));
  dbm.weights.forEach((w, l) => (tensors[`W${l}`] = w));
  await saveTensors(dir, tensors);
}

export async function loadDbm(dir: string): Promise<Dbm> {
  const t = await loadTensors(dir);
  const depth = Object.keys(t).filter((name) => name.startsWith('b')).length;
  const names = ['v', ...Array.from({ length: depth - 1 }, (_, i) => `h${i + 1}`)];
  const dbm = new Dbm(
    names.map((name, l) => ({ name, units: 'binary' as const, bias: t[`b${l}`] as tf.Tensor1D })),
    Array.from({ length: depth - 1 }, (_, l) => t[`W${l}`] as tf.Tensor2D),
  );
  Object.values(t).forEach((x) => x.dispose());
  return dbm;
}

/** A checkpoint's version: its kind (the folder's name) and the first 12 hex digits of the SHA-256 of its weights. */
export const checkpointVersion = (dir: string): Promise<string> => weightsVersion(dir, path.basename(dir));

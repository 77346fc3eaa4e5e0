/**
 * The two MNIST models of the check — a binary RBM (Salakhutdinov & Murray 2008) and a 2-layer
 * DBM (Salakhutdinov & Hinton 2009) — as float16 checkpoints built from the shared blocks.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { Dbm, loadTensors, Rbm, saveTensors } from '@/models/blocks';

export const CHECKPOINT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'checkpoint');
export type ModelName = 'rbm' | 'dbm';
export const MODEL_NAMES: readonly ModelName[] = ['rbm', 'dbm'];
export const META_FILE = 'meta.json';
export const EVALUATION_FILE = 'evaluation.json';

export const checkpointDir = (model: ModelName, root = CHECKPOINT_DIR) => path.join(root, model);

export async function saveRbm(rbm: Rbm, dir: string): Promise<void> {
  await saveTensors(dir, { W: rbm.W, visibleBias: rbm.visibleBias, hiddenBias: rbm.hiddenBias });
}

export async function loadRbm(dir: string): Promise<Rbm> {
  const t = await loadTensors(dir);
  const W = t.W as tf.Tensor2D;
  const rbm = new Rbm({ visible: W.shape[0], hidden: W.shape[1], units: 'binary' }, { W, visibleBias: t.visibleBias as tf.Tensor1D, hiddenBias: t.hiddenBias as tf.Tensor1D });
  Object.values(t).forEach((x) => x.dispose());
  return rbm;
}

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

/** A checkpoint's version: its kind and the first 12 hex digits of the SHA-256 of its weights. */
export async function checkpointVersion(dir: string): Promise<string> {
  const hash = createHash('sha256').update(await fs.readFile(path.join(dir, 'weights.bin'))).digest('hex');
  return `${path.basename(dir)}-${hash.slice(0, 12)}`;
}

export async function readMeta(dir: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, META_FILE), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function writeMeta(dir: string, meta: Record<string, unknown>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
}

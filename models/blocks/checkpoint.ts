/**
 * Checkpoints of named tensors: one `weights.bin` (float16 or float32, concatenated) and a
 * manifest of names, shapes and offsets kept in `weights.json`. float16 halves the size of what
 * is committed; the weights are widened back to float32 on load. Beside them, `meta.json`: how
 * the checkpoint was made and what it measured (`readMeta` / `writeMeta`).
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rbm } from './rbm';

export type StoredDtype = 'float16' | 'float32';

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: StoredDtype;
  offset: number;
  bytes: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE float32 → float16 bits, rounding to nearest even. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** float16 bits → number. */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

export async function saveTensors(dir: string, tensors: Record<string, tf.Tensor>, dtype: StoredDtype = 'float16'): Promise<TensorEntry[]> {
  const entries: TensorEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const values = (await tensor.data()) as Float32Array;
    let bytes: Uint8Array;
    if (dtype === 'float16') {
      const half = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) half[i] = toHalf(values[i]);
      bytes = new Uint8Array(half.buffer);
    } else bytes = new Uint8Array(Float32Array.from(values).buffer);
    entries.push({ name, shape: tensor.shape, dtype, offset, bytes: bytes.byteLength });
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  await fs.mkdir(dir, { recursive: true });
  const all = new Uint8Array(offset);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.byteLength;
  }
  await fs.writeFile(path.join(dir, 'weights.bin'), all);
  await fs.writeFile(path.join(dir, 'weights.json'), `${JSON.stringify(entries, null, 1)}\n`);
  return entries;
}

export async function loadTensors(dir: string): Promise<Record<string, tf.Tensor>> {
  const entries = JSON.parse(await fs.readFile(path.join(dir, 'weights.json'), 'utf8')) as TensorEntry[];
  const buffer = await fs.readFile(path.join(dir, 'weights.bin'));
  const out: Record<string, tf.Tensor> = {};
  for (const entry of entries) {
    const slice = buffer.buffer.slice(buffer.byteOffset + entry.offset, buffer.byteOffset + entry.offset + entry.bytes);
    let values: Float32Array;
    if (entry.dtype === 'float16') {
      const half = new Uint16Array(slice);
      values = new Float32Array(half.length);
      for (let i = 0; i < half.length; i++) values[i] = fromHalf(half[i]);
    } else values = new Float32Array(slice);
    out[entry.name] = tf.tensor(values, entry.shape, 'float32');
  }
  return out;
}

/** `<name>-<first 12 hex of sha256(weights.bin)>`: the version recorded with everything a checkpoint makes. */
export async function weightsVersion(dir: string, name: string): Promise<string> {
  return `${name}-${crypto.createHash('sha256').update(await fs.readFile(path.join(dir, 'weights.bin'))).digest('hex').slice(0, 12)}`;
}

export const META_FILE = 'meta.json';

/** A checkpoint's meta.json; a missing one is an error. */
export async function readMeta<T = Record<string, unknown>>(dir: string): Promise<T> {
  return JSON.parse(await fs.readFile(path.join(dir, META_FILE), 'utf8')) as T;
}

/** A checkpoint's meta.json, or undefined where there is none yet. */
export async function readMetaIfAny<T = Record<string, unknown>>(dir: string): Promise<T | undefined> {
  try {
    return await readMeta<T>(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes meta.json as JSON indented by `indent` spaces (2 unless the checkpoint's format says otherwise) and a newline, making the folder. */
export async function writeMeta(dir: string, meta: unknown, indent = 2): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, META_FILE), `${JSON.stringify(meta, null, indent)}\n`);
}

/** An RBM's tensors under `<prefix>W`, `<prefix>visibleBias`, `<prefix>hiddenBias`, for `saveTensors`. */
export function rbmTensors(rbm: Rbm, prefix = ''): Record<string, tf.Tensor> {
  return { [`${prefix}W`]: rbm.W, [`${prefix}visibleBias`]: rbm.visibleBias, [`${prefix}hiddenBias`]: rbm.hiddenBias };
}

/** The binary RBM saved by `rbmTensors` under `prefix`, from loaded tensors (copied: the caller disposes `tensors`). */
export function rbmFromTensors(tensors: Record<string, tf.Tensor>, prefix = ''): Rbm {
  const W = tensors[`${prefix}W`] as tf.Tensor2D;
  return new Rbm({ visible: W.shape[0], hidden: W.shape[1], units: 'binary' }, { W, visibleBias: tensors[`${prefix}visibleBias`] as tf.Tensor1D, hiddenBias: tensors[`${prefix}hiddenBias`] as tf.Tensor1D });
}

export async function saveRbm(rbm: Rbm, dir: string): Promise<void> {
  await saveTensors(dir, rbmTensors(rbm));
}

export async function loadRbm(dir: string): Promise<Rbm> {
  const tensors = await loadTensors(dir);
  const rbm = rbmFromTensors(tensors);
  Object.values(tensors).forEach((x) => x.dispose());
  return rbm;
}

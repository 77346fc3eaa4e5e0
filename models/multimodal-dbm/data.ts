/**
 * Corel-5k as the multimodal DBM sees it: for every photo, its image-feature vector (the same
 * pipeline an upload goes through: cover-crop to 128×128, then `models/image-features`) and its
 * tags as a word-count vector over the 374-word vocabulary.
 *
 * Computing the features of 4,999 photos takes about a minute and a half on one core, so they are
 * cached in `CACHE_DIR`, keyed by the feature version: a change to the feature pipeline makes a
 * new cache file instead of silently reusing stale vectors.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadCorel5k, type Corel5k, type CorelItem } from '@/lib/datasets';
import { env } from '@/lib/env';
import { seededShuffle } from '@/lib/random';
import { toModelInput, type ModelInputFit } from '@/lib/images';
import { FEATURE_CONFIG, FEATURE_DIMS, FEATURE_VERSION, gaborBank, imageFeatures } from '@/models/image-features/model';

export interface CorelFeatures {
  dataset: Corel5k;
  featureVersion: string;
  dims: number;
  /** Row i is the feature vector of `dataset.items[i]`. */
  features: Float32Array;
}

export interface MultimodalSplit {
  items: CorelItem[];
  /** [n × dims] image features. */
  image: Float32Array;
  /** [n × vocabulary] tag counts (0/1 for Corel; one record repeats a tag). */
  text: Float32Array;
}

export const cacheFile = (cacheDir: string) => path.join(cacheDir, `corel5k-features-${FEATURE_VERSION}.f32`);

/** Features of every Corel-5k photo, from the cache when present. `onProgress(done, total)`. */
export async function loadCorelFeatures(
  options: { dataDir?: string; cacheDir?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<CorelFeatures> {
  const dataset = await loadCorel5k(options.dataDir ?? env.DATA_DIR);
  const files = dataset.items.map((item) => item.file);
  const features = await cachedImageFeatures(files, cacheFile(options.cacheDir ?? env.CACHE_DIR), options.onProgress);
  return { dataset, featureVersion: FEATURE_VERSION, dims: FEATURE_DIMS, features };
}

/**
 * The image features of `files` (row i of file i), read from `cache` when it holds exactly that
 * many rows, else computed here on this thread's TensorFlow.js, 32 photos at a time, and written
 * to `cache` (atomically). `onProgress(done, total)`. `fit` is how each photo becomes 128×128
 * (`toModelInput`; cover-crop unless told): name the cache after it.
 */
export async function cachedImageFeatures(
  files: string[],
  cache: string,
  onProgress?: (done: number, total: number) => void,
  options: { fit?: ModelInputFit } = {},
): Promise<Float32Array> {
  const expected = files.length * FEATURE_DIMS;
  if (fs.existsSync(cache)) {
    const bytes = await fsp.readFile(cache);
    if (bytes.byteLength === expected * 4) {
      onProgress?.(files.length, files.length);
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
  }
  const features = new Float32Array(expected);
  const bank = gaborBank();
  const batch = 32;
  try {
    for (let start = 0; start < files.length; start += batch) {
      const inputs = await Promise.all(files.slice(start, start + batch).map(async (file) => toModelInput(await fsp.readFile(file), FEATURE_CONFIG.size, options)));
      imageFeatures(inputs, bank).forEach((vector, i) => features.set(vector, (start + i) * FEATURE_DIMS));
      onProgress?.(Math.min(start + batch, files.length), files.length);
      await tf.nextFrame();
    }
  } finally {
    bank.dispose();
  }
  await fsp.mkdir(path.dirname(cache), { recursive: true });
  const tmp = `${cache}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, new Uint8Array(features.buffer));
  await fsp.rename(tmp, cache);
  return features;
}

/** The rows of one split, with tag-count vectors. */
export function splitOf(corel: CorelFeatures, split: 'train' | 'test'): MultimodalSplit {
  const rows = corel.dataset.items.flatMap((item, i) => (item.split === split ? [i] : []));
  const words = corel.dataset.vocabulary.length;
  const image = new Float32Array(rows.length * corel.dims);
  const text = new Float32Array(rows.length * words);
  rows.forEach((row, r) => {
    image.set(corel.features.subarray(row * corel.dims, (row + 1) * corel.dims), r * corel.dims);
    for (const id of corel.dataset.items[row].tagIds) text[r * words + id] += 1;
  });
  return { items: rows.map((row) => corel.dataset.items[row]), image, text };
}

/** The photos of `split` at `rows`, in that order. */
export function rowsOf(split: MultimodalSplit, rows: number[]): MultimodalSplit {
  const dims = split.image.length / split.items.length;
  const words = split.text.length / split.items.length;
  const image = new Float32Array(rows.length * dims);
  const text = new Float32Array(rows.length * words);
  rows.forEach((r, i) => {
    image.set(split.image.subarray(r * dims, (r + 1) * dims), i * dims);
    text.set(split.text.subarray(r * words, (r + 1) * words), i * words);
  });
  return { items: rows.map((r) => split.items[r]), image, text };
}

/**
 * The photos train.ts holds out with `--validation size` (the first `size` of a shuffle seeded by
 * the training seed) and the rest, so that fine-tune.ts and scripts/tune.ts keep out the same ones.
 */
export function holdOut(split: MultimodalSplit, seed: number, size: number): { kept: MultimodalSplit; heldOut: MultimodalSplit } {
  const order = seededShuffle(split.items.map((_, i) => i), seed);
  return { kept: rowsOf(split, order.slice(size)), heldOut: rowsOf(split, order.slice(0, size)) };
}

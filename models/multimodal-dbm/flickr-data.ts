/**
 * Flickr8k as the multimodal DBM and its baselines see it: for every photo with a split (8,000),
 * its image-feature vector, computed by the same pipeline an upload goes through (cover-crop to
 * 128×128 — a no-op here, the dataset's photos are already squashed to 128×128 — then
 * `models/image-features`).
 *
 * Computing them takes a few minutes on one core, so they are cached in `CACHE_DIR`, keyed by the
 * feature version (as Corel-5k's are in data.ts): a change to the feature pipeline makes a new
 * cache file instead of silently reusing stale vectors. The cache holds the rows in the loader's
 * order; a file of the wrong size is recomputed.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadFlickr8k, type Flickr8kPhoto } from '@/lib/datasets';
import { env } from '@/lib/env';
import { toModelInput } from '@/lib/images';
import { FEATURE_DIMS, FEATURE_VERSION, gaborBank, imageFeatures } from '@/models/image-features/model';

export interface FlickrFeatures {
  photos: Flickr8kPhoto[];
  featureVersion: string;
  dims: number;
  /** Row i is the feature vector of `photos[i]`. */
  features: Float32Array;
}

export const flickrCacheFile = (cacheDir: string) => path.join(cacheDir, `flickr8k-features-${FEATURE_VERSION}.f32`);

/** Features of every Flickr8k photo, from the cache when present. `onProgress(done, total)`. */
export async function loadFlickrFeatures(
  options: { dataDir?: string; cacheDir?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<FlickrFeatures> {
  const photos = await loadFlickr8k(options.dataDir ?? env.DATA_DIR);
  const file = flickrCacheFile(options.cacheDir ?? env.CACHE_DIR);
  const expected = photos.length * FEATURE_DIMS;
  if (fs.existsSync(file)) {
    const bytes = await fsp.readFile(file);
    if (bytes.byteLength === expected * 4) {
      const features = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      options.onProgress?.(photos.length, photos.length);
      return { photos, featureVersion: FEATURE_VERSION, dims: FEATURE_DIMS, features };
    }
  }
  const features = new Float32Array(expected);
  const bank = gaborBank();
  const batch = 32;
  try {
    for (let start = 0; start < photos.length; start += batch) {
      const slice = photos.slice(start, start + batch);
      const inputs = await Promise.all(slice.map(async (photo) => toModelInput(await fsp.readFile(photo.file))));
      imageFeatures(inputs, bank).forEach((vector, i) => features.set(vector, (start + i) * FEATURE_DIMS));
      options.onProgress?.(Math.min(start + batch, photos.length), photos.length);
      await tf.nextFrame();
    }
  } finally {
    bank.dispose();
  }
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, new Uint8Array(features.buffer));
  await fsp.rename(tmp, file);
  return { photos, featureVersion: FEATURE_VERSION, dims: FEATURE_DIMS, features };
}

/** The rows of `features` whose photo is in `split`, with those photos, in loader order. */
export function flickrSplitRows(flickr: FlickrFeatures, split: Flickr8kPhoto['split']): { photos: Flickr8kPhoto[]; image: Float32Array } {
  const rows = flickr.photos.flatMap((photo, i) => (photo.split === split ? [i] : []));
  const image = new Float32Array(rows.length * flickr.dims);
  rows.forEach((row, r) => image.set(flickr.features.subarray(row * flickr.dims, (row + 1) * flickr.dims), r * flickr.dims));
  return { photos: rows.map((row) => flickr.photos[row]), image };
}

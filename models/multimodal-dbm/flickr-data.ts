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
import path from 'node:path';
import { loadFlickr8k, type Flickr8kPhoto } from '@/lib/datasets';
import { env } from '@/lib/env';
import { FEATURE_DIMS, FEATURE_VERSION } from '@/models/image-features/model';
import { cachedImageFeatures } from './data';

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
  const features = await cachedImageFeatures(
    photos.map((photo) => photo.file),
    flickrCacheFile(options.cacheDir ?? env.CACHE_DIR),
    options.onProgress,
  );
  return { photos, featureVersion: FEATURE_VERSION, dims: FEATURE_DIMS, features };
}

/** The rows of `features` whose photo is in `split`, with those photos, in loader order. */
export function flickrSplitRows(flickr: FlickrFeatures, split: Flickr8kPhoto['split']): { photos: Flickr8kPhoto[]; image: Float32Array } {
  const rows = flickr.photos.flatMap((photo, i) => (photo.split === split ? [i] : []));
  const image = new Float32Array(rows.length * flickr.dims);
  rows.forEach((row, r) => image.set(flickr.features.subarray(row * flickr.dims, (row + 1) * flickr.dims), r * flickr.dims));
  return { photos: rows.map((row) => flickr.photos[row]), image };
}

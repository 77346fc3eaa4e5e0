/**
 * The two photo collections a tagger is trained on, in one shape: each photo's image-feature
 * vector and its tags as counts over the vocabulary.
 *
 * - `corel5k`: Corel-5k's 4,500 training photos, its 374 tags, GIST+colour (`image-features`, 620
 *   numbers) — the Corel-5k tagger (`multimodal-dbm`).
 * - `flickr8k`: Flickr8k's 6,000 training photos, tags derived from their five captions by
 *   `lib/text/caption-tags.ts` (370 words), the joined learned features (`learned-features`:
 *   learned ⊕ GIST+colour, 3,820 numbers) — the Flickr8k tagger (`multimodal-dbm-flickr`).
 *
 * Features come from the serving code on the same 128×128 input an upload gives, and are cached in
 * CACHE_DIR under their version (`cachedFeatures`).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadFlickr8k, type Flickr8kPhoto, type Flickr8kSplit } from '@/lib/datasets';
import { env } from '@/lib/env';
import { toModelInput } from '@/lib/images';
import { buildFlickrVocabulary, photoTags } from '@/lib/text/caption-tags';
import { FEATURE_DIMS } from '@/models/image-features/model';
import { featureDims } from '@/models/learned-features/model';
import { joinedFeatures } from '@/models/learned-features/model';
import { loadJoinedFeatures } from '@/models/learned-features/serve';
import { loadFlickrFeatures, type FlickrFeatures } from './flickr-data';
import { loadCorelFeatures, splitOf, type MultimodalSplit } from './data';

export type TaggerDataset = 'corel5k' | 'flickr8k';
export const TAGGER_DATASETS: readonly TaggerDataset[] = ['corel5k', 'flickr8k'];

export interface TrainingSet {
  dataset: TaggerDataset;
  vocabulary: string[];
  featureVersion: string;
  dims: number;
  train: MultimodalSplit;
  /** One line for meta.json: the photos, the words, the features. */
  describe(n: number, heldOut: number): string;
}

export function parseDataset(value: unknown): TaggerDataset {
  const name = String(value ?? 'corel5k');
  if (!(TAGGER_DATASETS as readonly string[]).includes(name)) throw new Error(`--dataset is ${TAGGER_DATASETS.join(' or ')}, not ${name}`);
  return name as TaggerDataset;
}

/** Flickr8k's photos with their joined learned features (all 8,000, in the loader's order). */
export interface FlickrJoined {
  photos: Flickr8kPhoto[];
  featureVersion: string;
  dims: number;
  features: Float32Array;
}

/**
 * Joined learned features of every Flickr8k photo, from `CACHE_DIR/flickr8k-<version>.f32` when
 * present. The GIST+colour half is the same vector `image-features` gives (the same code on the
 * same 128×128 input), so it is taken from that model's own cache (flickr-data.ts) instead of
 * being computed twice; the serving path (`computeJoinedFeatures`) computes both.
 */
export async function loadFlickrJoined(options: { dataDir?: string; cacheDir?: string; onProgress?: (done: number, total: number) => void } = {}): Promise<FlickrJoined> {
  const photos = await loadFlickr8k(options.dataDir ?? env.DATA_DIR);
  const loaded = await loadJoinedFeatures();
  try {
    const dims = featureDims(loaded.extractor.config) + FEATURE_DIMS;
    const cache = path.join(options.cacheDir ?? env.CACHE_DIR, `flickr8k-${loaded.version}.f32`);
    let gist: FlickrFeatures | undefined;
    let at = 0;
    const features = await cachedFeatures(
      photos.map((p) => p.file),
      dims,
      cache,
      (inputs) => {
        const rows = inputs.map((_, i) => gist!.features.slice((at + i) * FEATURE_DIMS, (at + i + 1) * FEATURE_DIMS));
        at += inputs.length;
        return joinedFeatures(
          inputs.map((input) => input.pixels),
          loaded.extractor,
          rows,
        );
      },
      options.onProgress,
      async () => {
        gist = await loadFlickrFeatures({ dataDir: options.dataDir, cacheDir: options.cacheDir });
      },
    );
    return { photos, featureVersion: loaded.version, dims, features };
  } finally {
    loaded.extractor.dispose();
    loaded.bank.dispose();
  }
}

/**
 * `compute`'s vectors of `files` (each decoded as an upload is, 128×128), read from `cache` when
 * it holds exactly that many rows, else computed 32 photos at a time and written atomically.
 */
export async function cachedFeatures(
  files: string[],
  dims: number,
  cache: string,
  compute: (inputs: { pixels: Float32Array }[]) => Float32Array[],
  onProgress?: (done: number, total: number) => void,
  /** Runs once before computing (not when the cache answers). */
  prepare?: () => Promise<void>,
): Promise<Float32Array> {
  const expected = files.length * dims;
  if (fs.existsSync(cache) && fs.statSync(cache).size === expected * 4) {
    const bytes = await fsp.readFile(cache);
    onProgress?.(files.length, files.length);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  await prepare?.();
  const features = new Float32Array(expected);
  const batch = 32;
  for (let start = 0; start < files.length; start += batch) {
    const inputs = await Promise.all(files.slice(start, start + batch).map(async (file) => toModelInput(await fsp.readFile(file))));
    compute(inputs).forEach((vector, i) => {
      if (vector.length !== dims) throw new Error(`expected ${dims} numbers a photo, got ${vector.length}`);
      features.set(vector, (start + i) * dims);
    });
    onProgress?.(Math.min(start + batch, files.length), files.length);
    await tf.nextFrame();
  }
  await fsp.mkdir(path.dirname(cache), { recursive: true });
  const tmp = `${cache}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, new Uint8Array(features.buffer));
  await fsp.rename(tmp, cache);
  return features;
}

/** The photos of one Flickr8k split as a tagger sees them: features and caption tags over `vocabulary`. */
export function flickrSplit(flickr: FlickrJoined, split: Flickr8kSplit, vocabulary: readonly string[]): MultimodalSplit & { photos: Flickr8kPhoto[] } {
  const rows = flickr.photos.flatMap((photo, i) => (photo.split === split ? [i] : []));
  const words = vocabulary.length;
  const index = new Map(vocabulary.map((w, i) => [w, i]));
  const image = new Float32Array(rows.length * flickr.dims);
  const text = new Float32Array(rows.length * words);
  const items = rows.map((row, r) => {
    image.set(flickr.features.subarray(row * flickr.dims, (row + 1) * flickr.dims), r * flickr.dims);
    const photo = flickr.photos[row];
    const tags = photoTags(photo.captions, vocabulary);
    for (const tag of tags) text[r * words + index.get(tag)!] = 1;
    // The captions ride along (scripts/tune.ts measures precision@5 against them on held-out photos).
    return { id: photo.id, file: photo.file, tags, tagIds: tags.map((t) => index.get(t)!), split: 'train' as const, captions: photo.captions };
  });
  return { items, image, text, photos: rows.map((row) => flickr.photos[row]) };
}

/** The training photos of `dataset`, their features and their tags. */
export async function loadTrainingSet(dataset: TaggerDataset, onProgress?: (done: number, total: number) => void): Promise<TrainingSet> {
  if (dataset === 'corel5k') {
    const corel = await loadCorelFeatures({ onProgress });
    return {
      dataset,
      vocabulary: corel.dataset.vocabulary,
      featureVersion: corel.featureVersion,
      dims: corel.dims,
      train: splitOf(corel, 'train'),
      describe: (n, heldOut) => `Corel-5k training split (${n} photos${heldOut ? `; ${heldOut} training photos held out for validation` : ''}), ${corel.dataset.vocabulary.length}-word vocabulary; image features ${corel.featureVersion}`,
    };
  }
  const flickr = await loadFlickrJoined({ onProgress });
  const vocabulary = buildFlickrVocabulary(flickr.photos.filter((p) => p.split === 'train'));
  return {
    dataset,
    vocabulary,
    featureVersion: flickr.featureVersion,
    dims: flickr.dims,
    train: flickrSplit(flickr, 'train', vocabulary),
    describe: (n, heldOut) =>
      `Flickr8k training split (${n} photos${heldOut ? `; ${heldOut} training photos held out for validation` : ''}), ${vocabulary.length}-word vocabulary from their captions (lib/text/caption-tags.ts); image features ${flickr.featureVersion}`,
  };
}

/**
 * Flickr8k with Captions: the paper's COCO experiment (§4.2) on Flickr8k's everyday photos. Every
 * photo, shrunk to a 32×32 colour canvas, with its five human sentences ("A dog runs across the
 * snow ."). The official split: 6,000 photos train, 1,000 dev (watched while training, used to
 * choose settings), 1,000 test (evaluation only).
 *
 * A training example is a training photo drawn at random with one of its five sentences, also at
 * random, mirrored left–right half of the time — unless the sentence says "left" or "right",
 * which a mirror would make false.
 *
 * The dataset's photos are already squashed to 128×128, so the shrink is a plain resize (the same
 * cover-crop an upload goes through is a no-op on a square). Shrinking 8,000 JPEGs takes about a
 * minute; the canvases are kept in the cache directory (`flickr8k-canvas32.u8`, 25 MB).
 */
import path from 'node:path';
import { loadFlickr8k, type Flickr8kPhoto, type Flickr8kSplit } from '@/lib/datasets';
import { env } from '@/lib/env';
import { mulberry32 } from '@/lib/random';
import { CANVAS, CANVAS_SIZE, CHANNELS, copyCanvas, shrunkCanvases } from './canvases';

/** Canvas side, pixels. */
export const FLICKR_CANVAS = CANVAS;
export const FLICKR_CHANNELS = CHANNELS;
/** Values in one canvas: 32 × 32 × 3, channels last. */
export const FLICKR_CANVAS_SIZE = CANVAS_SIZE;

export interface FlickrCanvases {
  photos: Flickr8kPhoto[];
  /** [photos × 32·32·3] bytes, in `photos` order. */
  pixels: Uint8Array;
}

export interface FlickrCaptionBatch {
  count: number;
  /** [count × 32·32·3] in [0, 1]. */
  images: Float32Array;
  captions: string[];
  /** Index of each example's photo in `photos`. */
  items: number[];
}

export const flickrCanvasFile = (cacheDir: string) => path.join(cacheDir, `flickr8k-canvas${FLICKR_CANVAS}.u8`);

/** Every Flickr8k photo as a 32×32 canvas, from the cache when present. `onProgress(done, total)`. */
export async function loadFlickrCanvases(
  options: { dataDir?: string; cacheDir?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<FlickrCanvases> {
  const photos = await loadFlickr8k(options.dataDir ?? env.DATA_DIR);
  const files = photos.map((photo) => photo.file);
  return { photos, pixels: await shrunkCanvases(files, flickrCanvasFile(options.cacheDir ?? env.CACHE_DIR), options.onProgress) };
}

/** Indices into `photos` of one split. */
export function flickrSplit(flickr: FlickrCanvases, split: Flickr8kSplit): number[] {
  return flickr.photos.flatMap((photo, i) => (photo.split === split ? [i] : []));
}

/** A sentence a mirror would make false. */
export const SAYS_LEFT_OR_RIGHT = /\b(left|right)\b/i;

/**
 * Training examples: `count` photos of `train` drawn at random (with replacement) by `seed`, each
 * with one of its sentences drawn at random, mirrored half of the time unless it says left or right.
 */
export function flickrTrainingBatch(flickr: FlickrCanvases, train: readonly number[], options: { count: number; seed: number }): FlickrCaptionBatch {
  const random = mulberry32(options.seed);
  const images = new Float32Array(options.count * FLICKR_CANVAS_SIZE);
  const captions: string[] = [];
  const items: number[] = [];
  for (let n = 0; n < options.count; n++) {
    const item = train[Math.floor(random() * train.length)];
    const sentences = flickr.photos[item].captions;
    const caption = sentences[Math.floor(random() * sentences.length)];
    const mirror = random() < 0.5 && !SAYS_LEFT_OR_RIGHT.test(caption);
    copyCanvas(flickr.pixels, item, images, n * FLICKR_CANVAS_SIZE, mirror);
    captions.push(caption);
    items.push(item);
  }
  return { count: options.count, images, captions, items };
}

/**
 * Held-out examples: the given photos as they are, each with its sentence number `sentence`
 * (0–4), or one example per sentence with `sentence: 'all'` (photo order, then sentence order).
 */
export function flickrExamples(flickr: FlickrCanvases, items: readonly number[], sentence: number | 'all' = 0): FlickrCaptionBatch {
  const pairs = items.flatMap((item) =>
    sentence === 'all' ? flickr.photos[item].captions.map((caption) => ({ item, caption })) : [{ item, caption: flickr.photos[item].captions[sentence] }],
  );
  const images = new Float32Array(pairs.length * FLICKR_CANVAS_SIZE);
  pairs.forEach(({ item }, n) => copyCanvas(flickr.pixels, item, images, n * FLICKR_CANVAS_SIZE, false));
  return { count: pairs.length, images, captions: pairs.map((p) => p.caption), items: pairs.map((p) => p.item) };
}

/** The training sentences, for learning the tokenizer (never a dev or test sentence). */
export function trainingSentences(flickr: FlickrCanvases): string[] {
  return flickrSplit(flickr, 'train').flatMap((item) => flickr.photos[item].captions);
}

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
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { loadFlickr8k, type Flickr8kPhoto, type Flickr8kSplit } from '@/lib/datasets';
import { env } from '@/lib/env';
import { toModelInput } from '@/lib/images';
import { mulberry32 } from '@/lib/random';

/** Canvas side, pixels. */
export const FLICKR_CANVAS = 32;
export const FLICKR_CHANNELS = 3;
/** Values in one canvas: 32 × 32 × 3, channels last. */
export const FLICKR_CANVAS_SIZE = FLICKR_CANVAS * FLICKR_CANVAS * FLICKR_CHANNELS;

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
  const file = flickrCanvasFile(options.cacheDir ?? env.CACHE_DIR);
  const expected = photos.length * FLICKR_CANVAS_SIZE;
  if (fs.existsSync(file)) {
    const bytes = await fsp.readFile(file);
    if (bytes.byteLength === expected) return { photos, pixels: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }
  const pixels = new Uint8Array(expected);
  for (const [i, photo] of photos.entries()) {
    const input = await toModelInput(await fsp.readFile(photo.file), FLICKR_CANVAS);
    for (let k = 0; k < FLICKR_CANVAS_SIZE; k++) pixels[i * FLICKR_CANVAS_SIZE + k] = Math.round(input.pixels[k] * 255);
    if ((i + 1) % 100 === 0 || i + 1 === photos.length) options.onProgress?.(i + 1, photos.length);
  }
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, pixels);
  await fsp.rename(tmp, file);
  return { photos, pixels };
}

/** Indices into `photos` of one split. */
export function flickrSplit(flickr: FlickrCanvases, split: Flickr8kSplit): number[] {
  return flickr.photos.flatMap((photo, i) => (photo.split === split ? [i] : []));
}

/** A sentence a mirror would make false. */
export const SAYS_LEFT_OR_RIGHT = /\b(left|right)\b/i;

/** Copies canvas `item` into `out` at `offset` as [0, 1] values, mirrored left–right if asked. */
function copyCanvas(flickr: FlickrCanvases, item: number, out: Float32Array, offset: number, mirror: boolean): void {
  const side = FLICKR_CANVAS;
  const source = item * FLICKR_CANVAS_SIZE;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const from = source + (y * side + (mirror ? side - 1 - x : x)) * FLICKR_CHANNELS;
      const to = offset + (y * side + x) * FLICKR_CHANNELS;
      for (let c = 0; c < FLICKR_CHANNELS; c++) out[to + c] = flickr.pixels[from + c] / 255;
    }
  }
}

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
    copyCanvas(flickr, item, images, n * FLICKR_CANVAS_SIZE, mirror);
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
  pairs.forEach(({ item }, n) => copyCanvas(flickr, item, images, n * FLICKR_CANVAS_SIZE, false));
  return { count: pairs.length, images, captions: pairs.map((p) => p.caption), items: pairs.map((p) => p.item) };
}

/** The training sentences, for learning the tokenizer (never a dev or test sentence). */
export function trainingSentences(flickr: FlickrCanvases): string[] {
  return flickrSplit(flickr, 'train').flatMap((item) => flickr.photos[item].captions);
}

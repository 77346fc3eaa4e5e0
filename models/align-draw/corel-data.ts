/**
 * Corel-5k with Captions: the paper's COCO setup in miniature. Every Corel-5k photo, shrunk to a
 * 32×32 colour canvas (centre crop, as the page shows photos), captioned by its own tags: "sky
 * water tree". Corel's own split: 4,500 photos train, 499 test.
 *
 * A photo's tags have no order, so a training caption lists them in a fresh random order each time
 * it is drawn, and the photo is mirrored left–right half of the time (a mirrored beach is still a
 * beach); test captions keep the dataset's order and the photos are never mirrored.
 *
 * Shrinking 4,999 JPEGs takes about half a minute; the canvases are kept in the cache directory
 * (`corel5k-canvas32.u8`, 15 MB) and read from there afterwards.
 */
import path from 'node:path';
import { loadCorel5k, type Corel5k, type CorelItem, type CorelSplit } from '@/lib/datasets';
import { env } from '@/lib/env';
import { mulberry32 } from '@/lib/random';
import { CANVAS, CANVAS_SIZE, CHANNELS, copyCanvas, shrunkCanvases } from './canvases';

/** Canvas side, pixels. */
export const COREL_CANVAS = CANVAS;
export const COREL_CHANNELS = CHANNELS;
/** Values in one canvas: 32 × 32 × 3, channels last. */
export const COREL_CANVAS_SIZE = CANVAS_SIZE;

export interface CorelCanvases {
  dataset: Corel5k;
  /** [items × 32·32·3] bytes, in `dataset.items` order. */
  pixels: Uint8Array;
}

export interface CorelCaptionBatch {
  count: number;
  /** [count × 32·32·3] in [0, 1]. */
  images: Float32Array;
  captions: string[];
  /** Index of each example's photo in `dataset.items`. */
  items: number[];
}

export const corelCanvasFile = (cacheDir: string) => path.join(cacheDir, `corel5k-canvas${COREL_CANVAS}.u8`);

/** Every Corel-5k photo as a 32×32 canvas, from the cache when present. `onProgress(done, total)`. */
export async function loadCorelCanvases(
  options: { dataDir?: string; cacheDir?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<CorelCanvases> {
  const dataset = await loadCorel5k(options.dataDir ?? env.DATA_DIR);
  const files = dataset.items.map((item) => item.file);
  return { dataset, pixels: await shrunkCanvases(files, corelCanvasFile(options.cacheDir ?? env.CACHE_DIR), options.onProgress) };
}

/** Indices into `dataset.items` of one split. */
export function corelSplit(corel: CorelCanvases, split: CorelSplit): number[] {
  return corel.dataset.items.flatMap((item, i) => (item.split === split ? [i] : []));
}

/** A photo's caption: its tags, in the dataset's order or shuffled by `random`. */
export function corelCaption(item: CorelItem, random?: () => number): string {
  const tags = [...item.tags];
  if (random) {
    for (let i = tags.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [tags[i], tags[j]] = [tags[j], tags[i]];
    }
  }
  return tags.join(' ');
}

/**
 * Training examples: `count` photos of the train split drawn at random (with replacement) by
 * `seed`, each with its tags in a random order and mirrored half of the time.
 */
export function corelTrainingBatch(corel: CorelCanvases, train: readonly number[], options: { count: number; seed: number }): CorelCaptionBatch {
  const random = mulberry32(options.seed);
  const images = new Float32Array(options.count * COREL_CANVAS_SIZE);
  const captions: string[] = [];
  const items: number[] = [];
  for (let n = 0; n < options.count; n++) {
    const item = train[Math.floor(random() * train.length)];
    copyCanvas(corel.pixels, item, images, n * COREL_CANVAS_SIZE, random() < 0.5);
    captions.push(corelCaption(corel.dataset.items[item], random));
    items.push(item);
  }
  return { count: options.count, images, captions, items };
}

/** Held-out examples: the given photos as they are, with their tags in the dataset's order. */
export function corelExamples(corel: CorelCanvases, items: readonly number[]): CorelCaptionBatch {
  const images = new Float32Array(items.length * COREL_CANVAS_SIZE);
  items.forEach((item, n) => copyCanvas(corel.pixels, item, images, n * COREL_CANVAS_SIZE, false));
  return { count: items.length, images, captions: items.map((item) => corelCaption(corel.dataset.items[item])), items: [...items] };
}

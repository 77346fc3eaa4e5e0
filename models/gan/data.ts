/**
 * The images the GAN page's models learn from, as 28×28 grey levels in [0, 1] (ink bright):
 *
 * - `mnist`: MNIST's 10,000 test images (the only MNIST images in the shared data), split as the
 *   Boltzmann machines split them (models/boltzmann-mnist/data.ts: 8,000 training and 2,000
 *   held-out images, the same seed), kept as grey levels;
 * - `omniglot`: the two small Omniglot background splits, each 105×105 drawing shrunk to 28×28 by
 *   area averaging and inverted so ink is bright as in MNIST; the drawings of drawers 1–16 of every
 *   character train, drawers 17–20 are held out. Labels are the characters.
 */
import { decodeOmniglotPng, loadMnistTest, loadOmniglotBackground, OMNIGLOT_SIZE } from '@/lib/datasets';
import { seededShuffle } from '@/lib/random';
import { SPLIT } from '@/models/boltzmann-mnist/data';
import { IMAGE_PIXELS, IMAGE_SIZE } from './model';

export const GAN_DATASETS = ['mnist', 'omniglot'] as const;
export type GanDataset = (typeof GAN_DATASETS)[number];

export interface ImageSet {
  count: number;
  /** `count × 784` grey levels in [0, 1]. */
  pixels: Float32Array;
  /** A class per image (digit, or character index). */
  labels: Int32Array;
}

export interface GanData {
  dataset: GanDataset;
  train: ImageSet;
  heldOut: ImageSet;
  classes: number;
  description: string;
}

const OMNIGLOT_HELD_OUT_DRAWERS = 4;

export async function loadGanData(dataset: GanDataset, dataDir?: string): Promise<GanData> {
  return dataset === 'mnist' ? loadMnist(dataDir) : loadOmniglot(dataDir);
}

async function loadMnist(dataDir?: string): Promise<GanData> {
  const mnist = await loadMnistTest(dataDir);
  const order = seededShuffle(Array.from({ length: mnist.count }, (_, i) => i), SPLIT.seed);
  const set = (indices: number[]): ImageSet => {
    const pixels = new Float32Array(indices.length * IMAGE_PIXELS);
    indices.forEach((source, r) => {
      for (let j = 0; j < IMAGE_PIXELS; j++) pixels[r * IMAGE_PIXELS + j] = mnist.images[source * IMAGE_PIXELS + j] / 255;
    });
    return { count: indices.length, pixels, labels: Int32Array.from(indices, (i) => mnist.labels[i]) };
  };
  return {
    dataset: 'mnist',
    train: set(order.slice(0, SPLIT.train)),
    heldOut: set(order.slice(SPLIT.train, SPLIT.train + SPLIT.heldOut)),
    classes: 10,
    description: `MNIST's 10,000 test images as grey levels, split with seed ${SPLIT.seed} into ${SPLIT.train} training and ${SPLIT.heldOut} held-out images (as the Boltzmann machines split them)`,
  };
}

/** A 105×105 Omniglot image (1 = ink) shrunk to 28×28 by averaging the area each pixel covers. */
export function shrinkOmniglot(image: Float32Array): Float32Array {
  const out = new Float32Array(IMAGE_PIXELS);
  const scale = OMNIGLOT_SIZE / IMAGE_SIZE;
  for (let y = 0; y < IMAGE_SIZE; y++) {
    for (let x = 0; x < IMAGE_SIZE; x++) {
      let sum = 0;
      let area = 0;
      const y0 = y * scale;
      const x0 = x * scale;
      for (let sy = Math.floor(y0); sy < Math.ceil(y0 + scale); sy++) {
        const wy = Math.min(sy + 1, y0 + scale) - Math.max(sy, y0);
        for (let sx = Math.floor(x0); sx < Math.ceil(x0 + scale); sx++) {
          const wx = Math.min(sx + 1, x0 + scale) - Math.max(sx, x0);
          sum += wy * wx * image[sy * OMNIGLOT_SIZE + sx];
          area += wy * wx;
        }
      }
      out[y * IMAGE_SIZE + x] = sum / area;
    }
  }
  return out;
}

async function loadOmniglot(dataDir?: string): Promise<GanData> {
  const characters = [...(await loadOmniglotBackground('small1', dataDir, { strokes: false })), ...(await loadOmniglotBackground('small2', dataDir, { strokes: false }))];
  const train: Float32Array[] = [];
  const heldOut: Float32Array[] = [];
  const trainLabels: number[] = [];
  const heldOutLabels: number[] = [];
  for (const [label, character] of characters.entries()) {
    for (const [d, drawing] of character.drawings.entries()) {
      const image = shrinkOmniglot(await decodeOmniglotPng(drawing.png));
      const heldOutDrawer = d >= character.drawings.length - OMNIGLOT_HELD_OUT_DRAWERS;
      (heldOutDrawer ? heldOut : train).push(image);
      (heldOutDrawer ? heldOutLabels : trainLabels).push(label);
    }
  }
  const set = (images: Float32Array[], labels: number[]): ImageSet => {
    const pixels = new Float32Array(images.length * IMAGE_PIXELS);
    images.forEach((image, i) => pixels.set(image, i * IMAGE_PIXELS));
    return { count: images.length, pixels, labels: Int32Array.from(labels) };
  };
  return {
    dataset: 'omniglot',
    train: set(train, trainLabels),
    heldOut: set(heldOut, heldOutLabels),
    classes: characters.length,
    description: `Omniglot's two small background splits (${characters.length} characters), each drawing shrunk from 105×105 to 28×28 by area averaging, ink bright; the last ${OMNIGLOT_HELD_OUT_DRAWERS} drawers of every character held out`,
  };
}

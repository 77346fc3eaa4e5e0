/**
 * Grey-level 28×28 images (values in [0, 1], ink bright) with a training and a held-out part, for
 * the models that learn from grey levels (the GANs and the VAE, the autoencoders, semantic hashing,
 * and the IWAE's Omniglot check):
 *
 * - `mnist`: MNIST's 10,000 test images (the only MNIST images in the shared data), split as the
 *   Boltzmann machines split them (mnist-split.ts: 8,000 training and 2,000 held-out images, the
 *   same seed), kept as grey levels;
 * - `omniglot`: the two small Omniglot background splits, each 105×105 drawing shrunk to 28×28 by
 *   area averaging and inverted so ink is bright as in MNIST; the drawings of drawers 1–16 of every
 *   character train, drawers 17–20 are held out. Labels are the characters.
 *
 * Typed arrays only: a model turns them into tensors itself.
 */
import { decodeOmniglotPng, loadOmniglotBackground, OMNIGLOT_SIZE } from './omniglot';
import { loadMnistTest } from './mnist';
import { MNIST_SPLIT, mnistSplitOrder } from './mnist-split';

export const GREY_IMAGE_SIZE = 28;
export const GREY_IMAGE_PIXELS = GREY_IMAGE_SIZE * GREY_IMAGE_SIZE;

export const GREY_DATASETS = ['mnist', 'omniglot'] as const;
export type GreyDataset = (typeof GREY_DATASETS)[number];

export interface ImageSet {
  count: number;
  /** `count × 784` grey levels in [0, 1]. */
  pixels: Float32Array;
  /** A class per image (digit, or character index). */
  labels: Int32Array;
}

export interface GreyImages {
  dataset: GreyDataset;
  train: ImageSet;
  heldOut: ImageSet;
  classes: number;
  description: string;
}

const OMNIGLOT_HELD_OUT_DRAWERS = 4;

export async function loadGreyImages(dataset: GreyDataset, dataDir?: string): Promise<GreyImages> {
  return dataset === 'mnist' ? loadMnist(dataDir) : loadOmniglot(dataDir);
}

async function loadMnist(dataDir?: string): Promise<GreyImages> {
  const mnist = await loadMnistTest(dataDir);
  const order = mnistSplitOrder(mnist.count);
  const set = (indices: number[]): ImageSet => {
    const pixels = new Float32Array(indices.length * GREY_IMAGE_PIXELS);
    indices.forEach((source, r) => {
      for (let j = 0; j < GREY_IMAGE_PIXELS; j++) pixels[r * GREY_IMAGE_PIXELS + j] = mnist.images[source * GREY_IMAGE_PIXELS + j] / 255;
    });
    return { count: indices.length, pixels, labels: Int32Array.from(indices, (i) => mnist.labels[i]) };
  };
  return {
    dataset: 'mnist',
    train: set(order.slice(0, MNIST_SPLIT.train)),
    heldOut: set(order.slice(MNIST_SPLIT.train, MNIST_SPLIT.train + MNIST_SPLIT.heldOut)),
    classes: 10,
    description: `MNIST's 10,000 test images as grey levels, split with seed ${MNIST_SPLIT.seed} into ${MNIST_SPLIT.train} training and ${MNIST_SPLIT.heldOut} held-out images (as the Boltzmann machines split them)`,
  };
}

/** A 105×105 Omniglot image (1 = ink) shrunk to 28×28 by averaging the area each pixel covers. */
export function shrinkOmniglot(image: Float32Array): Float32Array {
  const out = new Float32Array(GREY_IMAGE_PIXELS);
  const scale = OMNIGLOT_SIZE / GREY_IMAGE_SIZE;
  for (let y = 0; y < GREY_IMAGE_SIZE; y++) {
    for (let x = 0; x < GREY_IMAGE_SIZE; x++) {
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
      out[y * GREY_IMAGE_SIZE + x] = sum / area;
    }
  }
  return out;
}

async function loadOmniglot(dataDir?: string): Promise<GreyImages> {
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
    const pixels = new Float32Array(images.length * GREY_IMAGE_PIXELS);
    images.forEach((image, i) => pixels.set(image, i * GREY_IMAGE_PIXELS));
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

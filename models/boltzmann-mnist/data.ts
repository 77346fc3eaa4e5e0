/**
 * Binarized MNIST for checking the Boltzmann blocks against the papers' MNIST figures.
 *
 * Only MNIST's 10,000 test images exist in the shared data (lib/datasets/mnist.ts), so they are
 * split with a fixed seed into 8,000 training and 2,000 held-out images. Each grey level is turned
 * into a binary pixel once, stochastically (pixel on with probability grey / 255, fixed seed), as
 * Salakhutdinov & Murray (2008) binarized MNIST; every run sees the same binary images.
 */
import * as tf from '@tensorflow/tfjs';
import { loadMnistTest } from '@/lib/datasets';
import { mulberry32, seededShuffle } from '@/lib/random';

export const PIXELS = 784;
export const SPLIT = { train: 8000, heldOut: 2000, seed: 20080701 } as const;
export const BINARIZATION = { kind: 'stochastic', seed: 20080702, rule: 'pixel = 1 with probability grey/255, drawn once' } as const;

export const DATA_DESCRIPTION =
  `MNIST test set (10,000 images; MNIST's training images are not in the shared data), split with seed ${SPLIT.seed} ` +
  `into ${SPLIT.train} training and ${SPLIT.heldOut} held-out images; binarized stochastically once (seed ${BINARIZATION.seed}).`;

export interface BinaryMnist {
  /** [8000 × 784], 0/1. */
  train: Float32Array;
  /** [2000 × 784], 0/1. */
  heldOut: Float32Array;
  trainLabels: Uint8Array;
  heldOutLabels: Uint8Array;
  /** Which MNIST test image each row came from. */
  trainIndices: number[];
  heldOutIndices: number[];
}

/** The fixed split and binarization of MNIST's test images. */
export async function loadBinaryMnist(dataDir?: string): Promise<BinaryMnist> {
  const mnist = await loadMnistTest(dataDir);
  if (mnist.rows * mnist.cols !== PIXELS) throw new Error(`MNIST images are ${mnist.rows}×${mnist.cols}, expected 28×28`);
  if (mnist.count < SPLIT.train + SPLIT.heldOut) throw new Error(`MNIST test set has ${mnist.count} images, expected ${SPLIT.train + SPLIT.heldOut}`);

  // Binarize all 10,000 images in file order, so a pixel's value does not depend on the split.
  const random = mulberry32(BINARIZATION.seed);
  const binary = new Float32Array(mnist.count * PIXELS);
  for (let i = 0; i < binary.length; i++) binary[i] = random() < mnist.images[i] / 255 ? 1 : 0;

  const order = seededShuffle(Array.from({ length: mnist.count }, (_, i) => i), SPLIT.seed);
  const trainIndices = order.slice(0, SPLIT.train);
  const heldOutIndices = order.slice(SPLIT.train, SPLIT.train + SPLIT.heldOut);
  const rowsOf = (indices: number[]) => {
    const out = new Float32Array(indices.length * PIXELS);
    indices.forEach((source, r) => out.set(binary.subarray(source * PIXELS, (source + 1) * PIXELS), r * PIXELS));
    return out;
  };
  return {
    train: rowsOf(trainIndices),
    heldOut: rowsOf(heldOutIndices),
    trainLabels: Uint8Array.from(trainIndices, (i) => mnist.labels[i]),
    heldOutLabels: Uint8Array.from(heldOutIndices, (i) => mnist.labels[i]),
    trainIndices,
    heldOutIndices,
  };
}

/** Rows of binary pixels as a [rows × 784] tensor. */
export const asTensor = (pixels: Float32Array): tf.Tensor2D => tf.tensor2d(pixels, [pixels.length / PIXELS, PIXELS]);

/**
 * log-odds of the training pixel means: the biases of the base-rate model AIS starts from. The
 * means are smoothed as in Salakhutdinov's AIS code (5 pseudo-counts "on" per 100 images), which
 * keeps never-inked border pixels at a finite bias.
 */
export function pixelLogOdds(train: Float32Array): Float32Array {
  const rows = train.length / PIXELS;
  const pseudo = 0.05 * rows;
  const out = new Float32Array(PIXELS);
  for (let j = 0; j < PIXELS; j++) {
    let on = 0;
    for (let r = 0; r < rows; r++) on += train[r * PIXELS + j];
    const p = (on + pseudo) / (rows + pseudo);
    out[j] = Math.log(p / (1 - p));
  }
  return out;
}

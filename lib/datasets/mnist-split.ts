/**
 * The fixed split of MNIST that every MNIST model here learns from and is measured on.
 *
 * Only MNIST's 10,000 test images exist in the shared data (mnist.ts), so they are split with a
 * fixed seed into 8,000 training and 2,000 held-out images. The Boltzmann machines, the deep belief
 * net and the IWAE see them binarized: each grey level turned into a binary pixel once,
 * stochastically (pixel on with probability grey / 255, fixed seed), as Salakhutdinov & Murray
 * (2008) binarized MNIST, so every run sees the same binary images. The models that read grey
 * levels take the same split from grey-images.ts.
 *
 * Typed arrays only: a model turns them into tensors itself.
 */
import { mulberry32, seededShuffle } from '@/lib/random';
import { loadMnistTest } from './mnist';

/** 28 × 28. */
export const MNIST_PIXELS = 784;
export const MNIST_SPLIT = { train: 8000, heldOut: 2000, seed: 20080701 } as const;
export const MNIST_BINARIZATION = { kind: 'stochastic', seed: 20080702, rule: 'pixel = 1 with probability grey/255, drawn once' } as const;

export const BINARY_MNIST_DESCRIPTION =
  `MNIST test set (10,000 images; MNIST's training images are not in the shared data), split with seed ${MNIST_SPLIT.seed} ` +
  `into ${MNIST_SPLIT.train} training and ${MNIST_SPLIT.heldOut} held-out images; binarized stochastically once (seed ${MNIST_BINARIZATION.seed}).`;

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

/** The order of MNIST's test images that the split takes its first 8,000 and next 2,000 from. */
export const mnistSplitOrder = (count: number): number[] => seededShuffle(Array.from({ length: count }, (_, i) => i), MNIST_SPLIT.seed);

/** The fixed split and binarization of MNIST's test images. */
export async function loadBinaryMnist(dataDir?: string): Promise<BinaryMnist> {
  const mnist = await loadMnistTest(dataDir);
  if (mnist.rows * mnist.cols !== MNIST_PIXELS) throw new Error(`MNIST images are ${mnist.rows}×${mnist.cols}, expected 28×28`);
  if (mnist.count < MNIST_SPLIT.train + MNIST_SPLIT.heldOut) throw new Error(`MNIST test set has ${mnist.count} images, expected ${MNIST_SPLIT.train + MNIST_SPLIT.heldOut}`);

  // Binarize all 10,000 images in file order, so a pixel's value does not depend on the split.
  const random = mulberry32(MNIST_BINARIZATION.seed);
  const binary = new Float32Array(mnist.count * MNIST_PIXELS);
  for (let i = 0; i < binary.length; i++) binary[i] = random() < mnist.images[i] / 255 ? 1 : 0;

  const order = mnistSplitOrder(mnist.count);
  const trainIndices = order.slice(0, MNIST_SPLIT.train);
  const heldOutIndices = order.slice(MNIST_SPLIT.train, MNIST_SPLIT.train + MNIST_SPLIT.heldOut);
  const rowsOf = (indices: number[]) => {
    const out = new Float32Array(indices.length * MNIST_PIXELS);
    indices.forEach((source, r) => out.set(binary.subarray(source * MNIST_PIXELS, (source + 1) * MNIST_PIXELS), r * MNIST_PIXELS));
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

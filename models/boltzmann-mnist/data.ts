/**
 * Binarized MNIST for checking the Boltzmann blocks against the papers' MNIST figures: the fixed
 * split and binarization of lib/datasets/mnist-split.ts (8,000 training and 2,000 held-out images
 * of MNIST's test set, binarized once, stochastically, as Salakhutdinov & Murray 2008 binarized
 * MNIST), under this model's names, and as tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { MNIST_PIXELS } from '@/lib/datasets';

export {
  BINARY_MNIST_DESCRIPTION as DATA_DESCRIPTION,
  loadBinaryMnist,
  MNIST_BINARIZATION as BINARIZATION,
  MNIST_PIXELS as PIXELS,
  MNIST_SPLIT as SPLIT,
  type BinaryMnist,
} from '@/lib/datasets';

/** Rows of binary pixels as a [rows × 784] tensor. */
export const asTensor = (pixels: Float32Array): tf.Tensor2D => tf.tensor2d(pixels, [pixels.length / MNIST_PIXELS, MNIST_PIXELS]);

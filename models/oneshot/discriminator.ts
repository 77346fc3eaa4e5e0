/**
 * The visual Turing test's proxy: a small ConvNet trained from scratch to tell people's drawings
 * from the model's variants. Its accuracy on drawings of characters it was not trained on says how
 * distinguishable the variants are (50% = not at all).
 */
import * as tf from '@tensorflow/tfjs';
import { seededShuffle } from '@/lib/random';

/** The discriminator sees drawings at a third of Omniglot's resolution (105 → 35). */
export const DISCRIMINATOR_SIZE = 35;

/** Box-filter downsampling of a square image by a whole factor. */
export function downsample(image: Float32Array, size: number, to: number): Float32Array {
  const factor = size / to;
  if (!Number.isInteger(factor)) throw new Error(`${size} is not a multiple of ${to}`);
  const out = new Float32Array(to * to);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) out[Math.floor(r / factor) * to + Math.floor(c / factor)] += image[r * size + c] / (factor * factor);
  return out;
}

function network(seed: number): tf.Sequential {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [DISCRIMINATOR_SIZE, DISCRIMINATOR_SIZE, 1], filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(4) }),
    ],
  });
}

export interface Labelled {
  /** DISCRIMINATOR_SIZE² pixels, ink 1. */
  image: Float32Array;
  /** 1 for a person's drawing, 0 for a generated one. */
  human: 0 | 1;
}

/**
 * Trains a fresh discriminator on `train` and returns its accuracy on `test` (both should be
 * balanced between people's drawings and generated ones).
 */
export async function discriminatorAccuracy(train: Labelled[], test: Labelled[], options: { epochs?: number; seed?: number; onEpoch?: (epoch: number, loss: number) => void } = {}): Promise<number> {
  const seed = options.seed ?? 1;
  const net = network(seed);
  net.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const pixels = DISCRIMINATOR_SIZE * DISCRIMINATOR_SIZE;
  const tensors = (items: Labelled[]) => {
    const x = new Float32Array(items.length * pixels);
    items.forEach((item, i) => x.set(item.image, i * pixels));
    return { x: tf.tensor4d(x, [items.length, DISCRIMINATOR_SIZE, DISCRIMINATOR_SIZE, 1]), y: tf.tensor2d(items.map((i) => i.human), [items.length, 1]) };
  };
  const shuffled = seededShuffle(train, seed);
  const trainSet = tensors(shuffled);
  const epochs = options.epochs ?? 15;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const history = await net.fit(trainSet.x, trainSet.y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    options.onEpoch?.(epoch + 1, history.history.loss[0] as number);
  }
  const testSet = tensors(test);
  const predictions = tf.tidy(() => (net.predict(testSet.x) as tf.Tensor).greater(0.5).dataSync());
  const correct = test.reduce((s, item, i) => s + Number(predictions[i] === item.human), 0);
  tf.dispose([trainSet.x, trainSet.y, testSet.x, testSet.y]);
  net.dispose();
  return correct / test.length;
}

/** How many fresh discriminators a measurement averages over. */
export const DISCRIMINATORS = 5;

/**
 * The accuracy of `count` fresh discriminators on the same drawings, trained from seeds
 * seed, seed + 1, … (initial weights and batch order), and their mean. One discriminator's
 * accuracy swings by several points with its seed alone (55.8% to 59.8% on the same drawings in
 * `npm run eval:oneshot`), so a single one cannot tell 60% from 65%.
 */
export async function meanDiscriminatorAccuracy(train: Labelled[], test: Labelled[], options: { seed?: number; count?: number } = {}): Promise<{ mean: number; accuracies: number[] }> {
  const seed = options.seed ?? 1;
  const accuracies: number[] = [];
  for (let i = 0; i < (options.count ?? DISCRIMINATORS); i++) accuracies.push(await discriminatorAccuracy(train, test, { seed: seed + i }));
  return { mean: accuracies.reduce((a, b) => a + b, 0) / accuracies.length, accuracies };
}

/**
 * The judge's eyes: a small ConvNet that reads one digit cut out of a canvas (judge.ts). It is
 * trained on the training digit images only, never on anything the generator drew, and never on
 * the test digits it is scored on. Generated digits are blurrier and fainter than MNIST's, so
 * training sees each digit blurred by a random amount and with a random ink level, and always
 * through the same cut-out as generated digits go through.
 *
 *   npx tsx models/align-draw/scripts/train-classifier.ts [--epochs 6] [--seed 1]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ProgressBar } from '@/lib/cli/progress';
import { mulberry32, seededShuffle } from '@/lib/random';
import { loadTensors, saveTensors } from '@/models/blocks';
import { DIGIT_SIZE, loadMnistDigitSplits, type DigitImages } from './data';
import { findDigits } from './judge';

export const CLASSIFIER_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'checkpoint', 'digit-classifier');
const PIXELS = DIGIT_SIZE * DIGIT_SIZE;

function architecture(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [DIGIT_SIZE, DIGIT_SIZE, 1], filters: 16, kernelSize: 5, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 5, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.3 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

export class DigitClassifier {
  constructor(readonly net: tf.Sequential) {}

  /** Class probabilities for each 28×28 cut-out (`n × 784` values in [0, 1]); `n × 10`. */
  probabilities(digits: Float32Array, n: number): Float32Array {
    if (n === 0) return new Float32Array(0);
    return tf.tidy(() => (this.net.predict(tf.tensor4d(digits, [n, DIGIT_SIZE, DIGIT_SIZE, 1])) as tf.Tensor).dataSync() as Float32Array);
  }

  /** The most likely digit of each cut-out. */
  classify(digits: Float32Array, n: number): number[] {
    const p = this.probabilities(digits, n);
    return Array.from({ length: n }, (_, i) => argmax(p.subarray(i * 10, i * 10 + 10)));
  }

  dispose(): void {
    this.net.dispose();
  }
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export async function loadDigitClassifier(dir: string = CLASSIFIER_DIR): Promise<DigitClassifier> {
  const net = architecture();
  const tensors = await loadTensors(dir);
  // Stored by position: tf.layers names weights with a process-wide counter.
  net.setWeights(net.weights.map((w, i) => {
    const t = tensors[`weight${i}`];
    if (!t || t.shape.join() !== w.shape.join()) throw new Error(`digit classifier checkpoint ${dir} does not fit the network (weight ${i})`);
    return t;
  }));
  Object.values(tensors).forEach((t) => t.dispose());
  return new DigitClassifier(net);
}

/** A separable Gaussian blur of a square image (σ in pixels). */
export function blur(image: Float32Array, size: number, sigma: number): Float32Array {
  if (sigma < 0.3) return image;
  const radius = Math.ceil(2.5 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const pass = (src: Float32Array, dx: number, dy: number) => {
    const out = new Float32Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v = 0;
        for (let k = -radius; k <= radius; k++) {
          const sx = x + k * dx, sy = y + k * dy;
          if (sx >= 0 && sx < size && sy >= 0 && sy < size) v += kernel[k + radius] * src[sy * size + sx];
        }
        out[y * size + x] = v / total;
      }
    }
    return out;
  };
  return pass(pass(image, 1, 0), 0, 1);
}

/**
 * One digit image as the judge would see it drawn: optionally blurred and dimmed, on a frame with
 * room around it, then cut out by `findDigits`.
 */
export function asJudged(digits: DigitImages, i: number, sigma = 0, ink = 1): Float32Array {
  const frame = 36;
  const pad = (frame - DIGIT_SIZE) / 2;
  const image = new Float32Array(frame * frame);
  for (let y = 0; y < DIGIT_SIZE; y++) {
    for (let x = 0; x < DIGIT_SIZE; x++) image[(y + pad) * frame + x + pad] = (ink * digits.pixels[i * PIXELS + y * DIGIT_SIZE + x]) / 255;
  }
  const found = findDigits(blur(image, frame, sigma), frame, 1);
  return found ? found[0].digit : new Float32Array(PIXELS);
}

function judgedSet(digits: DigitImages, indices: number[], rand: () => number, augment: boolean): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(indices.length * PIXELS);
  indices.forEach((i, row) => x.set(asJudged(digits, i, augment ? rand() * 1.6 : 0, augment ? 0.4 + 0.6 * rand() : 1), row * PIXELS));
  return { x, y: Int32Array.from(indices, (i) => digits.labels[i]) };
}

export async function trainDigitClassifier(options: { epochs: number; seed: number; out: string }): Promise<{ testAccuracy: number; testAccuracyBlurred: number; seconds: number }> {
  const started = Date.now();
  const splits = await loadMnistDigitSplits();
  const rand = mulberry32(options.seed);
  const net = architecture();
  net.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const bar = new ProgressBar('digit classifier'.padEnd(18), options.epochs);
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    // Fresh blur and ink levels every epoch.
    const order = seededShuffle(Array.from({ length: splits.train.count }, (_, i) => i), options.seed + epoch);
    const { x, y } = judgedSet(splits.train, order, rand, true);
    const xs = tf.tensor4d(x, [order.length, DIGIT_SIZE, DIGIT_SIZE, 1]);
    const ys = tf.tensor1d(y, 'float32');
    const history = await net.fit(xs, ys, { batchSize: 64, epochs: 1, shuffle: false, verbose: 0 });
    tf.dispose([xs, ys]);
    bar.update(epoch, `loss ${(history.history.loss[0] as number).toFixed(4)}`);
  }
  const classifier = new DigitClassifier(net);
  const accuracy = (sigma: number) => {
    const indices = Array.from({ length: splits.test.count }, (_, i) => i);
    const x = new Float32Array(indices.length * PIXELS);
    indices.forEach((i) => x.set(asJudged(splits.test, i, sigma, sigma > 0 ? 0.6 : 1), i * PIXELS));
    const predicted = classifier.classify(x, indices.length);
    return predicted.filter((d, i) => d === splits.test.labels[i]).length / indices.length;
  };
  const testAccuracy = accuracy(0);
  const testAccuracyBlurred = accuracy(1.2);
  const named = Object.fromEntries(net.weights.map((w, i) => [`weight${i}`, w.read()]));
  await fs.mkdir(options.out, { recursive: true });
  await saveTensors(options.out, named, 'float16');
  const seconds = Math.round((Date.now() - started) / 1000);
  await fs.writeFile(
    path.join(options.out, 'meta.json'),
    `${JSON.stringify(
      {
        model: 'digit classifier for judging generated captioned-MNIST canvases',
        data: 'the 9,000 training digit images of the captioned-MNIST split (DIGIT_SPLIT in data.ts), each blurred (σ uniform in [0, 1.6] px) and dimmed (ink × [0.4, 1]) afresh every epoch, cut out as judge.ts cuts generated digits',
        command: `npx tsx models/align-draw/scripts/train-classifier.ts ${process.argv.slice(2).join(' ')}`.trim(),
        seed: options.seed,
        epochs: options.epochs,
        metrics: { testAccuracy, testAccuracyBlurred, testImages: splits.test.count, blurredAs: 'σ 1.2 px, ink × 0.6' },
        trainingSeconds: seconds,
      },
      null,
      2,
    )}\n`,
  );
  return { testAccuracy, testAccuracyBlurred, seconds };
}

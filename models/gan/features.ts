/**
 * The eyes of the GAN evaluation: a small ConvNet classifier trained on a dataset's training images
 * (digits, or Omniglot's characters), whose 128-unit penultimate layer gives the features the
 * Fréchet distance compares (the "MNIST-FID": Inception's features mean nothing for 28×28
 * strokes), and whose predictions count which classes the samples fall in (mode coverage). Trained
 * on plain images — no blur augmentation — so that blur shows in the features.
 *
 *   conv 5×5, 32, ReLU → max-pool 2 → conv 5×5, 64, ReLU → max-pool 2 → dense 128, ReLU → softmax
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ProgressBar } from '@/lib/cli/progress';
import { seededShuffle } from '@/lib/random';
import { loadTensors, saveTensors } from '@/models/blocks';
import type { GanData, ImageSet } from './data';
import { IMAGE_PIXELS, IMAGE_SIZE } from './model';

export const FEATURES = 128;
export const FEATURES_DIR = 'features';

function architecture(classes: number): { net: tf.LayersModel; features: tf.LayersModel } {
  const input = tf.input({ shape: [IMAGE_SIZE, IMAGE_SIZE, 1] });
  let h = tf.layers.conv2d({ filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  const features = tf.layers.dense({ units: FEATURES, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  const dropped = tf.layers.dropout({ rate: 0.3 }).apply(features) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: classes, activation: 'softmax' }).apply(dropped) as tf.SymbolicTensor;
  return { net: tf.model({ inputs: input, outputs: output }), features: tf.model({ inputs: input, outputs: features }) };
}

export class FeatureNet {
  private constructor(
    private readonly net: tf.LayersModel,
    private readonly featureModel: tf.LayersModel,
    readonly classes: number,
  ) {}

  static create(classes: number): FeatureNet {
    const { net, features } = architecture(classes);
    return new FeatureNet(net, features, classes);
  }

  static async load(dir: string): Promise<FeatureNet> {
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as { classes: number };
    const made = FeatureNet.create(meta.classes);
    const tensors = await loadTensors(dir);
    // Stored by position: tf.layers names weights with a process-wide counter.
    made.net.setWeights(
      made.net.weights.map((w, i) => {
        const t = tensors[`weight${i}`];
        if (!t || t.shape.join() !== w.shape.join()) throw new Error(`feature classifier ${dir} does not fit the network (weight ${i})`);
        return t;
      }),
    );
    Object.values(tensors).forEach((t) => t.dispose());
    return made;
  }

  /** Runs `model` over `n` images (`n × 784` in [0, 1]) in batches: `n × width`. */
  private run(model: tf.LayersModel, images: Float32Array, width: number): Float32Array {
    const n = images.length / IMAGE_PIXELS;
    const out = new Float32Array(n * width);
    for (let start = 0; start < n; start += 500) {
      const count = Math.min(500, n - start);
      const values = tf.tidy(() => (model.predict(tf.tensor4d(images.subarray(start * IMAGE_PIXELS, (start + count) * IMAGE_PIXELS), [count, IMAGE_SIZE, IMAGE_SIZE, 1])) as tf.Tensor).dataSync());
      out.set(values, start * width);
    }
    return out;
  }

  /** The 128 penultimate activations of each image. */
  features(images: Float32Array): Float32Array {
    return this.run(this.featureModel, images, FEATURES);
  }

  /** The most probable class of each image. */
  classify(images: Float32Array): Int32Array {
    const p = this.run(this.net, images, this.classes);
    const n = p.length / this.classes;
    return Int32Array.from({ length: n }, (_, i) => {
      let best = 0;
      for (let c = 1; c < this.classes; c++) if (p[i * this.classes + c] > p[i * this.classes + best]) best = c;
      return best;
    });
  }

  accuracy(set: ImageSet): number {
    const predicted = this.classify(set.pixels);
    return predicted.filter((c, i) => c === set.labels[i]).length / set.count;
  }

  async train(data: GanData, options: { epochs: number; seed: number }): Promise<void> {
    this.net.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
    const bar = new ProgressBar('feature classifier'.padEnd(20), options.epochs);
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = seededShuffle(Array.from({ length: data.train.count }, (_, i) => i), options.seed + epoch);
      const x = new Float32Array(order.length * IMAGE_PIXELS);
      order.forEach((i, row) => x.set(data.train.pixels.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS), row * IMAGE_PIXELS));
      const xs = tf.tensor4d(x, [order.length, IMAGE_SIZE, IMAGE_SIZE, 1]);
      const ys = tf.tensor1d(Int32Array.from(order, (i) => data.train.labels[i]), 'float32');
      const history = await this.net.fit(xs, ys, { batchSize: 64, epochs: 1, shuffle: false, verbose: 0 });
      tf.dispose([xs, ys]);
      bar.update(epoch, `loss ${(history.history.loss[0] as number).toFixed(4)}`);
    }
  }

  async save(dir: string, meta: Record<string, unknown>): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    await saveTensors(dir, Object.fromEntries(this.net.weights.map((w, i) => [`weight${i}`, w.read()])), 'float16');
    await fs.writeFile(path.join(dir, 'meta.json'), `${JSON.stringify({ ...meta, classes: this.classes }, null, 2)}\n`);
  }

  dispose(): void {
    this.net.dispose();
  }
}

/**
 * The deep autoencoder of Hinton & Salakhutdinov (Science 2006): logistic layers 784 → 500 → 250 →
 * code, a mirror-image decoder with a logistic output, trained by Adam on the cross-entropy of the
 * pixels. Its code is linear (dimensionality reduction, models/autoencoder) or, for semantic
 * hashing (Salakhutdinov & Hinton 2009, models/semantic-hashing), logistic with noise added to its
 * input during training so that the units saturate and can be read as bits: b = [σ(logit) > ½].
 * Both models build on this network and its training loop.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from './random';

export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

// ─── Deep autoencoder ─────────────────────────────────────────────────────────────────────────

export interface DeepAutoencoderConfig {
  /** Encoder sizes from the pixels to the code, e.g. [784, 500, 250, 30]; the decoder mirrors them. */
  layers: number[];
  /** `linear`: real-valued code; `binary`: logistic code units, noisy in training, thresholded at ½. */
  code: 'linear' | 'binary';
  learningRate: number;
}

export const DEFAULT_DEEP_CONFIG: DeepAutoencoderConfig = { layers: [784, 500, 250, 30], code: 'linear', learningRate: 1e-3 };

/** Weight names: `enc/<i>/W`, `enc/<i>/b` for the encoder's layers, `dec/<i>/W`, `dec/<i>/b` for the decoder's. */
export function deepWeightShapes(config: DeepAutoencoderConfig): Record<string, number[]> {
  const sizes = config.layers;
  const shapes: Record<string, number[]> = {};
  for (let i = 0; i + 1 < sizes.length; i++) {
    shapes[`enc/${i}/W`] = [sizes[i], sizes[i + 1]];
    shapes[`enc/${i}/b`] = [sizes[i + 1]];
  }
  const back = [...sizes].reverse();
  for (let i = 0; i + 1 < back.length; i++) {
    shapes[`dec/${i}/W`] = [back[i], back[i + 1]];
    shapes[`dec/${i}/b`] = [back[i + 1]];
  }
  return shapes;
}

export class DeepAutoencoder {
  readonly config: DeepAutoencoderConfig;
  private readonly weights: Record<string, tf.Variable>;
  private readonly optimizer: tf.AdamOptimizer;

  constructor(config: Partial<DeepAutoencoderConfig> = {}, seed = 1, given?: Record<string, tf.Tensor>) {
    this.config = { ...DEFAULT_DEEP_CONFIG, ...config };
    const rng = new Rng(seed);
    this.weights = {};
    for (const [name, shape] of Object.entries(deepWeightShapes(this.config))) {
      // Glorot-uniform weights, zero biases (no RBM pretraining).
      const limit = shape.length === 2 ? Math.sqrt(6 / (shape[0] + shape[1])) : 0;
      const value = given?.[name] ?? (shape.length === 2 ? tf.randomUniform(shape, -limit, limit, 'float32', rng.seed()) : tf.zeros(shape));
      if (value.shape.join() !== shape.join()) throw new Error(`weight ${name} has shape [${value.shape}], the config needs [${shape}]`);
      this.weights[name] = tf.variable(value);
      if (!given?.[name]) value.dispose();
    }
    this.optimizer = tf.train.adam(this.config.learningRate);
  }

  get parameterCount(): number {
    return Object.values(this.weights).reduce((s, w) => s + w.size, 0);
  }

  get codeSize(): number {
    return this.config.layers[this.config.layers.length - 1];
  }

  private layer(prefix: 'enc' | 'dec', i: number, x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.weights[`${prefix}/${i}/W`] as tf.Tensor2D), this.weights[`${prefix}/${i}/b`]);
  }

  /** The code layer's total input (its logits for a binary code): h_{l+1} = σ(h_l W_l + b_l), last layer linear. */
  codeInput(x: tf.Tensor2D): tf.Tensor2D {
    const layers = this.config.layers.length - 1;
    let h = x;
    for (let i = 0; i < layers; i++) {
      const a = this.layer('enc', i, h);
      h = i === layers - 1 ? a : tf.sigmoid(a);
    }
    return h;
  }

  /** The decoder's output logits for a code (the image is σ of them). */
  decodeLogits(code: tf.Tensor2D): tf.Tensor2D {
    const layers = this.config.layers.length - 1;
    let h = code;
    for (let i = 0; i < layers; i++) {
      const a = this.layer('dec', i, h);
      h = i === layers - 1 ? a : tf.sigmoid(a);
    }
    return h;
  }

  /** The test-time code: the linear code, or the bits [σ(logit) > ½] = [logit > 0]. */
  code(x: tf.Tensor2D): tf.Tensor2D {
    const input = this.codeInput(x);
    return this.config.code === 'linear' ? input : (tf.cast(tf.greater(input, 0), 'float32') as tf.Tensor2D);
  }

  /**
   * One Adam step on `images` (n × 784 grey levels in [0, 1], the targets' Bernoulli means) of the
   * cross-entropy −Σ [x log x̂ + (1 − x) log(1 − x̂)] = Σ softplus(l) − x·l (per image, mean over the
   * batch). A binary code is σ(logit + ε), ε ~ N(0, noise²): to get through the noise the code
   * units must be pushed far from ½, which makes them near-binary.
   */
  trainStep(images: Float32Array, noise = 0, seed = 0): { crossEntropy: number; squaredError: number } {
    const n = images.length / PIXELS;
    return tf.tidy(() => {
      const x = tf.tensor2d(images, [n, PIXELS]);
      let squaredError = 0;
      const loss = this.optimizer.minimize(() => {
        const input = this.codeInput(x);
        const code = this.config.code === 'linear' ? input : tf.sigmoid(noise > 0 ? tf.add(input, tf.randomNormal(input.shape, 0, noise, 'float32', seed)) : input);
        const logits = this.decodeLogits(code as tf.Tensor2D);
        squaredError = tf.mean(tf.sum(tf.square(tf.sub(tf.sigmoid(logits), x)), 1)).dataSync()[0];
        return tf.mean(tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)), 1)) as tf.Scalar;
      }, true, Object.values(this.weights));
      return { crossEntropy: loss!.dataSync()[0], squaredError };
    });
  }

  /** Test-time reconstructions σ(decoder(code(x))), n × 784. */
  reconstruct(images: Float32Array, batch = 500): Float32Array {
    const n = images.length / PIXELS;
    const out = new Float32Array(images.length);
    for (let start = 0; start < n; start += batch) {
      const rows = Math.min(batch, n - start);
      const part = tf.tidy(() => tf.sigmoid(this.decodeLogits(this.code(tf.tensor2d(images.subarray(start * PIXELS, (start + rows) * PIXELS), [rows, PIXELS])))).dataSync() as Float32Array);
      out.set(part, start * PIXELS);
    }
    return out;
  }

  /** Test-time codes (n × code size): real numbers, or 0/1 bits. */
  codes(images: Float32Array, batch = 500): Float32Array {
    const n = images.length / PIXELS;
    const size = this.codeSize;
    const out = new Float32Array(n * size);
    for (let start = 0; start < n; start += batch) {
      const rows = Math.min(batch, n - start);
      const part = tf.tidy(() => this.code(tf.tensor2d(images.subarray(start * PIXELS, (start + rows) * PIXELS), [rows, PIXELS])).dataSync() as Float32Array);
      out.set(part, start * size);
    }
    return out;
  }

  /** The code units' probabilities σ(logit) (n × code size), to see how binary they became. */
  codeProbabilities(images: Float32Array): Float32Array {
    const n = images.length / PIXELS;
    return tf.tidy(() => tf.sigmoid(this.codeInput(tf.tensor2d(images, [n, PIXELS]))).dataSync() as Float32Array);
  }

  named(): Record<string, tf.Tensor> {
    return { ...this.weights };
  }

  dispose(): void {
    tf.dispose(Object.values(this.weights));
    this.optimizer.dispose();
  }
}

// ─── The training loop both deep autoencoders share ──────────────────────────────────────────

export interface EpochReport {
  epoch: number;
  /** Means over the epoch's minibatches. */
  crossEntropy: number;
  squaredError: number;
  noise: number;
  seconds: number;
}

/**
 * Minibatch Adam over `images` (n × 784) for `epochs` passes, a fresh seeded order each epoch;
 * `noise(epoch)` is the code-noise std for that epoch (binary codes). `onStep` sees every step (a
 * progress bar), `onEpoch` every epoch's means (checkpointing); both may be async.
 */
export async function trainDeepAutoencoder(options: {
  model: DeepAutoencoder;
  images: Float32Array;
  epochs: number;
  batchSize: number;
  seed: number;
  noise?: (epoch: number) => number;
  onStep?: (step: number, report: { crossEntropy: number; squaredError: number }) => void;
  onEpoch?: (report: EpochReport) => Promise<void> | void;
}): Promise<EpochReport[]> {
  const { model, images, epochs, batchSize, seed } = options;
  const n = images.length / PIXELS;
  const batches = Math.floor(n / batchSize);
  const batch = new Float32Array(batchSize * PIXELS);
  const rng = new Rng(seed);
  const reports: EpochReport[] = [];
  const started = Date.now();
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = rng.permutation(n);
    const noise = options.noise?.(epoch) ?? 0;
    let crossEntropy = 0;
    let squaredError = 0;
    for (let b = 0; b < batches; b++) {
      for (let i = 0; i < batchSize; i++) batch.set(images.subarray(order[b * batchSize + i] * PIXELS, (order[b * batchSize + i] + 1) * PIXELS), i * PIXELS);
      const result = model.trainStep(batch, noise, rng.seed());
      if (!Number.isFinite(result.crossEntropy)) throw new Error(`the loss became ${result.crossEntropy} at epoch ${epoch}, batch ${b}`);
      crossEntropy += result.crossEntropy;
      squaredError += result.squaredError;
      options.onStep?.(++step, result);
      // Lets Ctrl-C through between steps.
      if (step % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const report = { epoch, crossEntropy: crossEntropy / batches, squaredError: squaredError / batches, noise, seconds: (Date.now() - started) / 1000 };
    reports.push(report);
    await options.onEpoch?.(report);
  }
  return reports;
}

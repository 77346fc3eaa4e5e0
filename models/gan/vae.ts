/**
 * The GAN evaluation's comparison: a variational autoencoder (Kingma & Welling 2014) of the GAN's
 * size on the same images, to show what the tutorial says a GAN is for — a VAE's Gaussian
 * (here Bernoulli) pixel loss averages over what it is unsure of, so its samples are blurred.
 *
 *   decoder p(x | z): the generator's shape — z (64) → dense 7·7·64 → ReLU → 5×5 transposed
 *                     convolution, stride 2 → 14×14×32 → ReLU → 5×5 transposed convolution,
 *                     stride 2 → 28×28 Bernoulli logits (grey levels as the targets' means)
 *   encoder q(z | x): the discriminator's shape — 5×5 convolution, stride 2, 32 → leaky ReLU →
 *                     5×5 convolution, stride 2, 64 → leaky ReLU → dense → μ, log σ (64 each)
 *   prior p(z) = N(0, I); maximises the evidence lower bound E_q[log p(x | z)] − KL(q ‖ p) (Adam).
 *
 * A sample is the decoder's mean image σ(logits) for z ~ N(0, I), as VAE samples are usually shown.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { bernoulliLogLikelihood, loadTensors, Rng } from '@/models/blocks';
import { gaussianKl, reparameterise } from '@/models/blocks/gaussian';
import { IMAGE_PIXELS, IMAGE_SIZE } from './model';

export interface VaeConfig {
  latent: number;
  wide: number;
  narrow: number;
  learningRate: number;
}

/** Where a dataset's checkpoint folder keeps its VAE. */
export const VAE_DIR = 'vae';

export const DEFAULT_VAE_CONFIG: VaeConfig = { latent: 64, wide: 64, narrow: 32, learningRate: 1e-3 };
const KERNEL = 5;

export const VAE_WEIGHTS = [
  'enc/conv1/filter', 'enc/conv1/b', 'enc/conv2/filter', 'enc/conv2/b', 'enc/dense/W', 'enc/dense/b',
  'dec/dense/W', 'dec/dense/b', 'dec/deconv1/filter', 'dec/deconv1/b', 'dec/deconv2/filter', 'dec/deconv2/b',
] as const;
export type VaeWeightName = (typeof VAE_WEIGHTS)[number];

function shapes(c: VaeConfig): Record<VaeWeightName, number[]> {
  return {
    'enc/conv1/filter': [KERNEL, KERNEL, 1, c.narrow],
    'enc/conv1/b': [c.narrow],
    'enc/conv2/filter': [KERNEL, KERNEL, c.narrow, c.wide],
    'enc/conv2/b': [c.wide],
    'enc/dense/W': [7 * 7 * c.wide, 2 * c.latent],
    'enc/dense/b': [2 * c.latent],
    'dec/dense/W': [c.latent, 7 * 7 * c.wide],
    'dec/dense/b': [7 * 7 * c.wide],
    'dec/deconv1/filter': [KERNEL, KERNEL, c.narrow, c.wide],
    'dec/deconv1/b': [c.narrow],
    'dec/deconv2/filter': [KERNEL, KERNEL, 1, c.narrow],
    'dec/deconv2/b': [1],
  };
}

export class Vae {
  readonly config: VaeConfig;
  private readonly weights: Record<VaeWeightName, tf.Variable>;
  private readonly optimizer: tf.AdamOptimizer;

  constructor(config: Partial<VaeConfig> = {}, seed = 0, given?: Partial<Record<string, tf.Tensor>>) {
    this.config = { ...DEFAULT_VAE_CONFIG, ...config };
    const rng = new Rng(seed);
    const expected = shapes(this.config);
    const made = {} as Record<VaeWeightName, tf.Variable>;
    for (const name of VAE_WEIGHTS) {
      const shape = expected[name];
      const fanIn = shape.length === 4 ? shape[0] * shape[1] * (name.includes('deconv') ? shape[3] : shape[2]) : shape[0];
      const value = given?.[name] ?? (name.endsWith('/b') ? tf.zeros(shape) : tf.randomNormal(shape, 0, Math.sqrt(1 / fanIn), 'float32', rng.seed()));
      if (value.shape.join() !== shape.join()) throw new Error(`weight ${name} has shape [${value.shape}], the config needs [${shape}]`);
      made[name] = tf.variable(value);
      if (!given?.[name]) value.dispose();
    }
    this.weights = made;
    this.optimizer = tf.train.adam(this.config.learningRate);
  }

  get parameterCount(): number {
    return Object.values(this.weights).reduce((s, w) => s + w.size, 0);
  }

  private w(name: VaeWeightName): tf.Tensor {
    return this.weights[name];
  }

  /** q(z | x) for images [n × 28 × 28 × 1] in [0, 1]. */
  encode(x: tf.Tensor4D): { mean: tf.Tensor2D; logStd: tf.Tensor2D } {
    const n = x.shape[0];
    const h1 = tf.leakyRelu(tf.add(tf.conv2d(x, this.w('enc/conv1/filter') as tf.Tensor4D, 2, 'same'), this.w('enc/conv1/b')), 0.2) as tf.Tensor4D;
    const h2 = tf.leakyRelu(tf.add(tf.conv2d(h1, this.w('enc/conv2/filter') as tf.Tensor4D, 2, 'same'), this.w('enc/conv2/b')), 0.2);
    const out = tf.add(tf.matMul(tf.reshape(h2, [n, -1]) as tf.Tensor2D, this.w('enc/dense/W') as tf.Tensor2D), this.w('enc/dense/b'));
    const [mean, logStd] = tf.split(out, 2, 1) as tf.Tensor2D[];
    return { mean, logStd };
  }

  /** The Bernoulli logits of p(x | z): [n × 28 × 28 × 1]. */
  decode(z: tf.Tensor2D): tf.Tensor4D {
    const c = this.config;
    const n = z.shape[0];
    const h1 = tf.relu(tf.add(tf.matMul(z, this.w('dec/dense/W') as tf.Tensor2D), this.w('dec/dense/b')));
    const up1 = tf.relu(tf.add(tf.conv2dTranspose(tf.reshape(h1, [n, 7, 7, c.wide]) as tf.Tensor4D, this.w('dec/deconv1/filter') as tf.Tensor4D, [n, 14, 14, c.narrow], 2, 'same'), this.w('dec/deconv1/b'))) as tf.Tensor4D;
    return tf.add(tf.conv2dTranspose(up1, this.w('dec/deconv2/filter') as tf.Tensor4D, [n, IMAGE_SIZE, IMAGE_SIZE, 1], 2, 'same'), this.w('dec/deconv2/b')) as tf.Tensor4D;
  }

  /** The lower bound per image (nats), one posterior sample: log p(x | z) − KL(q(z | x) ‖ N(0, I)). */
  private bound(x: tf.Tensor4D, noise: tf.Tensor2D): tf.Tensor1D {
    const n = x.shape[0];
    const q = this.encode(x);
    const logits = tf.reshape(this.decode(reparameterise(q, noise)), [n, IMAGE_PIXELS]) as tf.Tensor2D;
    const targets = tf.reshape(x, [n, IMAGE_PIXELS]) as tf.Tensor2D;
    // log p(x | z) = Σ x·log σ(l) + (1 − x)·log(1 − σ(l))
    const logLikelihood = bernoulliLogLikelihood(targets, logits);
    const zeros = tf.zerosLike(q.mean);
    return tf.sub(logLikelihood, gaussianKl(q, { mean: zeros, logStd: zeros })) as tf.Tensor1D;
  }

  /** One Adam step on `images` (`n × 784` in [0, 1]); returns the batch's mean bound. */
  trainStep(images: Float32Array, seed: number): number {
    const n = images.length / IMAGE_PIXELS;
    return tf.tidy(() => {
      const x = tf.tensor4d(images, [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
      const noise = tf.randomNormal([n, this.config.latent], 0, 1, 'float32', seed) as tf.Tensor2D;
      const loss = this.optimizer.minimize(() => tf.neg(tf.mean(this.bound(x, noise))) as tf.Scalar, true, Object.values(this.weights));
      return -loss!.dataSync()[0];
    });
  }

  /** Mean bound over `images` (nats per image). */
  meanBound(images: Float32Array, seed: number): number {
    const n = images.length / IMAGE_PIXELS;
    return tf.tidy(() => {
      const noise = tf.randomNormal([n, this.config.latent], 0, 1, 'float32', seed) as tf.Tensor2D;
      return tf.mean(this.bound(tf.tensor4d(images, [n, IMAGE_SIZE, IMAGE_SIZE, 1]), noise)).dataSync()[0];
    });
  }

  /** Mean images σ(logits) for the given latent vectors (`n × L`, flat): `n × 784` in [0, 1]. */
  sample(latents: Float32Array): Float32Array {
    const n = latents.length / this.config.latent;
    return tf.tidy(() => tf.sigmoid(this.decode(tf.tensor2d(latents, [n, this.config.latent]))).dataSync() as Float32Array);
  }

  named(): Record<VaeWeightName, tf.Tensor> {
    return { ...this.weights };
  }

  dispose(): void {
    tf.dispose(Object.values(this.weights));
    this.optimizer.dispose();
  }
}

export async function loadVae(dir: string): Promise<Vae> {
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as { config: VaeConfig; seed: number };
  const tensors = await loadTensors(dir);
  try {
    return new Vae(meta.config, meta.seed, tensors);
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
}

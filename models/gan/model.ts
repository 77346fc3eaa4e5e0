/**
 * A deep convolutional generative adversarial network (Goodfellow et al. 2014; the DCGAN shapes of
 * Radford, Metz & Chintala 2016), for 28×28 grey images with pixels in [−1, 1].
 *
 *   generator G(z):      z ∈ ℝ^L ~ N(0, I) → dense 7·7·C₁ → batch norm → ReLU
 *                        → 5×5 transposed convolution, stride 2 → 14×14×C₂ → batch norm → ReLU
 *                        → 5×5 transposed convolution, stride 2 → 28×28×1 → tanh
 *   discriminator D(x):  28×28×1 → 5×5 convolution, stride 2 → 14×14×C₂ → leaky ReLU (0.2)
 *                        → 5×5 convolution, stride 2 → 7×7×C₁ → batch norm → leaky ReLU (0.2)
 *                        → dense → the logit of "x is a real image"
 *
 * The two play the game min_G max_D E_x[log D(x)] + E_z[log(1 − D(G(z)))]. D's loss is the
 * cross-entropy of telling real from generated; G uses the non-saturating loss −E_z[log D(G(z))],
 * which gives strong gradients early, when D rejects G's samples easily. Both step with Adam
 * (step 2·10⁻⁴, β₁ 0.5), one D step then one G step per batch, as in the DCGAN paper.
 *
 * Batch norm normalises with the batch's own statistics while training and with running averages
 * of them when sampling, so a sample does not depend on what else is in its batch.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@/models/blocks';
import { standardNormals } from '@/models/blocks/statistics';
import { IMAGE_PIXELS, IMAGE_SIZE } from './contract';
import { mulberry32 } from '@/lib/random';

export interface GanConfig {
  /** Latent size L. */
  latent: number;
  /** Channels of the 7×7 layer (C₁) and of the 14×14 layer (C₂). */
  wide: number;
  narrow: number;
  learningRate: number;
  beta1: number;
  /** Running averages of batch statistics: new = m·old + (1 − m)·batch. */
  batchNormMomentum: number;
}

export const DEFAULT_GAN_CONFIG: GanConfig = { latent: 64, wide: 64, narrow: 32, learningRate: 2e-4, beta1: 0.5, batchNormMomentum: 0.99 };

export { IMAGE_PIXELS, IMAGE_SIZE };
const KERNEL = 5;
const LEAK = 0.2;
const EPSILON = 1e-5;

export const GENERATOR_WEIGHTS = [
  'g/dense/W', 'g/dense/b', 'g/bn1/gamma', 'g/bn1/beta',
  'g/deconv1/filter', 'g/deconv1/b', 'g/bn2/gamma', 'g/bn2/beta',
  'g/deconv2/filter', 'g/deconv2/b',
] as const;
export const GENERATOR_STATISTICS = ['g/bn1/mean', 'g/bn1/variance', 'g/bn2/mean', 'g/bn2/variance'] as const;
export const DISCRIMINATOR_WEIGHTS = ['d/conv1/filter', 'd/conv1/b', 'd/conv2/filter', 'd/conv2/b', 'd/bn/gamma', 'd/bn/beta', 'd/dense/W', 'd/dense/b'] as const;
export type GanTensorName = (typeof GENERATOR_WEIGHTS)[number] | (typeof GENERATOR_STATISTICS)[number] | (typeof DISCRIMINATOR_WEIGHTS)[number];

/** Shapes of every weight (DCGAN's initialisation: N(0, 0.02²), batch norm γ = 1, β = 0). */
function shapes(c: GanConfig): Record<GanTensorName, number[]> {
  return {
    'g/dense/W': [c.latent, 7 * 7 * c.wide],
    'g/dense/b': [7 * 7 * c.wide],
    'g/bn1/gamma': [7 * 7 * c.wide],
    'g/bn1/beta': [7 * 7 * c.wide],
    'g/bn1/mean': [7 * 7 * c.wide],
    'g/bn1/variance': [7 * 7 * c.wide],
    // conv2dTranspose filters are [height, width, out channels, in channels].
    'g/deconv1/filter': [KERNEL, KERNEL, c.narrow, c.wide],
    'g/deconv1/b': [c.narrow],
    'g/bn2/gamma': [c.narrow],
    'g/bn2/beta': [c.narrow],
    'g/bn2/mean': [c.narrow],
    'g/bn2/variance': [c.narrow],
    'g/deconv2/filter': [KERNEL, KERNEL, 1, c.narrow],
    'g/deconv2/b': [1],
    'd/conv1/filter': [KERNEL, KERNEL, 1, c.narrow],
    'd/conv1/b': [c.narrow],
    'd/conv2/filter': [KERNEL, KERNEL, c.narrow, c.wide],
    'd/conv2/b': [c.wide],
    'd/bn/gamma': [c.wide],
    'd/bn/beta': [c.wide],
    'd/dense/W': [7 * 7 * c.wide, 1],
    'd/dense/b': [1],
  };
}

function initial(name: GanTensorName, shape: number[], rng: Rng): tf.Tensor {
  if (name.endsWith('/gamma') || name.endsWith('/variance')) return tf.ones(shape);
  if (name.endsWith('/beta') || name.endsWith('/mean') || name.endsWith('/b')) return tf.zeros(shape);
  return tf.randomNormal(shape, 0, 0.02, 'float32', rng.seed());
}

/**
 * A latent vector from a seed alone: L standard normal numbers by Box–Muller from mulberry32, so
 * the same seed gives the same z on every machine and backend.
 */
export function latentFromSeed(seed: number, latent: number): Float32Array {
  // u is the first draw floored at 1e-12 (not 1 − draw): every seed's picture was drawn that way.
  return standardNormals(mulberry32(seed), latent, (draw) => Math.max(draw, 1e-12));
}

/** The latents of seeds first, first + 1, … (`count` of them), one after another: `count × latent`. */
export function latentsFromSeeds(first: number, count: number, latent: number): Float32Array {
  const out = new Float32Array(count * latent);
  for (let i = 0; i < count; i++) out.set(latentFromSeed(first + i, latent), i * latent);
  return out;
}

/**
 * Spherical interpolation between two latent vectors (Shoemake's slerp, as White 2016 suggests for
 * Gaussian latents): the path keeps the norm a sample of N(0, I) typically has, where a straight
 * line would pass through improbably short vectors near the origin.
 */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb))));
  const out = new Float32Array(a.length);
  if (omega < 1e-6) {
    for (let i = 0; i < a.length; i++) out[i] = (1 - t) * a[i] + t * b[i];
    return out;
  }
  const wa = Math.sin((1 - t) * omega) / Math.sin(omega);
  const wb = Math.sin(t * omega) / Math.sin(omega);
  for (let i = 0; i < a.length; i++) out[i] = wa * a[i] + wb * b[i];
  return out;
}

/** Losses and the discriminator's beliefs for one batch. */
export interface GanStep {
  discriminatorLoss: number;
  generatorLoss: number;
  /** Mean D(x) on the real batch (probability "real"). */
  realScore: number;
  /** Mean D(G(z)) on the generated batch, before the generator's step. */
  fakeScore: number;
}

export class Gan {
  readonly config: GanConfig;
  private readonly tensors: Record<GanTensorName, tf.Variable>;
  private readonly generatorOptimizer: tf.AdamOptimizer;
  private readonly discriminatorOptimizer: tf.AdamOptimizer;
  private readonly rng: Rng;

  constructor(config: Partial<GanConfig> = {}, seed = 0, weights?: Partial<Record<string, tf.Tensor>>) {
    this.config = { ...DEFAULT_GAN_CONFIG, ...config };
    this.rng = new Rng(seed);
    const expected = shapes(this.config);
    const made = {} as Record<GanTensorName, tf.Variable>;
    for (const name of Object.keys(expected) as GanTensorName[]) {
      const given = weights?.[name];
      if (given && given.shape.join() !== expected[name].join()) {
        tf.dispose(Object.values(made));
        throw new Error(`weight ${name} has shape [${given.shape}], the config needs [${expected[name]}]`);
      }
      const value = given ?? initial(name, expected[name], this.rng);
      made[name] = tf.variable(value, !(GENERATOR_STATISTICS as readonly string[]).includes(name));
      if (!given) value.dispose();
    }
    this.tensors = made;
    this.generatorOptimizer = tf.train.adam(this.config.learningRate, this.config.beta1);
    this.discriminatorOptimizer = tf.train.adam(this.config.learningRate, this.config.beta1);
  }

  get parameterCount(): { generator: number; discriminator: number } {
    const count = (names: readonly GanTensorName[]) => names.reduce((s, n) => s + this.tensors[n].size, 0);
    return { generator: count(GENERATOR_WEIGHTS), discriminator: count(DISCRIMINATOR_WEIGHTS) };
  }

  private t(name: GanTensorName): tf.Tensor {
    return this.tensors[name];
  }

  // ── The generator ──────────────────────────────────────────────────────────────────────────

  /**
   * G(z): [n × L] → [n × 28 × 28 × 1] in [−1, 1]. `training`: batch statistics (and the running
   * averages updated from them); otherwise the running averages.
   */
  generate(z: tf.Tensor2D, training = false): tf.Tensor4D {
    const c = this.config;
    const n = z.shape[0];
    const dense = tf.add(tf.matMul(z, this.t('g/dense/W') as tf.Tensor2D), this.t('g/dense/b'));
    const h1 = tf.relu(this.batchNorm(dense, 'g/bn1', [0], training));
    const h1Image = tf.reshape(h1, [n, 7, 7, c.wide]) as tf.Tensor4D;
    const up1 = tf.add(tf.conv2dTranspose(h1Image, this.t('g/deconv1/filter') as tf.Tensor4D, [n, 14, 14, c.narrow], 2, 'same'), this.t('g/deconv1/b'));
    const h2 = tf.relu(this.batchNorm(up1, 'g/bn2', [0, 1, 2], training)) as tf.Tensor4D;
    const up2 = tf.add(tf.conv2dTranspose(h2, this.t('g/deconv2/filter') as tf.Tensor4D, [n, IMAGE_SIZE, IMAGE_SIZE, 1], 2, 'same'), this.t('g/deconv2/b'));
    return tf.tanh(up2) as tf.Tensor4D;
  }

  /** Batch norm of the generator's layer `prefix` over `axes`. */
  private batchNorm(x: tf.Tensor, prefix: 'g/bn1' | 'g/bn2', axes: number[], training: boolean): tf.Tensor {
    const gamma = this.t(`${prefix}/gamma`);
    const beta = this.t(`${prefix}/beta`);
    const runningMean = this.tensors[`${prefix}/mean`];
    const runningVariance = this.tensors[`${prefix}/variance`];
    if (!training) return tf.add(tf.mul(tf.div(tf.sub(x, runningMean), tf.sqrt(tf.add(runningVariance, EPSILON))), gamma), beta);
    const { mean, variance } = tf.moments(x, axes);
    const m = this.config.batchNormMomentum;
    // The running averages are bookkeeping, outside the gradient.
    tf.tidy(() => {
      runningMean.assign(tf.add(tf.mul(runningMean, m), tf.mul(mean, 1 - m)));
      runningVariance.assign(tf.add(tf.mul(runningVariance, m), tf.mul(variance, 1 - m)));
    });
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPSILON))), gamma), beta);
  }

  // ── The discriminator ──────────────────────────────────────────────────────────────────────

  /** The logit of D(x) for [n × 28 × 28 × 1] images in [−1, 1]: [n]. Batch statistics always. */
  discriminate(x: tf.Tensor4D): tf.Tensor1D {
    const n = x.shape[0];
    const leaky = (v: tf.Tensor) => tf.leakyRelu(v, LEAK);
    const h1 = leaky(tf.add(tf.conv2d(x, this.t('d/conv1/filter') as tf.Tensor4D, 2, 'same'), this.t('d/conv1/b'))) as tf.Tensor4D;
    const conv2 = tf.add(tf.conv2d(h1, this.t('d/conv2/filter') as tf.Tensor4D, 2, 'same'), this.t('d/conv2/b'));
    const { mean, variance } = tf.moments(conv2, [0, 1, 2]);
    const h2 = leaky(tf.add(tf.mul(tf.div(tf.sub(conv2, mean), tf.sqrt(tf.add(variance, EPSILON))), this.t('d/bn/gamma')), this.t('d/bn/beta')));
    const logits = tf.add(tf.matMul(tf.reshape(h2, [n, -1]) as tf.Tensor2D, this.t('d/dense/W') as tf.Tensor2D), this.t('d/dense/b'));
    return tf.reshape(logits, [n]) as tf.Tensor1D;
  }

  // ── The game ───────────────────────────────────────────────────────────────────────────────

  /**
   * One round: a discriminator step on `real` ([n × 784] in [−1, 1]) against n fresh samples,
   * then a generator step on n fresh samples (non-saturating loss).
   */
  trainStep(real: Float32Array, seed: number): GanStep {
    const n = real.length / IMAGE_PIXELS;
    const rng = new Rng(seed);
    const dNames = DISCRIMINATOR_WEIGHTS.map((name) => this.tensors[name]);
    const gNames = GENERATOR_WEIGHTS.map((name) => this.tensors[name]);
    return tf.tidy(() => {
      const x = tf.tensor4d(real, [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
      const zD = tf.randomNormal([n, this.config.latent], 0, 1, 'float32', rng.seed()) as tf.Tensor2D;
      let realScore = 0;
      let fakeScore = 0;
      // Generated outside the discriminator's gradient: its step moves D alone.
      const fake = this.generate(zD, true);
      const dLoss = this.discriminatorOptimizer.minimize(
        () => {
          const realLogits = this.discriminate(x);
          const fakeLogits = this.discriminate(fake);
          realScore = tf.mean(tf.sigmoid(realLogits)).dataSync()[0];
          fakeScore = tf.mean(tf.sigmoid(fakeLogits)).dataSync()[0];
          // −log D(x) − log(1 − D(G(z))) = softplus(−logit_real) + softplus(logit_fake)
          return tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar;
        },
        true,
        dNames,
      );
      const zG = tf.randomNormal([n, this.config.latent], 0, 1, 'float32', rng.seed()) as tf.Tensor2D;
      const gLoss = this.generatorOptimizer.minimize(() => tf.mean(tf.softplus(tf.neg(this.discriminate(this.generate(zG, true))))) as tf.Scalar, true, gNames);
      return { discriminatorLoss: dLoss!.dataSync()[0], generatorLoss: gLoss!.dataSync()[0], realScore, fakeScore };
    });
  }

  /** Images for the given latent vectors (`n × L`, flat): `n × 784` grey levels in [0, 1]. */
  sample(latents: Float32Array): Float32Array {
    const n = latents.length / this.config.latent;
    return tf.tidy(() => {
      const images = this.generate(tf.tensor2d(latents, [n, this.config.latent]));
      return tf.div(tf.add(images, 1), 2).dataSync() as Float32Array;
    });
  }

  /** Every tensor by name (generator, its running statistics, discriminator), for checkpoints. */
  named(): Record<GanTensorName, tf.Tensor> {
    return { ...this.tensors };
  }

  dispose(): void {
    tf.dispose(Object.values(this.tensors));
    this.generatorOptimizer.dispose();
    this.discriminatorOptimizer.dispose();
  }
}

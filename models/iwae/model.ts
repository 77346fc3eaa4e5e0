/**
 * The variational autoencoder (Kingma & Welling 2014) and the importance-weighted autoencoder
 * (Burda, Grosse & Salakhutdinov 2016) as the tutorial puts them side by side: ONE architecture,
 * two objectives.
 *
 *   recognition q(z | x) = N(z; μ(x), diag σ²(x)):  x (784) → tanh 200 → tanh 200 → μ, log σ (50 each)
 *   generative  p(z) = N(0, I),  p(x | z) = Π_j Bernoulli(x_j; σ(l_j(z))):  z (50) → tanh 200 → tanh 200 → logits (784)
 *
 * With z_i = μ(x) + σ(x) ⊙ ε_i, ε_i ~ N(0, I) (the reparameterisation trick) and the importance weights
 *
 *   w_i = p(x, z_i) / q(z_i | x),                 log w_i = log p(x | z_i) + log p(z_i) − log q(z_i | x),
 *
 * the k-sample bound (Burda et al., eq. 6) is
 *
 *   L_k(x) = E[ log (1/k) Σ_{i=1..k} w_i ]  ≤  log p(x),
 *
 * with L_1 the VAE's evidence lower bound (ELBO) and L_1 ≤ L_k ≤ L_m ≤ log p(x) for k ≤ m
 * (Theorem 1); as k → ∞, L_k → log p(x), which is how the test log-likelihood is estimated.
 * The VAE maximises L_1 — with the KL term in closed form (Kingma & Welling's estimator B):
 * E_q[log p(x | z)] − KL(q(z | x) ‖ N(0, I)); the IWAE maximises L_k (k = 5 here).
 */
import * as tf from '@tensorflow/tfjs';
import { bernoulliLogLikelihood, Rng } from '@/models/blocks';
import { gaussianKl, logPosterior, logStandardNormal, reparameterise, type DiagonalGaussian } from '@/models/blocks/gaussian';

export const IMAGE_SIZE = 28;
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

export interface IwaeConfig {
  /** Visible units (784 for MNIST). */
  pixels: number;
  /** Deterministic tanh layers, the same in the encoder and (reversed) the decoder. */
  hidden: number[];
  /** Stochastic units. */
  latent: number;
  /** Importance samples per image in the training objective: 1 = the VAE's ELBO, k > 1 = the IWAE bound L_k. */
  k: number;
  learningRate: number;
}

/** Burda et al.'s one-stochastic-layer MNIST architecture. */
export const BURDA_ARCHITECTURE = { pixels: IMAGE_PIXELS, hidden: [200, 200], latent: 50 } as const;
export const DEFAULT_CONFIG: IwaeConfig = { ...BURDA_ARCHITECTURE, hidden: [...BURDA_ARCHITECTURE.hidden], k: 1, learningRate: 1e-3 };

/** The weights' names and shapes: enc/<i>, enc/mean, enc/logStd, dec/<i>, dec/out (W and b each). */
export function weightShapes(c: Pick<IwaeConfig, 'pixels' | 'hidden' | 'latent'>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const dense = (name: string, from: number, to: number) => {
    out[`${name}/W`] = [from, to];
    out[`${name}/b`] = [to];
  };
  let width = c.pixels;
  c.hidden.forEach((h, i) => {
    dense(`enc/${i + 1}`, width, h);
    width = h;
  });
  dense('enc/mean', width, c.latent);
  dense('enc/logStd', width, c.latent);
  width = c.latent;
  [...c.hidden].reverse().forEach((h, i) => {
    dense(`dec/${i + 1}`, width, h);
    width = h;
  });
  dense('dec/out', width, c.pixels);
  return out;
}

/** log mean_i exp(a_i) along `axis`, as max + log mean exp(a − max): finite for log-weights of −10⁵ and below. */
export function logMeanExp(a: tf.Tensor, axis: number): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.logSumExp(a, axis), Math.log(a.shape[axis]!)));
}

/** The same in plain numbers (for accumulating log-weights across batches of samples). */
export function logMeanExpOf(values: ArrayLike<number>, from = 0, to = values.length): number {
  let max = -Infinity;
  for (let i = from; i < to; i++) max = Math.max(max, values[i]);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum / (to - from));
}

export class Iwae {
  readonly config: IwaeConfig;
  private readonly weights: Record<string, tf.Variable>;
  private readonly optimizer: tf.AdamOptimizer;

  constructor(config: Partial<IwaeConfig> = {}, seed = 0, given?: Partial<Record<string, tf.Tensor>>) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    const rng = new Rng(seed);
    const made: Record<string, tf.Variable> = {};
    for (const [name, shape] of Object.entries(weightShapes(this.config))) {
      // Glorot-style initialisation for the tanh layers: N(0, 1/fan-in); biases at zero.
      const value = given?.[name] ?? (name.endsWith('/b') ? tf.zeros(shape) : tf.randomNormal(shape, 0, Math.sqrt(1 / shape[0]), 'float32', rng.seed()));
      if (value.shape.join() !== shape.join()) throw new Error(`weight ${name} has shape [${value.shape}], the config needs [${shape}]`);
      made[name] = tf.variable(value);
      if (!given?.[name]) value.dispose();
    }
    this.weights = made;
    this.optimizer = tf.train.adam(this.config.learningRate, 0.9, 0.999, 1e-4);
  }

  get parameterCount(): number {
    return Object.values(this.weights).reduce((s, w) => s + w.size, 0);
  }

  private dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.weights[`${name}/W`] as tf.Tensor2D), this.weights[`${name}/b`]);
  }

  /** q(z | x): μ and log σ for images [n × pixels]. */
  encode(x: tf.Tensor2D): DiagonalGaussian {
    return tf.tidy(() => {
      let h = x;
      this.config.hidden.forEach((_, i) => (h = tf.tanh(this.dense(`enc/${i + 1}`, h))));
      return { mean: this.dense('enc/mean', h), logStd: this.dense('enc/logStd', h) };
    });
  }

  /** The Bernoulli logits of p(x | z), [n × pixels]. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = z;
      this.config.hidden.forEach((_, i) => (h = tf.tanh(this.dense(`dec/${i + 1}`, h))));
      return this.dense('dec/out', h);
    });
  }

  /**
   * log w_i = log p(x | z_i) + log p(z_i) − log q(z_i | x) for k reparameterised samples per image:
   * `noise` is [k·n × latent] (sample i of image r in row i·n + r); returns [k × n].
   */
  logWeights(x: tf.Tensor2D, noise: tf.Tensor2D, q: DiagonalGaussian = this.encode(x)): tf.Tensor2D {
    return tf.tidy(() => {
      const n = x.shape[0];
      const k = noise.shape[0] / n;
      const tile = (t: tf.Tensor2D) => tf.tile(t, [k, 1]) as tf.Tensor2D;
      const qk = { mean: tile(q.mean), logStd: tile(q.logStd) };
      const z = reparameterise(qk, noise);
      const logJoint = tf.add(bernoulliLogLikelihood(tile(x), this.decode(z)), logStandardNormal(z));
      return tf.reshape(tf.sub(logJoint, logPosterior(qk, noise)), [k, n]) as tf.Tensor2D;
    });
  }

  /** L_k per image: log (1/k) Σ_i w_i, one draw of k samples ([n]). */
  iwaeBound(x: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => logMeanExp(this.logWeights(x, noise), 0) as tf.Tensor1D);
  }

  /** The ELBO per image with the KL in closed form: log p(x | z) − KL(q(z | x) ‖ N(0, I)), z from `noise` ([n × latent]). */
  elbo(x: tf.Tensor2D, noise: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const q = this.encode(x);
      const zeros = tf.zerosLike(q.mean);
      return tf.sub(bernoulliLogLikelihood(x, this.decode(reparameterise(q, noise))), gaussianKl(q, { mean: zeros, logStd: zeros })) as tf.Tensor1D;
    });
  }

  /**
   * One Adam step on a batch of binary images (`n × pixels`); returns the batch's mean objective
   * (the ELBO when k = 1, L_k otherwise).
   */
  trainStep(binary: Float32Array, seed: number): number {
    const { pixels, latent, k } = this.config;
    const n = binary.length / pixels;
    return tf.tidy(() => {
      const x = tf.tensor2d(binary, [n, pixels]);
      const noise = tf.randomNormal([k * n, latent], 0, 1, 'float32', seed) as tf.Tensor2D;
      const objective = () => tf.neg(tf.mean(k === 1 ? this.elbo(x, noise) : this.iwaeBound(x, noise))) as tf.Scalar;
      const loss = this.optimizer.minimize(objective, true, Object.values(this.weights));
      return -loss!.dataSync()[0];
    });
  }

  /**
   * `samples` log-weights for each of the images (`n × pixels`, flat), drawn `chunk` samples at a
   * time: [n × samples], row-major, as plain numbers for importance-sampling estimates of log p(x).
   */
  sampleLogWeights(images: Float32Array, samples: number, seed: number, chunk = samples): Float32Array {
    const { pixels, latent } = this.config;
    const n = images.length / pixels;
    const out = new Float32Array(n * samples);
    const rng = new Rng(seed);
    const x = tf.tensor2d(images, [n, pixels]);
    const q = this.encode(x);
    for (let done = 0; done < samples; done += chunk) {
      const k = Math.min(chunk, samples - done);
      const values = tf.tidy(() => this.logWeights(x, tf.randomNormal([k * n, latent], 0, 1, 'float32', rng.seed()) as tf.Tensor2D, q).dataSync());
      for (let i = 0; i < k; i++) for (let r = 0; r < n; r++) out[r * samples + done + i] = values[i * n + r];
    }
    tf.dispose([x, q.mean, q.logStd]);
    return out;
  }

  /** The posterior means μ(x) for images (`n × pixels`, flat): `n × latent`. */
  posteriorMeans(images: Float32Array): Float32Array {
    const n = images.length / this.config.pixels;
    return tf.tidy(() => this.encode(tf.tensor2d(images, [n, this.config.pixels])).mean.dataSync() as Float32Array);
  }

  /** The decoder's mean images σ(l(z)) for latent vectors (`n × latent`, flat): `n × pixels` in [0, 1]. */
  decodeMeans(latents: Float32Array): Float32Array {
    const n = latents.length / this.config.latent;
    return tf.tidy(() => tf.sigmoid(this.decode(tf.tensor2d(latents, [n, this.config.latent]))).dataSync() as Float32Array);
  }

  named(): Record<string, tf.Tensor> {
    return { ...this.weights };
  }

  dispose(): void {
    tf.dispose(Object.values(this.weights));
    this.optimizer.dispose();
  }
}

/**
 * Active units (Burda et al. §5.2): unit u is active when A_u = Cov_x(E_{q(z|x)}[z_u]) > 10⁻²,
 * i.e. its posterior mean moves with the image. `means` is `n × latent`.
 */
export function activeUnits(means: Float32Array, latent: number, threshold = 1e-2): { count: number; variances: Float64Array } {
  const n = means.length / latent;
  const variances = new Float64Array(latent);
  for (let u = 0; u < latent; u++) {
    let sum = 0;
    let squares = 0;
    for (let r = 0; r < n; r++) {
      const v = means[r * latent + u];
      sum += v;
      squares += v * v;
    }
    variances[u] = squares / n - (sum / n) ** 2;
  }
  return { count: variances.reduce((c, v) => c + (v > threshold ? 1 : 0), 0), variances };
}

/** Dynamic binarization: a fresh Bernoulli draw of every pixel (on with probability its grey level). */
export function binarize(grey: Float32Array, random: () => number, out = new Float32Array(grey.length)): Float32Array {
  for (let i = 0; i < grey.length; i++) out[i] = random() < grey[i] ? 1 : 0;
  return out;
}

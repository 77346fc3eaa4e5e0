/**
 * Autoencoders against principal components (Hinton & Salakhutdinov, Science 2006; the tutorial's
 * "autoencoders" slides):
 *
 * - PCA: the K directions of greatest variance, the top-K eigenvectors of the covariance
 *   C = (1/n) Σ (x − μ)(x − μ)ᵀ; a reconstruction is μ + U Uᵀ (x − μ), and its mean squared error
 *   on the data it was fitted to is the sum of the discarded eigenvalues Σ_{i>K} λᵢ.
 * - A linear autoencoder x̂ = μ + (x − μ) E D (E: 784×K encoder, D: K×784 decoder) trained by
 *   gradient descent on the squared error ends up spanning the same principal subspace (Baldi &
 *   Hornik 1989): the principal angles between D's row space and the top-K eigenvectors go to 0.
 * - A deep autoencoder: logistic layers 784 → 500 → 250 → code, a mirror-image decoder with a
 *   logistic output; its nonlinear code reconstructs far better than PCA with as many numbers.
 *   The code is linear (dimensionality reduction) or, for semantic hashing
 *   (models/semantic-hashing), logistic with noise added to its input during training so that the
 *   units saturate and can be read as bits: b = [σ(logit) > ½].
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@/models/blocks/random';
import { symmetricEigen } from '@/models/blocks/frechet';

export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

// ─── Linear algebra in float64 (d ≤ 784, K ≤ a few dozen) ──────────────────────────────────────

/** Column means of `n × d` rows. */
export function columnMeans(rows: ArrayLike<number>, d: number): Float64Array {
  const n = rows.length / d;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += rows[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  return mean;
}

/** C = (1/n) Σ (x − μ)(x − μ)ᵀ, row-major d×d (float32 matrix product, widened to float64). */
export function covariance(rows: Float32Array, d: number, mean: Float64Array): Float64Array {
  const n = rows.length / d;
  const values = tf.tidy(() => {
    const centred = tf.sub(tf.tensor2d(rows, [n, d]), tf.tensor1d(Float32Array.from(mean)));
    return tf.div(tf.matMul(centred, centred, true, false), n).dataSync() as Float32Array;
  });
  const out = Float64Array.from(values);
  // Symmetrise against rounding.
  for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) out[a * d + b] = out[b * d + a] = (out[a * d + b] + out[b * d + a]) / 2;
  return out;
}

/**
 * Orthonormalises `k` vectors of length `d` (rows of a k×d array) in place by modified
 * Gram–Schmidt, twice (for float64 accuracy); a vector that vanishes is an error.
 */
export function orthonormaliseRows(vectors: Float64Array, k: number, d: number): Float64Array {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < k; i++) {
      const vi = vectors.subarray(i * d, (i + 1) * d);
      for (let j = 0; j < i; j++) {
        const vj = vectors.subarray(j * d, (j + 1) * d);
        let dot = 0;
        for (let t = 0; t < d; t++) dot += vi[t] * vj[t];
        for (let t = 0; t < d; t++) vi[t] -= dot * vj[t];
      }
      let norm = 0;
      for (let t = 0; t < d; t++) norm += vi[t] * vi[t];
      norm = Math.sqrt(norm);
      if (!(norm > 1e-12)) throw new Error(`vector ${i} of ${k} is (nearly) dependent on the ones before it`);
      for (let t = 0; t < d; t++) vi[t] /= norm;
    }
  }
  return vectors;
}

export interface Pca {
  d: number;
  k: number;
  mean: Float64Array;
  /** The top-k eigenvectors of the covariance as rows (k×d, orthonormal), largest eigenvalue first. */
  components: Float64Array;
  /** Their eigenvalues λ₁ ≥ … ≥ λ_k. */
  eigenvalues: Float64Array;
  /** tr C = Σ all eigenvalues: the mean squared distance of the data from its mean. */
  totalVariance: number;
}

/**
 * The top-k principal components of `rows` (n × d) by orthogonal (subspace) iteration with
 * Rayleigh–Ritz: Q ← orth(C Q) on k + 10 vectors, then the eigenvectors of Qᵀ C Q rotate Q.
 * Converges at the rate λ_{k+11} / λ_k per iteration.
 */
export function fitPca(rows: Float32Array, d: number, k: number, options: { iterations?: number; seed?: number } = {}): Pca {
  const mean = columnMeans(rows, d);
  const c = covariance(rows, d, mean);
  return pcaOfCovariance(c, d, k, mean, options);
}

export function pcaOfCovariance(c: Float64Array, d: number, k: number, mean: Float64Array, options: { iterations?: number; seed?: number } = {}): Pca {
  const m = Math.min(d, k + 10);
  const rng = new Rng(options.seed ?? 1);
  let q = new Float64Array(m * d);
  for (let i = 0; i < q.length; i++) q[i] = rng.uniform() - 0.5;
  orthonormaliseRows(q, m, d);
  let values = new Float64Array(m);
  const cq = new Float64Array(m * d);
  for (let iteration = 0; iteration < (options.iterations ?? 300); iteration++) {
    // Z = C Q (rows: z_i = C q_i, C symmetric).
    cq.fill(0);
    for (let i = 0; i < m; i++) {
      const qi = q.subarray(i * d, (i + 1) * d);
      const zi = cq.subarray(i * d, (i + 1) * d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        const row = a * d;
        for (let b = 0; b < d; b++) s += c[row + b] * qi[b];
        zi[a] = s;
      }
    }
    // Rayleigh–Ritz: T = Qᵀ C Q (m×m), T = V Λ Vᵀ, Q ← Vᵀ Q (and C Q ← Vᵀ C Q).
    const t = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = i; j < m; j++) {
        let s = 0;
        for (let a = 0; a < d; a++) s += q[i * d + a] * cq[j * d + a];
        t[i * m + j] = t[j * m + i] = s;
      }
    }
    const eigen = symmetricEigen(t, m);
    const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => eigen.values[y] - eigen.values[x]);
    const next = new Float64Array(m * d);
    for (let r = 0; r < m; r++) {
      const col = order[r];
      for (let i = 0; i < m; i++) {
        const w = eigen.vectors[i * m + col];
        if (w === 0) continue;
        for (let a = 0; a < d; a++) next[r * d + a] += w * cq[i * d + a];
      }
    }
    const newValues = Float64Array.from(order, (col) => eigen.values[col]);
    orthonormaliseRows(next, m, d);
    q = next;
    let change = 0;
    for (let i = 0; i < k; i++) change = Math.max(change, Math.abs(newValues[i] - values[i]) / Math.max(1e-300, Math.abs(newValues[i])));
    values = newValues;
    if (iteration > 5 && change < 1e-14) break;
  }
  let totalVariance = 0;
  for (let a = 0; a < d; a++) totalVariance += c[a * d + a];
  return { d, k, mean, components: q.slice(0, k * d), eigenvalues: values.slice(0, k), totalVariance };
}

/** PCA reconstructions μ + U Uᵀ (x − μ) of `n × d` rows, using the first `k` components (default all). */
export function pcaReconstruct(pca: Pca, rows: Float32Array, k = pca.k): Float32Array {
  const d = pca.d;
  const n = rows.length / d;
  const out = new Float32Array(rows.length);
  const centred = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < d; a++) centred[a] = rows[r * d + a] - pca.mean[a];
    const back = Float64Array.from(pca.mean);
    for (let i = 0; i < k; i++) {
      const u = pca.components.subarray(i * d, (i + 1) * d);
      let coefficient = 0;
      for (let a = 0; a < d; a++) coefficient += u[a] * centred[a];
      for (let a = 0; a < d; a++) back[a] += coefficient * u[a];
    }
    out.set(back, r * d);
  }
  return out;
}

/**
 * Principal angles (Björck & Golub 1973) between span(A) and span(B), each given as k vectors of
 * length d (rows): with Q_A, Q_B orthonormal bases, cos θᵢ are the singular values of Q_A Q_Bᵀ.
 * Small angles are taken from sin θ (the singular values of Q_B − (Q_B Q_Aᵀ) Q_A), which keeps
 * their precision. Degrees, smallest first.
 */
export function principalAngles(a: Float64Array | Float32Array, b: Float64Array | Float32Array, k: number, d: number): number[] {
  const qa = orthonormaliseRows(Float64Array.from(a), k, d);
  const qb = orthonormaliseRows(Float64Array.from(b), k, d);
  const m = new Float64Array(k * k); // M = Q_A Q_Bᵀ
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += qa[i * d + t] * qb[j * d + t];
    m[i * k + j] = s;
  }
  // The residual R = Q_B − Mᵀ Q_A (the part of B outside span A): its singular values are sin θ.
  const residual = Float64Array.from(qb);
  for (let j = 0; j < k; j++) for (let i = 0; i < k; i++) {
    const w = m[i * k + j];
    for (let t = 0; t < d; t++) residual[j * d + t] -= w * qa[i * d + t];
  }
  const gram = (x: Float64Array, rows: number, cols: number) => {
    const g = new Float64Array(rows * rows);
    for (let i = 0; i < rows; i++) for (let j = i; j < rows; j++) {
      let s = 0;
      for (let t = 0; t < cols; t++) s += x[i * cols + t] * x[j * cols + t];
      g[i * rows + j] = g[j * rows + i] = s;
    }
    return g;
  };
  const cosines = Array.from(symmetricEigen(gram(m, k, k), k).values, (v) => Math.sqrt(Math.min(1, Math.max(0, v)))).sort((x, y) => y - x);
  const sines = Array.from(symmetricEigen(gram(residual, k, d), k).values, (v) => Math.sqrt(Math.min(1, Math.max(0, v)))).sort((x, y) => x - y);
  const degrees = 180 / Math.PI;
  // Pair the largest cosines with the smallest sines; use whichever is better conditioned.
  return cosines.map((c, i) => (c > Math.SQRT1_2 ? Math.asin(sines[i]) : Math.acos(c)) * degrees);
}

/** Σ over pixels of (x − x̂)², per row. */
export function squaredErrors(x: ArrayLike<number>, reconstruction: ArrayLike<number>, d = PIXELS): Float64Array {
  const n = x.length / d;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (x[r * d + j] - reconstruction[r * d + j]) ** 2;
    out[r] = s;
  }
  return out;
}

export const mean = (values: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
};

// ─── Linear autoencoder ───────────────────────────────────────────────────────────────────────

/**
 * x̂ = μ + (x − μ) E D on mean-centred data, trained by full-batch gradient descent with momentum
 * on the mean squared error over the training images, L = (1/n) Σ |x − x̂|² = tr((I − ED)ᵀ C (I − ED))
 * (x as a row, C = XᵀX / n of the centred images X). The data enter the gradient only through C,
 * so each step's exact full-batch gradient is computed from C:
 *   G = C (I − E D),   ∂L/∂E = −2 G Dᵀ,   ∂L/∂D = −2 Eᵀ G.
 */
export class LinearAutoencoder {
  readonly d: number;
  readonly k: number;
  readonly encoder: tf.Variable<tf.Rank.R2>;
  readonly decoder: tf.Variable<tf.Rank.R2>;
  private readonly velocity: [tf.Variable, tf.Variable];

  constructor(d: number, k: number, seed = 1, given?: { encoder: tf.Tensor; decoder: tf.Tensor }) {
    this.d = d;
    this.k = k;
    const rng = new Rng(seed);
    this.encoder = tf.variable(given ? (given.encoder as tf.Tensor2D) : tf.randomNormal([d, k], 0, 0.01, 'float32', rng.seed()));
    this.decoder = tf.variable(given ? (given.decoder as tf.Tensor2D) : tf.randomNormal([k, d], 0, 0.01, 'float32', rng.seed()));
    this.velocity = [tf.variable(tf.zeros([d, k])), tf.variable(tf.zeros([k, d]))];
  }

  /** The loss L before one momentum step (v ← βv − η∇L, W ← W + v) with covariance `c` (d × d). */
  step(c: tf.Tensor2D, learningRate: number, momentum = 0.9): number {
    return tf.tidy(() => {
      const ce = tf.matMul(c, this.encoder); // C E, d × k
      const g = tf.sub(c, tf.matMul(ce, this.decoder)); // G = C (I − E D)
      // L = tr((I − ED)ᵀ G) = tr(G) − tr(Dᵀ Eᵀ G)
      const loss = tf.sub(tf.sum(tf.mul(tf.eye(this.d), g)), tf.sum(tf.mul(this.decoder, tf.matMul(this.encoder, g, true, false))));
      const gradEncoder = tf.mul(-2, tf.matMul(g, this.decoder, false, true));
      const gradDecoder = tf.mul(-2, tf.matMul(this.encoder, g, true, false));
      const [vE, vD] = this.velocity;
      vE.assign(tf.sub(tf.mul(momentum, vE), tf.mul(learningRate, gradEncoder)));
      vD.assign(tf.sub(tf.mul(momentum, vD), tf.mul(learningRate, gradDecoder)));
      this.encoder.assign(tf.add(this.encoder, vE) as tf.Tensor2D);
      this.decoder.assign(tf.add(this.decoder, vD) as tf.Tensor2D);
      return loss.dataSync()[0];
    });
  }

  /** Reconstructions of `n × d` rows given the data mean μ. */
  reconstruct(rows: Float32Array, mu: ArrayLike<number>): Float32Array {
    const n = rows.length / this.d;
    return tf.tidy(() => {
      const m = tf.tensor1d(Float32Array.from(mu));
      const x = tf.sub(tf.tensor2d(rows, [n, this.d]), m);
      return tf.add(tf.matMul(tf.matMul(x, this.encoder), this.decoder), m).dataSync() as Float32Array;
    });
  }

  /** The decoder's k basis vectors (rows of D, k × d): the subspace its reconstructions lie in. */
  basis(): Float64Array {
    return Float64Array.from(this.decoder.dataSync());
  }

  dispose(): void {
    tf.dispose([this.encoder, this.decoder, ...this.velocity]);
  }
}

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

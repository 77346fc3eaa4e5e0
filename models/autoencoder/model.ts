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
import { orthonormaliseRows } from '@/models/blocks/pca';

import { PIXELS } from '@/models/blocks/deep-autoencoder';

// The deep autoencoder (network and training loop) is shared with semantic hashing: models/blocks/deep-autoencoder.ts.
export { DEFAULT_DEEP_CONFIG, DeepAutoencoder, deepWeightShapes, IMAGE_SIZE, PIXELS, trainDeepAutoencoder, type DeepAutoencoderConfig, type EpochReport } from '@/models/blocks/deep-autoencoder';

// ─── Linear algebra in float64 (d ≤ 784, K ≤ a few dozen; PCA itself is models/blocks/pca.ts) ───

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

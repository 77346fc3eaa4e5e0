/**
 * The covariance of `n × d` rows, one function for every model, two explicit choices:
 *
 * - `divideBy`: Σ (x − μ)(x − μ)ᵀ divided by n (the maximum-likelihood covariance: what PCA and
 *   whitening take) or by n − 1 (the unbiased sample covariance: what the Fréchet distance takes);
 * - `arithmetic`: `'float64'` (the default) accumulates in float64 over the upper triangle, row by
 *   row, in plain JavaScript; `'float32'` is one float32 matrix product Xcᵀ Xc on the TensorFlow.js
 *   backend, widened to float64 and symmetrised against rounding — what the autoencoder block's PCA
 *   is fitted with (fast for 8,000 × 784; its principal angles of a thousandth of a degree move in
 *   their third digit between the two, so the block keeps the arithmetic it was measured with).
 */
import * as tf from '@tensorflow/tfjs';
import { columnMeans } from './statistics';

export interface CovarianceOptions {
  /** What the summed outer products are divided by: `'n'` (maximum likelihood) or `'n - 1'` (unbiased). */
  divideBy: 'n' | 'n - 1';
  /** The column means, when the caller has them already (default: `columnMeans(rows, d)`). */
  mean?: ArrayLike<number>;
  /** `'float64'` (default): plain float64 sums; `'float32'`: a float32 matrix product on the backend. */
  arithmetic?: 'float64' | 'float32';
}

/** The d×d covariance (row-major, symmetric, float64) of `n × d` rows; see the module comment for its conventions. */
export function covariance(rows: ArrayLike<number>, d: number, options: CovarianceOptions): Float64Array {
  const n = rows.length / d;
  const mu = options.mean ?? columnMeans(rows, d);
  const divisor = options.divideBy === 'n' ? n : n - 1;
  if (options.arithmetic === 'float32') {
    const values = tf.tidy(() => {
      const centred = tf.sub(tf.tensor2d(Float32Array.from(rows), [n, d]), tf.tensor1d(Float32Array.from(mu)));
      return tf.div(tf.matMul(centred, centred, true, false), divisor).dataSync() as Float32Array;
    });
    const out = Float64Array.from(values);
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) out[a * d + b] = out[b * d + a] = (out[a * d + b] + out[b * d + a]) / 2;
    return out;
  }
  const out = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) centred[j] = rows[r * d + j] - mu[j];
    for (let a = 0; a < d; a++) {
      const ca = centred[a];
      if (ca === 0) continue;
      for (let b = a; b < d; b++) out[a * d + b] += ca * centred[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      out[a * d + b] /= divisor;
      out[b * d + a] = out[a * d + b];
    }
  }
  return out;
}

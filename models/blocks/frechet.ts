/**
 * The Fréchet distance between two Gaussians fitted to feature vectors (Dowson & Landau 1982; the
 * "FID" of Heusel et al. 2017 when the features are an Inception network's):
 *
 *   d² = |μ₁ − μ₂|² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½)
 *
 * Tr((Σ₁ Σ₂)^½) is computed as Σ √λᵢ over the eigenvalues of the symmetric S = Σ₁^½ Σ₂ Σ₁^½
 * (similar to Σ₁ Σ₂, so it has the same eigenvalues), with Σ₁^½ from a symmetric eigen-
 * decomposition (cyclic Jacobi). Plain float64 JavaScript: the features here have a few hundred
 * dimensions at most.
 */
import { covariance } from './covariance';
import { columnMeans } from './statistics';

export interface FeatureGaussian {
  dimensions: number;
  mean: Float64Array;
  /** Row-major d×d sample covariance (divided by n − 1). */
  covariance: Float64Array;
}

/** Mean and covariance of `n` rows of `d` features (`rows` is `n × d`, row-major). */
export function fitGaussian(rows: ArrayLike<number>, d: number): FeatureGaussian {
  const n = rows.length / d;
  if (!Number.isInteger(n) || n < 2) throw new Error(`need at least 2 rows of ${d} features, got ${rows.length / d}`);
  const mean = columnMeans(rows, d);
  return { dimensions: d, mean, covariance: covariance(rows, d, { mean, divideBy: 'n - 1' }) };
}

/**
 * Eigenvalues and eigenvectors of a symmetric d×d matrix by cyclic Jacobi rotations: `values[i]`
 * with eigenvector column i of `vectors` (row-major d×d).
 */
export function symmetricEigen(matrix: Float64Array, d: number, tolerance = 1e-12, maxSweeps = 100): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += a[i] * a[i];
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
    if (off <= tolerance * tolerance * Math.max(scale, 1e-300)) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J on rows and columns p, q.
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: d }, (_, i) => a[i * d + i]), vectors: v };
}

/** The symmetric square root of a symmetric positive semi-definite matrix. */
export function symmetricSqrt(matrix: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const root = Math.sqrt(Math.max(0, values[k]));
    if (root === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k] * root;
      for (let j = 0; j < d; j++) out[i * d + j] += vik * vectors[j * d + k];
    }
  }
  return out;
}

function multiply(x: Float64Array, y: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const xik = x[i * d + k];
      if (xik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += xik * y[k * d + j];
    }
  }
  return out;
}

/** The Fréchet distance d² between two fitted Gaussians. */
export function frechetDistance(p: FeatureGaussian, q: FeatureGaussian): number {
  const d = p.dimensions;
  if (q.dimensions !== d) throw new Error(`the Gaussians have ${d} and ${q.dimensions} dimensions`);
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (p.mean[j] - q.mean[j]) ** 2;
  let trace = 0;
  for (let j = 0; j < d; j++) trace += p.covariance[j * d + j] + q.covariance[j * d + j];
  const root = symmetricSqrt(p.covariance, d);
  const s = multiply(multiply(root, q.covariance, d), root, d);
  // Symmetrise against rounding before the eigen-decomposition.
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) s[i * d + j] = s[j * d + i] = (s[i * d + j] + s[j * d + i]) / 2;
  const { values } = symmetricEigen(s, d);
  let crossTrace = 0;
  for (const value of values) crossTrace += Math.sqrt(Math.max(0, value));
  return meanTerm + trace - 2 * crossTrace;
}

/**
 * Principal component analysis in float64 (d ≤ 784, k ≤ a few dozen), shared by the autoencoder
 * block (PCA against autoencoders, Hinton & Salakhutdinov 2006) and the sparse-coding block (PCA
 * of whitened patches against sparse codes): the top-k eigenvectors of the covariance
 * C = (1/n) Σ (x − μ)(x − μ)ᵀ (covariance.ts, divided by n); a reconstruction is μ + U Uᵀ (x − μ),
 * and its mean squared error on the data it was fitted to is the sum of the discarded eigenvalues.
 */
import { symmetricEigen } from './frechet';
import { Rng } from './random';
import { covariance, type CovarianceOptions } from './covariance';
import { columnMeans } from './statistics';

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
export function fitPca(rows: Float32Array, d: number, k: number, options: { iterations?: number; seed?: number; arithmetic?: CovarianceOptions['arithmetic'] } = {}): Pca {
  const mean = columnMeans(rows, d);
  const c = covariance(rows, d, { mean, divideBy: 'n', arithmetic: options.arithmetic });
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

/**
 * PCA reconstructions μ + U Uᵀ (x − μ) of `n × d` rows, using the first `k` components (default
 * all), accumulated in float64. Without a mean the rows are taken as centred already (μ = 0), as
 * whitened patches are.
 */
export function pcaReconstruct(pca: { d: number; k: number; mean?: ArrayLike<number>; components: ArrayLike<number> }, rows: Float32Array, k = pca.k): Float32Array {
  const d = pca.d;
  const n = rows.length / d;
  const out = new Float32Array(rows.length);
  const centred = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < d; a++) centred[a] = pca.mean ? rows[r * d + a] - pca.mean[a] : rows[r * d + a];
    const back = pca.mean ? Float64Array.from(pca.mean) : new Float64Array(d);
    for (let i = 0; i < k; i++) {
      const u = i * d;
      let coefficient = 0;
      for (let a = 0; a < d; a++) coefficient += pca.components[u + a] * centred[a];
      for (let a = 0; a < d; a++) back[a] += coefficient * pca.components[u + a];
    }
    out.set(back, r * d);
  }
  return out;
}


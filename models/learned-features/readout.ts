/**
 * The two read-outs the features are measured under, both from features to the tag indicator
 * vector of a photo:
 *
 * - kNN label transfer: Euclidean distance, then the distance-weighted vote of the multimodal
 *   DBM's kNN baseline (`voteTagScores`, k and γ as its `KNN_CONFIG`).
 * - Ridge regression: every dimension standardised on the fitting photos, then
 *     B = argmin ‖Y − X B‖² + λ‖B‖²  =  (XᵀX + λI)⁻¹ XᵀY   (or Xᵀ(XXᵀ + λI)⁻¹Y when d > n)
 *   with Y centred. Solved by Cholesky in float64. The scores XB + ȳ favour the frequent words for
 *   every photo, which the protocol's per-word averages punish, so each word's score is centred
 *   and divided by σ_w^β, its spread over the fitting photos (β = 0: as fitted; β = 1: z-scores),
 *   β chosen on validation like λ.
 */
import * as tf from '@tensorflow/tfjs';
import { voteTagScores, type TaggedPhotos, type VoteWeighting } from '@/models/multimodal-dbm/baselines';

/** Rows `rows` of a row-major [n × d] array, in that order. */
export function rowsOf(x: Float32Array, d: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

/** Two feature sets side by side, row by row, each scaled by 1/√2 (unit rows stay unit length). */
export function joinRows(a: Float32Array, da: number, b: Float32Array, db: number): Float32Array {
  const n = a.length / da;
  const out = new Float32Array(n * (da + db));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < da; j++) out[i * (da + db) + j] = a[i * da + j] * Math.SQRT1_2;
    for (let j = 0; j < db; j++) out[i * (da + db) + da + j] = b[i * db + j] * Math.SQRT1_2;
  }
  return out;
}

/** The value after `--name` on a command line. */
export function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

/** Rows of `x` ([n × d]) scaled to unit length (a zero row stays zero). */
export function l2NormaliseRows(x: Float32Array, d: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length / d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] ** 2;
    const scale = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out[i * d + j] = x[i * d + j] * scale;
  }
  return out;
}

/** kNN vote scores [nq × words] for query features against reference photos, Euclidean distance. */
export function euclideanKnnScores(query: Float32Array, nq: number, reference: TaggedPhotos, k: number, weighting: VoteWeighting): Float32Array {
  const d = reference.image.length / reference.n;
  const [index, distance] = tf.tidy(() => {
    const q = tf.tensor2d(query, [nq, d]);
    const r = tf.tensor2d(reference.image, [reference.n, d]);
    const d2 = tf.add(tf.sub(tf.sum(tf.square(q), 1, true), tf.mul(tf.matMul(q, r, false, true), 2)), tf.sum(tf.square(r), 1).reshape([1, -1]));
    const { values, indices } = tf.topk(tf.neg(d2), k);
    return [indices, tf.sqrt(tf.relu(tf.neg(values)))];
  });
  const neighbours = { k, index: index.dataSync() as Int32Array, distance: distance.dataSync() as Float32Array };
  index.dispose();
  distance.dispose();
  return voteTagScores(neighbours, reference, k, weighting, nq);
}

export interface Standardiser {
  mean: Float32Array;
  scale: Float32Array;
}

export function fitStandardiser(x: Float32Array, n: number, d: number): Standardiser {
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sq[j] += (x[i * d + j] - mean[j]) ** 2;
  let average = 0;
  for (let j = 0; j < d; j++) average += Math.sqrt(sq[j] / n) / d;
  // A floor keeps near-constant dimensions from being blown up into noise.
  const scale = Float32Array.from(sq, (s) => 1 / Math.max(Math.sqrt(s / n), 0.1 * average, 1e-12));
  return { mean: Float32Array.from(mean), scale };
}

export function standardise(x: Float32Array, d: number, s: Standardiser): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - s.mean[i % d]) * s.scale[i % d];
  return out;
}

/** In-place Cholesky A = LLᵀ of a symmetric positive-definite [m × m] (lower triangle written). */
export function cholesky(a: Float64Array, m: number): void {
  for (let j = 0; j < m; j++) {
    const rj = j * m;
    let s = a[rj + j];
    for (let k = 0; k < j; k++) s -= a[rj + k] * a[rj + k];
    if (!(s > 0)) throw new Error('ridge: matrix not positive definite');
    const ljj = Math.sqrt(s);
    a[rj + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      const ri = i * m;
      let t = a[ri + j];
      for (let k = 0; k < j; k++) t -= a[ri + k] * a[rj + k];
      a[ri + j] = t / ljj;
    }
  }
}

/** Solves LLᵀ X = B in place for B [m × r] (L from `cholesky`). */
export function choleskySolve(l: Float64Array, m: number, b: Float64Array, r: number): void {
  for (let i = 0; i < m; i++) {
    const bi = i * r;
    for (let k = 0; k < i; k++) {
      const lik = l[i * m + k];
      if (lik === 0) continue;
      const bk = k * r;
      for (let c = 0; c < r; c++) b[bi + c] -= lik * b[bk + c];
    }
    const inv = 1 / l[i * m + i];
    for (let c = 0; c < r; c++) b[bi + c] *= inv;
  }
  for (let i = m - 1; i >= 0; i--) {
    const bi = i * r;
    const inv = 1 / l[i * m + i];
    for (let c = 0; c < r; c++) b[bi + c] *= inv;
    for (let k = 0; k < i; k++) {
      const lik = l[i * m + k];
      if (lik === 0) continue;
      const bk = k * r;
      for (let c = 0; c < r; c++) b[bk + c] -= lik * b[bi + c];
    }
  }
}

export interface RidgeModel {
  standardiser: Standardiser;
  /** [d × words]. */
  weights: Float32Array;
  bias: Float32Array;
  d: number;
  words: number;
  /** Mean and deviation of each word's fitted score over the fitting photos. */
  scoreMean: Float32Array;
  scoreSpread: Float32Array;
}

/**
 * Ridge fits of `train` for each λ (λ given per photo: the penalty is λ·n). The targets are the
 * tag indicators (count > 0), or with `binary` false the values of `train.text` themselves.
 */
export function fitRidge(train: TaggedPhotos, lambdas: number[], binary = true): RidgeModel[] {
  const n = train.n;
  const d = train.image.length / n;
  const words = train.text.length / n;
  const standardiser = fitStandardiser(train.image, n, d);
  const x = standardise(train.image, d, standardiser);
  const bias = new Float32Array(words);
  const value = (v: number) => (binary ? (v > 0 ? 1 : 0) : v);
  for (let i = 0; i < n; i++) for (let w = 0; w < words; w++) bias[w] += value(train.text[i * words + w]) / n;
  const y = new Float32Array(n * words);
  for (let i = 0; i < n; i++) for (let w = 0; w < words; w++) y[i * words + w] = value(train.text[i * words + w]) - bias[w];
  const dual = d > n;
  const m = dual ? n : d;
  const [gram, rhs] = tf.tidy(() => {
    const X = tf.tensor2d(x, [n, d]);
    const Y = tf.tensor2d(y, [n, words]);
    return dual ? [tf.matMul(X, X, false, true), Y.clone()] : [tf.matMul(X, X, true, false), tf.matMul(X, Y, true, false)];
  });
  const g = Float64Array.from(gram.dataSync());
  const b = Float64Array.from(rhs.dataSync());
  gram.dispose();
  rhs.dispose();
  return lambdas.map((lambda) => {
    const a = Float64Array.from(g);
    for (let i = 0; i < m; i++) a[i * m + i] += lambda * n;
    cholesky(a, m);
    const sol = Float64Array.from(b);
    choleskySolve(a, m, sol, words);
    let weights: Float32Array;
    if (dual) {
      const t = tf.tidy(() => tf.matMul(tf.tensor2d(x, [n, d]), tf.tensor2d(Float32Array.from(sol), [n, words]), true, false));
      weights = t.dataSync() as Float32Array;
      t.dispose();
    } else {
      weights = Float32Array.from(sol);
    }
    const model: RidgeModel = { standardiser, weights, bias, d, words, scoreMean: new Float32Array(words), scoreSpread: new Float32Array(words).fill(1) };
    const fitted = ridgeScores(model, train.image, n);
    const sums = new Float64Array(words);
    const squares = new Float64Array(words);
    for (let i = 0; i < n; i++) for (let w = 0; w < words; w++) (sums[w] += fitted[i * words + w]), (squares[w] += fitted[i * words + w] ** 2);
    for (let w = 0; w < words; w++) {
      model.scoreMean[w] = sums[w] / n;
      model.scoreSpread[w] = Math.sqrt(Math.max(squares[w] / n - (sums[w] / n) ** 2, 0)) + 1e-6;
    }
    return model;
  });
}

/** Scores centred per word and divided by σ_w^β (β = 0 keeps the fitted order of words). */
export function spreadNormalised(model: RidgeModel, scores: Float32Array, beta: number): Float32Array {
  if (beta === 0) return scores;
  const out = new Float32Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const w = i % model.words;
    out[i] = (scores[i] - model.scoreMean[w]) / Math.pow(model.scoreSpread[w], beta);
  }
  return out;
}

export function ridgeScores(model: RidgeModel, features: Float32Array, nq: number): Float32Array {
  const x = standardise(features, model.d, model.standardiser);
  const out = tf.tidy(() => tf.add(tf.matMul(tf.tensor2d(x, [nq, model.d]), tf.tensor2d(model.weights, [model.d, model.words])), tf.tensor1d(model.bias)));
  const scores = out.dataSync() as Float32Array;
  out.dispose();
  return scores;
}

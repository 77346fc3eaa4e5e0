/**
 * Image features learned from the training photos without labels: the single-layer network of
 * Coates, Lee & Ng (AISTATS 2011, "An analysis of single-layer networks in unsupervised feature
 * learning") and Coates & Ng (2012, "Learning feature representations with k-means").
 *
 * Learning (train.ts), on random P×P colour patches x ∈ R^{3P²} of the training photos:
 *   p̂ = (p − mean(p)) / √(var(p) + ε_c)            per-patch brightness/contrast normalisation (1)
 *   x = W (p̂ − m),  W = U (Λ + ε_z)^{-½} Uᵀ         ZCA whitening fitted on the p̂              (2)
 *   spherical k-means on x: s = argmax_k |c_kᵀ x|, c_k ← Σ_{x→k} (c_kᵀx) x + c_k, ‖c_k‖ = 1  (3)
 *
 * Extraction (here), for a photo resized to S×S, at every position of a grid with step `stride`:
 *   z_k = ‖x − c_k‖,  f_k = max(0, mean_j(z_j) − z_k)      the "triangle" activation          (4)
 * then f summed over the cells of a G×G grid (position i in cell ⌊i·G/L⌋): G²·K numbers per photo.
 *
 * (1) and (2) fold into one convolution: W p̂ = (W p − μ W1) / s, so the photo is convolved once
 * with W as a P×P×3×3P² filter bank, μ and s come from two average pools, and (4) needs only
 * ‖x‖² and the dot products Cx (one matmul), since ‖x − c‖² = ‖x‖² − 2cᵀx + 1 for unit centroids.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '@/lib/random';
import { standardNormal } from '@/models/blocks/statistics';

export const CHECKPOINT_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'checkpoint');

export interface LearnedFeatureConfig {
  /** Photos are resized (cover, centre crop) to size × size before extraction. */
  size: number;
  /** Patch side P. */
  patch: number;
  /** Number of centroids K. */
  centroids: number;
  /** Pooling grid G (G × G cells). */
  grid: number;
  /** Step between patch positions at extraction (1: every position; 2: a quarter of them). Absent in older checkpoints: 1. */
  stride?: number;
  /** ε_c of (1), in units of [0, 1] pixel values squared (Coates et al.'s 10 on a 0–255 scale ≈ 0.00015; we use more, see README). */
  contrastEpsilon: number;
  /** ε_z of (2), on contrast-normalised patches (unit variance per pixel). */
  whiteningEpsilon: number;
}

export const DEFAULT_CONFIG: LearnedFeatureConfig = {
  size: 64,
  patch: 6,
  centroids: 800,
  grid: 2,
  // A quarter of the positions: 4× less work per photo (photo → tags must stay within 60 ms on one
  // core), measured on Flickr8k dev and Corel-5k in README.
  stride: 2,
  contrastEpsilon: 0.01,
  whiteningEpsilon: 0.1,
};

export const patchDims = (c: Pick<LearnedFeatureConfig, 'patch'>) => c.patch * c.patch * 3;
export const featureDims = (c: Pick<LearnedFeatureConfig, 'grid' | 'centroids'>) => c.grid * c.grid * c.centroids;

/** What training learns: the whitening and the centroids (row k = c_k, unit length, in whitened space). */
export interface LearnedFeatureWeights {
  config: LearnedFeatureConfig;
  /** m of (2), [dims]. */
  mean: Float32Array;
  /** W of (2), symmetric [dims × dims]. */
  whiten: Float32Array;
  /** [K × dims]. */
  centroids: Float32Array;
}

// ——— (1): one patch, as train.ts samples them ———

/**
 * A P×P colour patch at (x, y) of an S×S×3 HWC image, as a vector in the layout of a tfjs conv
 * filter's input side ((row · P + column) · 3 + channel), normalised by (1).
 */
export function normalisedPatch(pixels: Float32Array, size: number, x: number, y: number, config: LearnedFeatureConfig): Float32Array {
  const P = config.patch;
  const out = new Float32Array(patchDims(config));
  let sum = 0;
  let squares = 0;
  for (let r = 0; r < P; r++) {
    for (let c = 0; c < P; c++) {
      for (let ch = 0; ch < 3; ch++) {
        const v = pixels[((y + r) * size + (x + c)) * 3 + ch];
        out[(r * P + c) * 3 + ch] = v;
        sum += v;
        squares += v * v;
      }
    }
  }
  const mean = sum / out.length;
  const variance = Math.max(0, squares / out.length - mean * mean);
  const scale = 1 / Math.sqrt(variance + config.contrastEpsilon);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - mean) * scale;
  return out;
}

/** `count` patches at seeded random positions of one image, appended to `into` at row `at`. */
export function samplePatches(pixels: Float32Array, size: number, count: number, random: () => number, config: LearnedFeatureConfig, into: Float32Array, at: number): void {
  const dims = patchDims(config);
  const span = size - config.patch + 1;
  for (let i = 0; i < count; i++) {
    const x = Math.floor(random() * span);
    const y = Math.floor(random() * span);
    into.set(normalisedPatch(pixels, size, x, y, config), (at + i) * dims);
  }
}

// ——— (3): spherical k-means ———

export interface KMeansOptions {
  centroids: number;
  iterations: number;
  seed: number;
  /** Rows per matmul, to bound memory. */
  chunk?: number;
  onIteration?: (iteration: number, meanAbsDot: number, empty: number) => void;
}

/**
 * Spherical k-means (Coates & Ng 2012, §3) on whitened patches `[n × dims]`: each patch goes to the
 * centroid with the largest |cᵀx|, each centroid becomes the sum of its patches weighted by cᵀx
 * plus itself (which keeps an empty cluster where it was), then unit length. Returns `[K × dims]`.
 */
export function sphericalKMeans(patches: Float32Array, dims: number, options: KMeansOptions): Float32Array {
  const n = patches.length / dims;
  const K = options.centroids;
  const random = mulberry32(options.seed);
  const centroids = new Float32Array(K * dims);
  for (let i = 0; i < centroids.length; i++) centroids[i] = standardNormal(random);
  normaliseRows(centroids, dims);
  const chunk = options.chunk ?? 8192;
  for (let it = 0; it < options.iterations; it++) {
    const sums = new Float64Array(K * dims);
    const counts = new Int32Array(K);
    let total = 0;
    const C = tf.tensor2d(centroids, [K, dims]);
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      const block = patches.subarray(start * dims, (start + rows) * dims);
      const [best, dots] = tf.tidy(() => {
        const d = tf.matMul(tf.tensor2d(block, [rows, dims]), C, false, true); // [rows, K]
        const k = tf.argMax(tf.abs(d), 1);
        return [k, tf.sum(tf.mul(d, tf.oneHot(k, K)), 1)];
      });
      const bestData = best.dataSync() as Int32Array;
      const dotData = dots.dataSync() as Float32Array;
      best.dispose();
      dots.dispose();
      for (let r = 0; r < rows; r++) {
        const k = bestData[r];
        const s = dotData[r];
        total += Math.abs(s);
        counts[k] += 1;
        const off = k * dims;
        const src = (start + r) * dims;
        for (let j = 0; j < dims; j++) sums[off + j] += s * patches[src + j];
      }
    }
    C.dispose();
    let empty = 0;
    for (let k = 0; k < K; k++) {
      if (counts[k] === 0) empty += 1;
      for (let j = 0; j < dims; j++) centroids[k * dims + j] += sums[k * dims + j];
    }
    normaliseRows(centroids, dims);
    options.onIteration?.(it + 1, total / n, empty);
  }
  return centroids;
}

function normaliseRows(m: Float32Array, dims: number): void {
  for (let k = 0; k < m.length / dims; k++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += m[k * dims + j] ** 2;
    const scale = 1 / Math.sqrt(s || 1);
    for (let j = 0; j < dims; j++) m[k * dims + j] *= scale;
  }
}

// ——— (4): extraction as convolutions ———

/** The tensors extraction needs, built once from the weights. Dispose when done. */
export interface LearnedFeatureExtractor {
  config: LearnedFeatureConfig;
  /** W as a conv filter bank [P, P, 3, dims]. */
  filters: tf.Tensor4D;
  /** W1 (the response of W to a constant patch), [dims]. */
  filterSums: tf.Tensor1D;
  /** W m, [dims]. */
  whitenedMean: tf.Tensor1D;
  /** Cᵀ, [dims, K]. */
  centroidsT: tf.Tensor2D;
  dispose(): void;
}

export function createExtractor(weights: LearnedFeatureWeights): LearnedFeatureExtractor {
  const { config, whiten, mean, centroids } = weights;
  const dims = patchDims(config);
  const P = config.patch;
  // Filter input index i = (row·P + col)·3 + ch matches the patch layout; output o is row o of W.
  const [filters, filterSums, whitenedMean, centroidsT] = tf.tidy(() => {
    const W = tf.tensor2d(whiten, [dims, dims]);
    return [
      tf.reshape(tf.transpose(W), [P, P, 3, dims]) as tf.Tensor4D,
      tf.sum(W, 1) as tf.Tensor1D,
      tf.squeeze(tf.matMul(W, tf.tensor2d(mean, [dims, 1])), [1]) as tf.Tensor1D,
      tf.transpose(tf.tensor2d(centroids, [config.centroids, dims])) as tf.Tensor2D,
    ];
  });
  const kept = [filters, filterSums, whitenedMean, centroidsT];
  return { config, filters, filterSums, whitenedMean, centroidsT, dispose: () => kept.forEach((t) => t.dispose()) };
}

/**
 * Whitened, normalised patches x of (1)–(2) at every `stride`-th position: [n, S, S, 3] →
 * [n, L, L, dims], L = ⌊(S − P) / stride⌋ + 1.
 */
export function whitenedPatchMaps(images: tf.Tensor4D, ex: LearnedFeatureExtractor): tf.Tensor4D {
  return tf.tidy(() => {
    const P = ex.config.patch;
    const stride = ex.config.stride ?? 1;
    const grey = tf.mean(images, -1, true) as tf.Tensor4D;
    const mu = tf.avgPool(grey, P, stride, 'valid'); // patch mean over its 3P² values
    const meanSquare = tf.avgPool(tf.mean(tf.square(images), -1, true) as tf.Tensor4D, P, stride, 'valid');
    const s = tf.sqrt(tf.add(tf.relu(tf.sub(meanSquare, tf.square(mu))), ex.config.contrastEpsilon));
    const Wp = tf.conv2d(images, ex.filters, stride, 'valid');
    return tf.sub(tf.div(tf.sub(Wp, tf.mul(mu, ex.filterSums)), s), ex.whitenedMean) as tf.Tensor4D;
  });
}

/**
 * Pooled triangle activations (4): [n, S, S, 3] → n rows of G²·K numbers, cell-major (cell (0,0)'s
 * K numbers first). The convolution and the matmul run in tfjs; (4) and the pooling run in one
 * plain loop over the dot products, because tfjs's element-wise kernels on the [L², K] map cost
 * more than the matmul itself (about 40 ms per op per photo against 24 ms).
 */
export function learnedFeatures(images: tf.Tensor4D, ex: LearnedFeatureExtractor): Float32Array[] {
  const n = images.shape[0];
  const { grid, centroids: K } = ex.config;
  const [dotsT, normsT] = tf.tidy(() => {
    const x = whitenedPatchMaps(images, ex);
    const flat = tf.reshape(x, [-1, x.shape[3]!]);
    return [tf.matMul(flat, ex.centroidsT), tf.sum(tf.square(flat), 1)]; // [n·L·L, K], [n·L·L]
  });
  const dots = dotsT.dataSync() as Float32Array;
  const norms = normsT.dataSync() as Float32Array;
  dotsT.dispose();
  normsT.dispose();
  const L = Math.round(Math.sqrt(norms.length / n));
  const cellOf = Int32Array.from({ length: L }, (_, i) => Math.min(grid - 1, Math.floor((i * grid) / L)));
  const z = new Float32Array(K);
  const out: Float32Array[] = [];
  for (let img = 0; img < n; img++) {
    const pooled = new Float32Array(grid * grid * K);
    for (let y = 0; y < L; y++) {
      for (let x = 0; x < L; x++) {
        const p = (img * L + y) * L + x;
        const base = p * K;
        const norm = norms[p] + 1; // ‖x‖² + ‖c‖², centroids unit length
        let mean = 0;
        for (let k = 0; k < K; k++) {
          const d2 = norm - 2 * dots[base + k];
          z[k] = d2 > 0 ? Math.sqrt(d2) : 0;
          mean += z[k];
        }
        mean /= K;
        const cell = (cellOf[y] * grid + cellOf[x]) * K;
        for (let k = 0; k < K; k++) if (z[k] < mean) pooled[cell + k] += mean - z[k];
      }
    }
    out.push(pooled);
  }
  return out;
}

/** Features of photos given as S×S×3 HWC pixel arrays in [0, 1], in batches; one Float32Array per photo. */
export function extractFeatures(pixels: Float32Array[], ex: LearnedFeatureExtractor, batch = 8): Float32Array[] {
  const S = ex.config.size;
  const per = S * S * 3;
  const out: Float32Array[] = [];
  for (let start = 0; start < pixels.length; start += batch) {
    const part = pixels.slice(start, start + batch);
    const data = new Float32Array(part.length * per);
    part.forEach((p, i) => {
      if (p.length !== per) throw new Error(`learned features need ${S}×${S} RGB pixels, got ${p.length} values`);
      data.set(p, i * per);
    });
    const images = tf.tensor4d(data, [part.length, S, S, 3]);
    try {
      out.push(...learnedFeatures(images, ex));
    } finally {
      images.dispose();
    }
  }
  return out;
}

// ——— checkpoint ———

/** Weights as one float32 buffer: mean, then W, then the centroids. */
export function serialiseWeights(w: LearnedFeatureWeights): Uint8Array {
  const all = new Float32Array(w.mean.length + w.whiten.length + w.centroids.length);
  all.set(w.mean, 0);
  all.set(w.whiten, w.mean.length);
  all.set(w.centroids, w.mean.length + w.whiten.length);
  return new Uint8Array(all.buffer);
}

export function deserialiseWeights(bytes: Uint8Array, config: LearnedFeatureConfig): LearnedFeatureWeights {
  const dims = patchDims(config);
  const expected = (dims + dims * dims + config.centroids * dims) * 4;
  if (bytes.byteLength !== expected) throw new Error(`learned-features weights hold ${bytes.byteLength} bytes, expected ${expected}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return {
    config,
    mean: all.slice(0, dims),
    whiten: all.slice(dims, dims + dims * dims),
    centroids: all.slice(dims + dims * dims),
  };
}

// ——— the app's feature vector: learned features joined with GIST+colour ———

/**
 * What the app stores and the Flickr-trained tagger reads for a photo, from the same 128×128
 * pixels GIST+colour takes (`toModelInput`): the photo averaged down 2×2 to the learned features'
 * size, their pooled activations square-rooted and scaled to unit length, then joined with the
 * unit-length GIST+colour vector, each half weighted 1/√2 (so the whole has unit length).
 */
export function joinedFeatures(pixels128: Float32Array[], ex: LearnedFeatureExtractor, gistColour: Float32Array[]): Float32Array[] {
  const S = ex.config.size;
  const from = 2 * S;
  if (pixels128.length !== gistColour.length) throw new Error('joinedFeatures: one GIST+colour vector per photo');
  const small = pixels128.map((p) => {
    if (p.length !== from * from * 3) throw Object.assign(new Error(`Learned features need ${from}×${from} RGB pixels.`), { code: 'BAD_REQUEST' });
    return averageDown(p, from);
  });
  const learned = extractFeatures(small, ex);
  const dims = featureDims(ex.config);
  return learned.map((v, i) => {
    const g = gistColour[i];
    const out = new Float32Array(dims + g.length);
    let s = 0;
    for (let j = 0; j < dims; j++) s += (out[j] = Math.sqrt(Math.max(v[j], 0))) ** 2;
    const scale = s > 0 ? Math.SQRT1_2 / Math.sqrt(s) : 0;
    for (let j = 0; j < dims; j++) out[j] *= scale;
    let gs = 0;
    for (let j = 0; j < g.length; j++) gs += g[j] * g[j];
    const gScale = gs > 0 ? Math.SQRT1_2 / Math.sqrt(gs) : 0;
    for (let j = 0; j < g.length; j++) out[dims + j] = g[j] * gScale;
    return out;
  });
}

/** An s×s×3 HWC image averaged over 2×2 blocks: (s/2)×(s/2)×3. */
export function averageDown(pixels: Float32Array, s: number): Float32Array {
  const h = s / 2;
  const out = new Float32Array(h * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < h; x++) {
      for (let c = 0; c < 3; c++) {
        const at = (r: number, q: number) => pixels[(r * s + q) * 3 + c];
        out[(y * h + x) * 3 + c] = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
      }
    }
  }
  return out;
}

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@/lib/random';
import { initBackend } from '@/lib/tfjs/backend';
import {
  createExtractor,
  deserialiseWeights,
  extractFeatures,
  featureDims,
  patchDims,
  samplePatches,
  serialiseWeights,
  sphericalKMeans,
  whitenedPatchMaps,
  type LearnedFeatureConfig,
  type LearnedFeatureWeights,
} from '@/models/learned-features/model';
import { covariance } from '@/models/blocks/covariance';
import { applySymmetric, fitWhitening, whitenPatches } from '@/models/blocks/whitening';

const CONFIG: LearnedFeatureConfig = { size: 24, patch: 6, centroids: 16, grid: 2, contrastEpsilon: 0.01, whiteningEpsilon: 0.01 };

/** Smooth random colour images (sums of a few sinusoids), so patches have natural-ish correlations. */
function images(count: number, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const px = new Float32Array(CONFIG.size * CONFIG.size * 3);
    const waves = Array.from({ length: 4 }, () => ({ fx: random() * 0.8, fy: random() * 0.8, phase: random() * 6.28, colour: [random(), random(), random()] }));
    for (let y = 0; y < CONFIG.size; y++) {
      for (let x = 0; x < CONFIG.size; x++) {
        for (let c = 0; c < 3; c++) {
          let v = 0.5 + 0.1 * (random() - 0.5);
          for (const w of waves) v += 0.1 * w.colour[c] * Math.sin(w.fx * x + w.fy * y + w.phase);
          px[(y * CONFIG.size + x) * 3 + c] = v;
        }
      }
    }
    return px;
  });
}

function train(seed: number): { weights: LearnedFeatureWeights; patches: Float32Array } {
  const dims = patchDims(CONFIG);
  const photos = images(40, seed);
  const perPhoto = 100;
  const patches = new Float32Array(photos.length * perPhoto * dims);
  const random = mulberry32(seed);
  photos.forEach((p, i) => samplePatches(p, CONFIG.size, perPhoto, random, CONFIG, patches, i * perPhoto));
  const whitening = fitWhitening(patches, dims, CONFIG.whiteningEpsilon);
  const centroids = sphericalKMeans(whitenPatches(whitening, patches), dims, { centroids: CONFIG.centroids, iterations: 5, seed });
  return { weights: { config: CONFIG, mean: whitening.mean, whiten: whitening.whiten, centroids }, patches };
}

describe('learned features (Coates & Ng single layer)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('whitening makes the covariance of training patches close to the identity', () => {
    const { weights, patches } = train(1);
    const dims = patchDims(CONFIG);
    const cov = covariance(applySymmetric(weights.whiten, patches, dims, weights.mean), dims, { divideBy: 'n' });
    // With ε > 0 the weakest directions are damped, so the diagonal sits a little below 1 there.
    let offDiagonal = 0;
    let diagonal = 0;
    for (let i = 0; i < dims; i++) {
      for (let j = 0; j < dims; j++) {
        if (i === j) diagonal += cov[i * dims + j] / dims;
        else offDiagonal = Math.max(offDiagonal, Math.abs(cov[i * dims + j]));
      }
    }
    expect(offDiagonal).toBeLessThan(0.05);
    expect(diagonal).toBeGreaterThan(0.6);
    expect(diagonal).toBeLessThan(1.01);
  });

  it('the same seed gives the same centroids and features; centroids have unit length', () => {
    const a = train(7).weights;
    const b = train(7).weights;
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    const dims = patchDims(CONFIG);
    for (let k = 0; k < CONFIG.centroids; k++) {
      let s = 0;
      for (let j = 0; j < dims; j++) s += a.centroids[k * dims + j] ** 2;
      expect(s).toBeCloseTo(1, 4);
    }
    const ex = createExtractor(a);
    const photos = images(3, 99);
    const [f1, f2] = [extractFeatures(photos, ex, 2), extractFeatures(photos, ex, 3)];
    ex.dispose();
    expect(f1).toHaveLength(3);
    expect(f1[0]).toHaveLength(featureDims(CONFIG));
    f1.forEach((v, i) => v.forEach((x, j) => expect(x).toBeCloseTo(f2[i][j], 3)));
    expect(f1[0].some((x) => x > 0)).toBe(true);
    expect(f1[0].every((x) => x >= 0)).toBe(true);
  });

  it('the convolutional whitening equals normalising and whitening each patch by hand', () => {
    const { weights } = train(3);
    const ex = createExtractor(weights);
    const [photo] = images(1, 5);
    const dims = patchDims(CONFIG);
    const maps = tf.tidy(() => whitenedPatchMaps(tf.tensor4d(photo, [1, CONFIG.size, CONFIG.size, 3]), ex));
    const L = maps.shape[1]!;
    const values = maps.dataSync();
    maps.dispose();
    ex.dispose();
    const patch = new Float32Array(dims);
    for (const [x, y] of [[0, 0], [5, 11], [L - 1, L - 1]]) {
      samplePatches(photo, CONFIG.size, 1, (() => { let call = 0; return () => (call++ === 0 ? (x + 0.5) / L : (y + 0.5) / L); })(), CONFIG, patch, 0);
      const expected = applySymmetric(weights.whiten, patch, dims, weights.mean);
      for (let j = 0; j < dims; j++) expect(values[(y * L + x) * dims + j]).toBeCloseTo(expected[j], 2);
    }
  });

  it('extraction leaks no tensors, and the weights survive a round trip', () => {
    const { weights } = train(2);
    const copy = deserialiseWeights(serialiseWeights(weights), CONFIG);
    expect(Array.from(copy.whiten)).toEqual(Array.from(weights.whiten));
    const before = tf.memory().numTensors;
    const ex = createExtractor(copy);
    const photos = images(2, 4);
    extractFeatures(photos, ex);
    const during = tf.memory().numTensors;
    extractFeatures(photos, ex);
    extractFeatures(photos, ex, 1);
    expect(tf.memory().numTensors).toBe(during);
    ex.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

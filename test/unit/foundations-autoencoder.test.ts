/**
 * The autoencoder block: principal angles, PCA's reconstruction error as the sum of the discarded
 * eigenvalues, a linear autoencoder trained by gradient descent finding PCA's subspace (Baldi &
 * Hornik), and the committed checkpoint's figure.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@/lib/tfjs/backend';
import { symmetricEigen } from '@/models/blocks/frechet';
import { figures } from '@/models/autoencoder/figures';
import { fitPca, pcaReconstruct } from '@/models/blocks/pca';
import { covariance } from '@/models/blocks/covariance';
import { columnMeans, mean } from '@/models/blocks/statistics';
import { DeepAutoencoder, LinearAutoencoder, principalAngles, squaredErrors } from '@/models/autoencoder/model';
import { mulberry32 } from '@/lib/random';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Gaussian numbers (Box–Muller) from a seeded stream. */
function gaussians(count: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

/** n points in d dimensions near a rank-r subspace: z A (A: r × d, scaled per direction) plus a little isotropic noise, plus an offset. */
function lowRankData(n: number, d: number, r: number, noise: number, seed: number): { rows: Float32Array; basis: Float64Array } {
  const basis = gaussians(r * d, seed);
  const z = gaussians(n * r, seed + 1);
  const e = gaussians(n * d, seed + 2);
  const rows = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    let s = 0.3 * j;
    for (let t = 0; t < r; t++) s += (r - t + 1) * z[i * r + t] * basis[t * d + j];
    rows[i * d + j] = s + noise * e[i * d + j];
  }
  return { rows, basis };
}

describe('principal angles', () => {
  it('are 0° between a subspace and itself, whatever its basis', () => {
    const d = 9;
    const a = gaussians(3 * d, 5);
    // Another basis of the same span: b = M a with M invertible.
    const m = [2, 1, 0, -1, 3, 1, 0.5, 0, 1];
    const b = new Float64Array(3 * d);
    for (let i = 0; i < 3; i++) for (let t = 0; t < 3; t++) for (let j = 0; j < d; j++) b[i * d + j] += m[i * 3 + t] * a[t * d + j];
    for (const angle of principalAngles(a, b, 3, d)) expect(angle).toBeLessThan(1e-5);
  });

  it('are 90° between orthogonal subspaces, and θ between lines θ apart', () => {
    const d = 6;
    const e = (i: number) => Float64Array.from({ length: d }, (_, j) => (j === i ? 1 : 0));
    const a = new Float64Array([...e(0), ...e(1)]);
    const b = new Float64Array([...e(2), ...e(4)]);
    for (const angle of principalAngles(a, b, 2, d)) expect(angle).toBeCloseTo(90, 6);
    const theta = (17 * Math.PI) / 180;
    const line = Float64Array.from({ length: d }, (_, j) => (j === 0 ? Math.cos(theta) : j === 3 ? Math.sin(theta) : 0));
    expect(principalAngles(e(0), line, 1, d)[0]).toBeCloseTo(17, 6);
    // Mixed: one shared direction, one orthogonal.
    const mixed = principalAngles(a, new Float64Array([...e(1), ...e(5)]), 2, d);
    expect(mixed[0]).toBeCloseTo(0, 6);
    expect(mixed[1]).toBeCloseTo(90, 6);
  });
});

describe('PCA', () => {
  it('finds the covariance eigenvalues, and its training error is the sum of the discarded ones', () => {
    const d = 10;
    const { rows } = lowRankData(400, d, 4, 0.5, 11);
    const k = 3;
    const pca = fitPca(rows, d, k);
    const full = Array.from(symmetricEigen(covariance(rows, d, { divideBy: 'n' }), d).values).sort((x, y) => y - x);
    for (let i = 0; i < k; i++) expect(pca.eigenvalues[i]).toBeCloseTo(full[i], 3);
    const discarded = full.slice(k).reduce((s, v) => s + v, 0);
    const error = mean(squaredErrors(rows, pcaReconstruct(pca, rows), d));
    expect(error).toBeCloseTo(discarded, 3);
    // More components, less error; all of them, none.
    expect(mean(squaredErrors(rows, pcaReconstruct(pca, rows, 2), d))).toBeGreaterThan(error + 0.1);
    const all = fitPca(rows, d, d - 1);
    expect(mean(squaredErrors(rows, pcaReconstruct(all, rows), d))).toBeCloseTo(full[d - 1], 3);
  });
});

describe('linear autoencoder', () => {
  it('trained by gradient descent on the squared error, spans the top-K principal subspace', () => {
    const d = 12;
    const k = 3;
    const { rows } = lowRankData(500, d, k, 0.3, 21);
    const pca = fitPca(rows, d, k);
    const mu = columnMeans(rows, d);
    const c = tf.tensor2d(Float32Array.from(covariance(rows, d, { mean: mu, divideBy: 'n' })), [d, d]);
    const ae = new LinearAutoencoder(d, k, 3);
    const before = principalAngles(ae.basis(), pca.components, k, d);
    expect(Math.max(...before)).toBeGreaterThan(30);
    let loss = Infinity;
    // A step size for this data's scale (MNIST's training uses 0.02 with λ₁ ≈ 5.3: about 0.1 / λ₁).
    const rate = 0.1 / pca.eigenvalues[0];
    for (let step = 0; step < 600; step++) loss = ae.step(c, rate, 0.9);
    c.dispose();
    const after = principalAngles(ae.basis(), pca.components, k, d);
    expect(Math.max(...after)).toBeLessThan(0.5);
    // Its loss is PCA's: the sum of the discarded eigenvalues, and its reconstructions are PCA's.
    const pcaError = mean(squaredErrors(rows, pcaReconstruct(pca, rows), d));
    expect(loss).toBeCloseTo(pcaError, 2);
    expect(mean(squaredErrors(rows, ae.reconstruct(rows, mu), d))).toBeCloseTo(pcaError, 2);
    ae.dispose();
  });
});

describe('deep autoencoder', () => {
  it('has the mirrored shape, and Adam steps lower its reconstruction error', () => {
    const ae = new DeepAutoencoder({ layers: [784, 20, 5], learningRate: 0.01 }, 1);
    expect(ae.parameterCount).toBe(784 * 20 + 20 + 20 * 5 + 5 + 5 * 20 + 20 + 20 * 784 + 784);
    const random = mulberry32(4);
    const images = Float32Array.from({ length: 20 * 784 }, (_, i) => ((i % 784) < 392 ? 0.8 : 0.1) * (i < 10 * 784 ? 1 : random()));
    const first = ae.trainStep(images).squaredError;
    let last = first;
    for (let i = 0; i < 60; i++) last = ae.trainStep(images).squaredError;
    expect(last).toBeLessThan(first / 2);
    expect(ae.codes(images.subarray(0, 784))).toHaveLength(5);
    ae.dispose();
  });
});

describe('the committed checkpoint', () => {
  it('draws held-out digits over their deep, PCA and linear reconstructions', async () => {
    const { version } = await figures.load();
    expect(version).toMatch(/^autoencoder-[0-9a-f]{12}$/);
    expect(figures.names).toEqual(['reconstructions']);
    const figure = await figures.figure('reconstructions', 7);
    expect(figure.block).toBe('autoencoder');
    expect(figure.panels.map((p) => p.title)).toEqual(['Held-out digits', 'Deep autoencoder (784-500-250-30)', 'PCA, 30 components', 'Linear autoencoder, 10 units']);
    for (const panel of figure.panels) {
      expect(panel.pictures).toHaveLength(8);
      for (const picture of panel.pictures) expect(picture.pixels).toHaveLength(28 * 28);
    }
    // The same seed, the same digits; another seed, others.
    const again = await figures.figure('reconstructions', 7);
    expect(again.panels[0].pictures.map((p) => p.label)).toEqual(figure.panels[0].pictures.map((p) => p.label));
    const other = await figures.figure('reconstructions', 8);
    expect(other.panels[0].pictures.map((p) => p.label)).not.toEqual(figure.panels[0].pictures.map((p) => p.label));
    await expect(figures.figure('nope', 1)).rejects.toThrow(/no figure/);
  }, 60_000);
});

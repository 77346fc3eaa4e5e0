/**
 * The GAN's parts: the generator's output, latents named by seeds, spherical interpolation, a
 * training step of the game, and the Fréchet distance against closed forms. A small untrained
 * model keeps it fast; the committed checkpoint is exercised in gan.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@/lib/tfjs/backend';
import { mulberry32 } from '@/lib/random';
import { fitGaussian, frechetDistance, symmetricEigen, type FeatureGaussian } from '@/models/blocks/frechet';
import { shrinkOmniglot } from '@/models/gan/data';
import { latentsFor, latentOf } from '@/models/gan/serve';
import { Gan, IMAGE_PIXELS, latentFromSeed, slerp } from '@/models/gan/model';
import { Vae } from '@/models/gan/vae';

let gan: Gan;
const LATENT = 8;

beforeAll(async () => {
  await initBackend('wasm');
  gan = new Gan({ latent: LATENT, wide: 8, narrow: 4 }, 3);
});

afterAll(() => gan?.dispose());

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('the generator', () => {
  it('draws 28×28 images in [−1, 1] (tanh), and sample() gives grey levels in [0, 1]', () => {
    const images = tf.tidy(() => gan.generate(tf.randomNormal([5, LATENT], 0, 1, 'float32', 1) as tf.Tensor2D).arraySync() as number[][][][]);
    expect([images.length, images[0].length, images[0][0].length, images[0][0][0].length]).toEqual([5, 28, 28, 1]);
    const values = images.flat(3);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    const grey = gan.sample(latentFromSeed(4, 3 * LATENT));
    expect(grey).toHaveLength(3 * IMAGE_PIXELS);
    expect(grey.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('the same latent seed gives the same image; a sample does not depend on its batch', () => {
    const one = gan.sample(latentFromSeed(11, LATENT));
    const latents = new Float32Array(3 * LATENT);
    latents.set(latentFromSeed(5, LATENT), 0);
    latents.set(latentFromSeed(11, LATENT), LATENT);
    latents.set(latentFromSeed(6, LATENT), 2 * LATENT);
    const batch = gan.sample(latents);
    const second = batch.subarray(IMAGE_PIXELS, 2 * IMAGE_PIXELS);
    for (let i = 0; i < IMAGE_PIXELS; i++) expect(second[i]).toBeCloseTo(one[i], 5);
    expect(Array.from(gan.sample(latentFromSeed(12, LATENT)))).not.toEqual(Array.from(one));
  });

  it('two models from one seed start with the same weights', () => {
    const a = new Gan({ latent: LATENT, wide: 8, narrow: 4 }, 9);
    const b = new Gan({ latent: LATENT, wide: 8, narrow: 4 }, 9);
    try {
      expect(Array.from(a.sample(latentFromSeed(1, LATENT)))).toEqual(Array.from(b.sample(latentFromSeed(1, LATENT))));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('one round of the game moves both players and reports D(x), D(G(z)) as probabilities', () => {
    const learner = new Gan({ latent: LATENT, wide: 8, narrow: 4 }, 5);
    try {
      const random = mulberry32(2);
      const real = Float32Array.from({ length: 16 * IMAGE_PIXELS }, () => (random() < 0.2 ? 1 : -1));
      const before = learner.sample(latentFromSeed(1, LATENT));
      const discriminatorBefore = learner.named()['d/dense/W'].dataSync().slice();
      const step = learner.trainStep(real, 1);
      expect(Number.isFinite(step.discriminatorLoss) && Number.isFinite(step.generatorLoss)).toBe(true);
      for (const p of [step.realScore, step.fakeScore]) expect(p > 0 && p < 1).toBe(true);
      expect(Array.from(learner.named()['d/dense/W'].dataSync())).not.toEqual(Array.from(discriminatorBefore));
      expect(Array.from(learner.sample(latentFromSeed(1, LATENT)))).not.toEqual(Array.from(before));
      // At the start D cannot tell: its loss is about 2·log 2.
      expect(step.discriminatorLoss).toBeGreaterThan(1);
      expect(step.discriminatorLoss).toBeLessThan(2);
    } finally {
      learner.dispose();
    }
  });
});

describe('latents', () => {
  it('a seed names the same standard normal vector every time', () => {
    expect(Array.from(latentFromSeed(42, 64))).toEqual(Array.from(latentFromSeed(42, 64)));
    const many = latentFromSeed(7, 20_000);
    const mean = many.reduce((s, v) => s + v, 0) / many.length;
    const variance = many.reduce((s, v) => s + (v - mean) ** 2, 0) / many.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('spherical interpolation starts and ends at the two latents and keeps a typical length on the way', () => {
    const a = latentFromSeed(1, 64);
    const b = latentFromSeed(2, 64);
    expect(Array.from(slerp(a, b, 0)).map((v, i) => v - a[i]).every((d) => Math.abs(d) < 1e-5)).toBe(true);
    expect(Array.from(slerp(a, b, 1)).map((v, i) => v - b[i]).every((d) => Math.abs(d) < 1e-5)).toBe(true);
    const middle = slerp(a, b, 0.5);
    const linear = a.map((v, i) => (v + b[i]) / 2);
    // Two independent 64-d normals are nearly orthogonal: the straight line's midpoint is ~30% shorter.
    expect(norm(middle)).toBeGreaterThan(0.9 * Math.min(norm(a), norm(b)));
    expect(norm(linear)).toBeLessThan(0.8 * Math.min(norm(a), norm(b)));
  });

  it('a nudge is a small step for a small amount and keeps the length typical', () => {
    const z = latentOf({ seed: 3 }, 64);
    const near = latentOf({ seed: 3, nudges: [{ seed: 9, amount: 0.1 }] }, 64);
    const far = latentOf({ seed: 3, nudges: [{ seed: 9, amount: 1 }] }, 64);
    const distance = (u: Float32Array, v: Float32Array) => Math.sqrt(u.reduce((s, x, i) => s + (x - v[i]) ** 2, 0));
    expect(distance(z, near)).toBeLessThan(0.2 * distance(z, far));
    expect(Math.abs(norm(far) - Math.sqrt(64))).toBeLessThan(3);
  });

  it('a request names its latents: samples by consecutive seeds, a walk by its ends, variations by nudges', () => {
    expect(latentsFor({ task: 'samples', count: 3, seed: 10 }, 8).refs).toEqual([{ seed: 10 }, { seed: 11 }, { seed: 12 }]);
    const walk = latentsFor({ task: 'interpolate', from: { seed: 1 }, to: { seed: 2 }, steps: 4 }, 8);
    expect(walk.refs).toEqual([{ seed: 1 }, null, null, { seed: 2 }]);
    expect(Array.from(walk.vectors[0])).toEqual(Array.from(latentFromSeed(1, 8)));
    const varied = latentsFor({ task: 'vary', latent: { seed: 5 }, count: 2, seed: 20, amount: 0.3 }, 8);
    expect(varied.refs).toEqual([
      { seed: 5, nudges: [{ seed: 20, amount: 0.3 }] },
      { seed: 5, nudges: [{ seed: 21, amount: 0.3 }] },
    ]);
    // A variation of a variation keeps the first nudge.
    const again = latentsFor({ task: 'vary', latent: varied.refs[1]!, count: 1, seed: 4, amount: 0.1 }, 8);
    expect(again.refs).toEqual([{ seed: 5, nudges: [{ seed: 21, amount: 0.3 }, { seed: 4, amount: 0.1 }] }]);
    expect(Array.from(again.vectors[0])).not.toEqual(Array.from(varied.vectors[1]));
    expect(() => latentsFor({ task: 'samples', count: 65, seed: 0 }, 8)).toThrow(/1 to 64/);
    expect(() => latentsFor({ task: 'interpolate', from: { seed: 1 }, to: { seed: 2 }, steps: 1 }, 8)).toThrow(/2 to 16/);
  });
});

describe('Omniglot at 28×28', () => {
  it('shrinks a 105×105 drawing by area averaging: the ink is kept, a stroke lands where it was', () => {
    const image = new Float32Array(105 * 105);
    // A vertical bar 5 px wide, x 50–54, over the full height.
    for (let y = 0; y < 105; y++) for (let x = 50; x < 55; x++) image[y * 105 + x] = 1;
    const small = shrinkOmniglot(image);
    expect(small).toHaveLength(784);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(small)).toBeCloseTo(mean(image), 5);
    // 105 / 28 = 3.75 px a pixel: the bar covers columns 13 and 14, nothing else.
    const columns = Array.from({ length: 28 }, (_, x) => small[14 * 28 + x]);
    expect(columns.findIndex((v) => v > 0)).toBe(13);
    expect(columns.slice(15).every((v) => v === 0)).toBe(true);
  });
});

describe('the VAE it is compared with', () => {
  it('its lower bound is finite and below zero, and training steps raise it', () => {
    const vae = new Vae({ latent: 4, wide: 8, narrow: 4 }, 2);
    try {
      const random = mulberry32(4);
      const images = Float32Array.from({ length: 8 * IMAGE_PIXELS }, (_, i) => (i % IMAGE_PIXELS < 392 ? 0.9 : 0.05 * random()));
      const before = vae.meanBound(images, 1);
      expect(Number.isFinite(before) && before < 0).toBe(true);
      for (let s = 0; s < 100; s++) vae.trainStep(images, s);
      expect(vae.meanBound(images, 1)).toBeGreaterThan(before + 150);
      const sample = vae.sample(latentFromSeed(1, 4));
      expect(sample.every((v) => v >= 0 && v <= 1)).toBe(true);
    } finally {
      vae.dispose();
    }
  });
});

describe('the Fréchet distance', () => {
  const gaussian = (mean: number[], covariance: number[][]): FeatureGaussian => ({
    dimensions: mean.length,
    mean: Float64Array.from(mean),
    covariance: Float64Array.from(covariance.flat()),
  });

  it('between diagonal Gaussians is |μ₁ − μ₂|² + Σ (σ₁ − σ₂)²', () => {
    const p = gaussian([0, 1, 2], [[4, 0, 0], [0, 1, 0], [0, 0, 9]]);
    const q = gaussian([1, 1, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(frechetDistance(p, q)).toBeCloseTo(1 + 0 + 4 + (2 - 1) ** 2 + 0 + (3 - 1) ** 2, 8);
    expect(frechetDistance(p, p)).toBeCloseTo(0, 8);
  });

  it('between full 2×2 covariances matches the closed form Tr(Σ₁Σ₂)^½ = √(Tr Σ₁Σ₂ + 2√det Σ₁Σ₂)', () => {
    const s1 = [[2, 0.8], [0.8, 1]];
    const s2 = [[1, -0.3], [-0.3, 3]];
    const product = [
      [s1[0][0] * s2[0][0] + s1[0][1] * s2[1][0], s1[0][0] * s2[0][1] + s1[0][1] * s2[1][1]],
      [s1[1][0] * s2[0][0] + s1[1][1] * s2[1][0], s1[1][0] * s2[0][1] + s1[1][1] * s2[1][1]],
    ];
    const trace = product[0][0] + product[1][1];
    const det = product[0][0] * product[1][1] - product[0][1] * product[1][0];
    const crossTrace = Math.sqrt(trace + 2 * Math.sqrt(det));
    const expected = (0.5 - -1) ** 2 + (2 - 2) ** 2 + (2 + 1 + 1 + 3) - 2 * crossTrace;
    const d = frechetDistance(gaussian([0.5, 2], s1), gaussian([-1, 2], s2));
    expect(d).toBeCloseTo(expected, 8);
    expect(frechetDistance(gaussian([-1, 2], s2), gaussian([0.5, 2], s1))).toBeCloseTo(d, 8);
  });

  it('from samples: near 0 for two samples of one Gaussian, near the closed form for two different ones', () => {
    const random = mulberry32(8);
    const normal = () => Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
    const draw = (n: number, shift: number, scale: number) => Float64Array.from({ length: n * 4 }, () => shift + scale * normal());
    const a = fitGaussian(draw(20_000, 0, 1), 4);
    const b = fitGaussian(draw(20_000, 0, 1), 4);
    const c = fitGaussian(draw(20_000, 1, 2), 4);
    expect(frechetDistance(a, b)).toBeLessThan(0.01);
    // 4 · (1² + (2 − 1)²) = 8
    expect(frechetDistance(a, c)).toBeCloseTo(8, 0);
  });

  it('the eigen-decomposition it uses reconstructs a symmetric matrix', () => {
    const m = Float64Array.from([4, 1, 2, 1, 3, 0.5, 2, 0.5, 5]);
    const { values, vectors } = symmetricEigen(m, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let sum = 0;
        for (let k = 0; k < 3; k++) sum += vectors[i * 3 + k] * values[k] * vectors[j * 3 + k];
        expect(sum).toBeCloseTo(m[i * 3 + j], 9);
      }
    }
  });
});

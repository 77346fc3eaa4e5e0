/**
 * The VAE / IWAE block (models/iwae): Burda et al.'s bounds on a tiny model whose log p(x) is known
 * exactly (one latent dimension, integrated on a grid), the numerics of log-mean-exp, the
 * reparameterised sample, and the committed checkpoint's figures.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@/lib/tfjs/backend';
import { bernoulliLogLikelihood } from '@/models/blocks';
import { gaussianKl, logPosterior, logStandardNormal, reparameterise } from '@/models/blocks/gaussian';
import { figures } from '@/models/iwae/figures';
import { boundsFromLogWeights, independentPixels } from '@/models/iwae/measure';
import { activeUnits, Iwae, logMeanExp, logMeanExpOf } from '@/models/iwae/model';

beforeAll(async () => {
  await initBackend('wasm');
});

/** A tiny model (6 pixels, one hidden layer of 5, one latent unit) with a deliberately poor q. */
function tinyModel(seed = 3): Iwae {
  return new Iwae({ pixels: 6, hidden: [5], latent: 1, k: 1 }, seed);
}
const X = Float32Array.from([1, 0, 1, 1, 0, 0]);

/** log p(x) = log ∫ p(x | z) N(z; 0, 1) dz, by the trapezoid rule on [−10, 10]. */
function exactLogLikelihood(model: Iwae, x: Float32Array): number {
  const points = 4001;
  const grid = Float32Array.from({ length: points }, (_, i) => -10 + (20 * i) / (points - 1));
  const logJoint = tf.tidy(() => {
    const z = tf.tensor2d(grid, [points, 1]);
    const xs = tf.tile(tf.tensor2d(x, [1, x.length]), [points, 1]) as tf.Tensor2D;
    return tf.add(bernoulliLogLikelihood(xs, model.decode(z)), logStandardNormal(z)).dataSync();
  });
  const step = 20 / (points - 1);
  const weights = Array.from(logJoint, (v, i) => v + Math.log(i === 0 || i === points - 1 ? step / 2 : step));
  return logMeanExpOf(weights) + Math.log(points);
}

/** E[L_k] estimated from `draws` independent groups of k samples. */
function meanBound(model: Iwae, k: number, draws: number, seed: number): { mean: number; se: number } {
  const logWeights = model.sampleLogWeights(X, k * draws, seed, Math.min(k * draws, 20_000));
  const values = Array.from({ length: draws }, (_, g) => logMeanExpOf(logWeights, g * k, (g + 1) * k));
  const mean = values.reduce((s, v) => s + v, 0) / draws;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (draws - 1);
  return { mean, se: Math.sqrt(variance / draws) };
}

describe('importance-weighted bounds (Burda et al. 2016, Theorem 1)', () => {
  it('L_1 ≤ L_5 ≤ L_50 ≤ log p(x) in expectation, and L_k approaches log p(x) as k grows', () => {
    const model = tinyModel();
    const exact = exactLogLikelihood(model, X);
    const l1 = meanBound(model, 1, 20_000, 1);
    const l5 = meanBound(model, 5, 4_000, 2);
    const l50 = meanBound(model, 50, 1_000, 3);
    const l2000 = meanBound(model, 2_000, 20, 4);
    // Strict increases, each by far more than the estimates' standard errors.
    expect(l5.mean - l1.mean).toBeGreaterThan(4 * Math.hypot(l1.se, l5.se));
    expect(l50.mean - l5.mean).toBeGreaterThan(4 * Math.hypot(l5.se, l50.se));
    // All are lower bounds on the exact log-likelihood…
    for (const bound of [l1, l5, l50, l2000]) expect(bound.mean).toBeLessThan(exact + 3 * bound.se + 1e-3);
    // …and the gap closes: the 2,000-sample estimate is within 0.02 nats, the ELBO is not.
    expect(exact - l1.mean).toBeGreaterThan(0.1);
    expect(Math.abs(exact - l2000.mean)).toBeLessThan(0.02);
  });

  it('the closed-form-KL ELBO the VAE trains on has the same expectation as the mean log-weight L_1', () => {
    const model = tinyModel();
    const n = 20_000;
    const closedForm = tf.tidy(() => {
      const xs = tf.tile(tf.tensor2d(X, [1, 6]), [n, 1]) as tf.Tensor2D;
      return tf.mean(model.elbo(xs, tf.randomNormal([n, 1], 0, 1, 'float32', 7) as tf.Tensor2D)).dataSync()[0];
    });
    const l1 = meanBound(model, 1, n, 8);
    expect(Math.abs(closedForm - l1.mean)).toBeLessThan(4 * l1.se + 0.02);
  });

  it('the IWAE objective is at least the ELBO on average over many minibatches of a trained-shape model', () => {
    const model = new Iwae({ pixels: 6, hidden: [5], latent: 2, k: 5 }, 11);
    const x = Float32Array.from({ length: 40 * 6 }, (_, i) => ((i * 7919) % 3 === 0 ? 1 : 0));
    let gap = 0;
    for (let draw = 0; draw < 50; draw++) {
      gap += tf.tidy(() => {
        const xs = tf.tensor2d(x, [40, 6]);
        const iwae = tf.mean(model.iwaeBound(xs, tf.randomNormal([5 * 40, 2], 0, 1, 'float32', 100 + draw) as tf.Tensor2D));
        const elbo = tf.mean(model.elbo(xs, tf.randomNormal([40, 2], 0, 1, 'float32', 200 + draw) as tf.Tensor2D));
        return tf.sub(iwae, elbo).dataSync()[0];
      }) / 50;
    }
    expect(gap).toBeGreaterThan(0);
  });

  it('an IWAE training step raises L_k on the data it is trained on', () => {
    const model = new Iwae({ pixels: 6, hidden: [8], latent: 2, k: 5, learningRate: 0.01 }, 5);
    const patterns = Float32Array.from({ length: 20 * 6 }, (_, i) => (Math.floor(i / 6) % 2 === 0 ? [1, 1, 1, 0, 0, 0] : [0, 0, 0, 1, 1, 1])[i % 6]);
    const before = boundsFromLogWeights(model.sampleLogWeights(patterns, 50, 1), 50).l5;
    for (let step = 0; step < 150; step++) model.trainStep(patterns, step);
    const after = boundsFromLogWeights(model.sampleLogWeights(patterns, 50, 1), 50).l5;
    expect(after - before).toBeGreaterThan(1);
    model.dispose();
  });
});

describe('log-mean-exp', () => {
  it('is finite and exact for log-weights far below exp’s range, where the naive formula gives −∞', () => {
    const values = [-100_000, -100_001, -100_003, -99_999.5];
    const expected = -99_999.5 + Math.log((Math.exp(-0.5) + Math.exp(-1.5) + Math.exp(-3.5) + 1) / 4);
    expect(logMeanExpOf(values)).toBeCloseTo(expected, 6);
    const fromTensor = tf.tidy(() => logMeanExp(tf.tensor2d(values, [4, 1]), 0).dataSync()[0]);
    expect(Math.abs(fromTensor - expected)).toBeLessThan(0.02); // float32 at 10⁵ has a resolution of ~0.008
    expect(logMeanExpOf([3, 3, 3])).toBeCloseTo(3, 12);
  });
});

describe('the reparameterised Gaussian sample (Kingma & Welling 2014)', () => {
  it('z = μ + σ ε has mean μ and variance σ², and log q(z | x) is the Gaussian density', () => {
    const n = 40_000;
    const mean = [1.5, -2];
    const std = [0.5, 2];
    const { zs, logQ } = tf.tidy(() => {
      const q = { mean: tf.tile(tf.tensor2d([mean]), [n, 1]) as tf.Tensor2D, logStd: tf.tile(tf.tensor2d([std.map(Math.log)]), [n, 1]) as tf.Tensor2D };
      const noise = tf.randomNormal([n, 2], 0, 1, 'float32', 42) as tf.Tensor2D;
      return { zs: reparameterise(q, noise).dataSync(), logQ: logPosterior(q, noise).dataSync() };
    });
    for (let d = 0; d < 2; d++) {
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < n; i++) sum += zs[i * 2 + d];
      const m = sum / n;
      for (let i = 0; i < n; i++) squares += (zs[i * 2 + d] - m) ** 2;
      expect(Math.abs(m - mean[d])).toBeLessThan((4 * std[d]) / Math.sqrt(n));
      expect(squares / (n - 1) / std[d] ** 2).toBeGreaterThan(0.97);
      expect(squares / (n - 1) / std[d] ** 2).toBeLessThan(1.03);
    }
    const density = (z: number, d: number) => -0.5 * ((z - mean[d]) / std[d]) ** 2 - Math.log(std[d]) - 0.5 * Math.log(2 * Math.PI);
    for (const i of [0, 1, 999]) expect(logQ[i]).toBeCloseTo(density(zs[i * 2], 0) + density(zs[i * 2 + 1], 1), 3);
  });

  it('KL(q ‖ N(0, I)) is zero at the prior and ½(μ² + σ² − 1) − log σ per dimension otherwise', () => {
    const kl = tf.tidy(() => {
      const zeros = tf.zeros([2, 1]) as tf.Tensor2D;
      const q = { mean: tf.tensor2d([[0], [1]]), logStd: tf.tensor2d([[0], [Math.log(2)]]) };
      return gaussianKl(q, { mean: zeros, logStd: zeros }).dataSync();
    });
    expect(kl[0]).toBeCloseTo(0, 6);
    expect(kl[1]).toBeCloseTo(0.5 * (1 + 4 - 1) - Math.log(2), 5);
  });
});

describe('measurement helpers', () => {
  it('the bounds from one block of log-weights are ordered ELBO ≤ L_5 ≤ L_50 ≤ L_K', () => {
    const weights = Float32Array.from({ length: 3 * 100 }, (_, i) => -50 + 4 * Math.sin(i * 12.9898) * Math.cos(i * 78.233));
    const b = boundsFromLogWeights(weights, 100);
    expect(b.elbo).toBeLessThan(b.l5);
    expect(b.l5).toBeLessThan(b.l50);
    expect(b.l50).toBeLessThan(b.logLikelihood);
    expect(b.perImage).toHaveLength(3);
  });

  it('independent pixels give log(½) per pixel when every training grey level is ½, and active units count moving posterior means', () => {
    const train = new Float32Array(4 * 784).fill(0.5);
    const image = new Float32Array(784).fill(1);
    expect(independentPixels(train, image)[0]).toBeCloseTo(784 * Math.log(0.5), 6);
    const means = Float32Array.from({ length: 100 * 3 }, (_, i) => (i % 3 === 0 ? Math.sin(i) : i % 3 === 1 ? 0.01 * Math.sin(i) : 7));
    expect(activeUnits(means, 3).count).toBe(1);
  });
});

describe('the committed checkpoint', () => {
  it('draws both figures with the promised panels, the same for the same seed', async () => {
    const { version } = await figures.load();
    expect(version).toMatch(/^iwae-[0-9a-f]{12}$/);
    expect(figures.names).toEqual(['samples', 'reconstructions']);

    const samples = await figures.figure('samples', 7);
    expect(samples.panels.map((p) => p.title)).toEqual(['VAE (k = 1)', 'IWAE (k = 5)']);
    for (const panel of samples.panels) {
      expect(panel.pictures).toHaveLength(36);
      expect(panel.pictures[0]).toMatchObject({ width: 28, height: 28, channels: 1 });
    }
    // Different models, the same latents: different pictures.
    expect(samples.panels[0].pictures[0].pixels).not.toEqual(samples.panels[1].pictures[0].pixels);
    expect((await figures.figure('samples', 7)).panels[1].pictures[5].pixels).toEqual(samples.panels[1].pictures[5].pixels);
    expect((await figures.figure('samples', 8)).panels[1].pictures[5].pixels).not.toEqual(samples.panels[1].pictures[5].pixels);

    const recon = await figures.figure('reconstructions', 3);
    expect(recon.panels.map((p) => p.title)).toEqual(['Held-out digits (binarized)', 'VAE (k = 1)', 'IWAE (k = 5)']);
    for (const panel of recon.panels) expect(panel.pictures).toHaveLength(8);
    // The originals are binary; every original carries its digit.
    for (const picture of recon.panels[0].pictures) {
      expect(picture.pixels.every((v) => v === 0 || v === 255)).toBe(true);
      expect(picture.label).toMatch(/^[0-9]$/);
    }
    // A trained decoder reconstructs: its mean image is far closer to the digit than mid-grey is.
    const error = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0);
    const original = recon.panels[0].pictures[0].pixels;
    expect(error(recon.panels[2].pictures[0].pixels, original)).toBeLessThan(0.5 * error(new Uint8Array(784).fill(128), original));
    await expect(figures.figure('nope', 1)).rejects.toThrow(/no figure "nope"/);
  }, 30_000);
});

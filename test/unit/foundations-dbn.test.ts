/**
 * The deep belief net block (models/dbn): the variational bound of Salakhutdinov & Murray (2008)
 * on a DBN small enough to enumerate, top-down sampling, and the committed checkpoint's figures.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@/lib/tfjs/backend';
import { allStates, annealedImportanceSampling, exactLogZ, Rbm, Rng } from '@/models/blocks';
import { figures } from '@/models/dbn/figures';
import { Dbn } from '@/models/dbn/model';

beforeAll(async () => {
  await initBackend('wasm');
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logSumExp = (xs: number[]) => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
};

/** A random binary RBM with weights of a size that makes its distribution far from uniform. */
function randomRbm(visible: number, hidden: number, seed: number, scale = 1.2): Rbm {
  return new Rbm(
    { visible, hidden, units: 'binary' },
    {
      W: tf.randomNormal([visible, hidden], 0, scale, 'float32', seed) as tf.Tensor2D,
      visibleBias: tf.randomNormal([visible], 0, 0.8, 'float32', seed + 1) as tf.Tensor1D,
      hiddenBias: tf.randomNormal([hidden], 0, 0.8, 'float32', seed + 2) as tf.Tensor1D,
    },
  );
}

interface Plain {
  W1: number[][];
  b1: number[];
  c1: number[];
  W2: number[][];
  b2: number[];
  c2: number[];
}
const plain = (dbn: Dbn): Plain => ({
  W1: dbn.bottom.W.arraySync(),
  b1: dbn.bottom.visibleBias.arraySync(),
  c1: dbn.bottom.hiddenBias.arraySync(),
  W2: dbn.top.W.arraySync(),
  b2: dbn.top.visibleBias.arraySync(),
  c2: dbn.top.hiddenBias.arraySync(),
});
const bits = (s: number, n: number) => Array.from({ length: n }, (_, j) => (s >> j) & 1);

/**
 * By brute force over every state: log Z_top (summing h¹ and h²), and per visible vector the exact
 * log p(v) = log Σ_h¹ p(v|h¹) p(h¹), the bound Σ q (log p(v|h¹) + log p*(h¹) − log q) − log Z_top,
 * and KL(q(h¹|v) ‖ p(h¹|v)).
 */
function enumerate(p: Plain, vs: number[][]) {
  const [nv, n1, n2] = [p.b1.length, p.c1.length, p.c2.length];
  const logStar: number[] = []; // log p*(h¹), h² summed out by brute force too
  const joint: number[] = [];
  for (let s = 0; s < 2 ** n1; s++) {
    const h = bits(s, n1);
    const terms: number[] = [];
    for (let t = 0; t < 2 ** n2; t++) {
      const g = bits(t, n2);
      let e = 0;
      for (let j = 0; j < n1; j++) e += p.b2[j] * h[j];
      for (let k = 0; k < n2; k++) {
        e += p.c2[k] * g[k];
        for (let j = 0; j < n1; j++) e += h[j] * p.W2[j][k] * g[k];
      }
      terms.push(e);
      joint.push(e);
    }
    logStar.push(logSumExp(terms));
  }
  const logZ = logSumExp(joint);
  return vs.map((v) => {
    const logPvGivenH: number[] = [];
    const logQ: number[] = [];
    const mu = Array.from({ length: n1 }, (_, j) => sigmoid(p.c1[j] + v.reduce((a, x, i) => a + x * p.W1[i][j], 0)));
    for (let s = 0; s < 2 ** n1; s++) {
      const h = bits(s, n1);
      let l = 0;
      for (let i = 0; i < nv; i++) {
        const pi = sigmoid(p.b1[i] + h.reduce((a, x, j) => a + x * p.W1[i][j], 0));
        l += v[i] ? Math.log(pi) : Math.log(1 - pi);
      }
      logPvGivenH.push(l);
      logQ.push(h.reduce((a, x, j) => a + (x ? Math.log(mu[j]) : Math.log(1 - mu[j])), 0));
    }
    const logJoint = logPvGivenH.map((l, s) => l + logStar[s] - logZ);
    const logP = logSumExp(logJoint);
    let bound = 0;
    let kl = 0;
    logQ.forEach((lq, s) => {
      const q = Math.exp(lq);
      bound += q * (logJoint[s] - lq);
      kl += q * (lq - (logJoint[s] - logP));
    });
    return { logP, bound, kl, logZ };
  });
}

describe('DBN lower bound (Salakhutdinov & Murray 2008) on a 6-4-3 DBN', () => {
  it('equals the bound by enumeration, lies below the exact log p(v), and misses it by KL(q ‖ posterior)', () => {
    const dbn = new Dbn([randomRbm(6, 4, 11), randomRbm(4, 3, 21)]);
    const v = allStates(6);
    const logZ = exactLogZ(dbn.top.asChain(), 0);
    const ours = Array.from(dbn.boundWithoutLogZExact(v).dataSync(), (x) => x - logZ);
    const truth = enumerate(plain(dbn), v.arraySync());
    expect(logZ).toBeCloseTo(truth[0].logZ, 4);
    // The probabilities of all 64 images sum to one.
    expect(logSumExp(truth.map((t) => t.logP))).toBeCloseTo(0, 5);
    ours.forEach((b, n) => {
      expect(b).toBeCloseTo(truth[n].bound, 3);
      expect(b).toBeLessThanOrEqual(truth[n].logP + 1e-4);
      expect(truth[n].logP - b).toBeCloseTo(truth[n].kl, 3);
    });
    // Somewhere the bound is loose: q is the bottom RBM's posterior, not the DBN's.
    expect(Math.max(...truth.map((t) => t.kl))).toBeGreaterThan(0.01);
    tf.dispose(v);
    dbn.dispose();
  });

  it('is tight when the top RBM is the bottom one turned upside down (complementary prior: the DBN is the RBM)', () => {
    const bottom = randomRbm(6, 4, 31);
    const top = new Rbm({ visible: 4, hidden: 6, units: 'binary' }, { W: tf.transpose(bottom.W) as tf.Tensor2D, visibleBias: bottom.hiddenBias.clone(), hiddenBias: bottom.visibleBias.clone() });
    const dbn = new Dbn([bottom, top]);
    const v = allStates(6);
    const bound = tf.sub(dbn.boundWithoutLogZExact(v), exactLogZ(top.asChain(), 0)).dataSync();
    const rbmLogP = tf.tidy(() => tf.sub(tf.neg(bottom.freeEnergy(v)), exactLogZ(bottom.asChain(), 0)).dataSync());
    Array.from(bound).forEach((b, n) => expect(b).toBeCloseTo(rbmLogP[n], 3));
    tf.dispose(v);
    dbn.dispose();
  });

  it('is estimated without bias by sampling h¹ ~ q(h¹|v), and the sampled estimate is seed-reproducible', () => {
    const dbn = new Dbn([randomRbm(6, 4, 41), randomRbm(4, 3, 51)]);
    const v = tf.tensor2d([[1, 0, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1]]);
    const exact = dbn.boundWithoutLogZExact(v).dataSync();
    const sampled = dbn.boundWithoutLogZ(v, 4000, new Rng(5)).dataSync();
    Array.from(exact).forEach((e, n) => expect(Math.abs(sampled[n] - e)).toBeLessThan(0.1));
    expect(Array.from(dbn.boundWithoutLogZ(v, 7, new Rng(9)).dataSync())).toEqual(Array.from(dbn.boundWithoutLogZ(v, 7, new Rng(9)).dataSync()));
    tf.dispose(v);
    dbn.dispose();
  });

  it("AIS from the base rates finds the top RBM's log Z", async () => {
    const top = randomRbm(4, 3, 61);
    const exact = exactLogZ(top.asChain(), 0);
    const base = tf.tensor1d([0.3, -0.5, 1, 0]);
    const ais = await annealedImportanceSampling(top.asChain(), { keptParity: 0, runs: 100, betas: Array.from({ length: 301 }, (_, i) => i / 300), baseBiases: { 0: base }, seed: 3 });
    expect(Math.abs(ais.logZ - exact)).toBeLessThan(0.05);
    tf.dispose(base);
    top.dispose();
  });
});

describe('DBN sampling', () => {
  it('runs Gibbs in the top RBM and passes top-down to pixel probabilities, reproducibly by seed', () => {
    // Three RBMs: 6-5-4-3, so the pass goes through one sampled directed layer before the bottom.
    const dbn = new Dbn([randomRbm(6, 5, 71), randomRbm(5, 4, 81), randomRbm(4, 3, 91)]);
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      const start = tf.tidy(() => rng.bernoulli(tf.fill([8, 4], 0.5) as tf.Tensor2D));
      const chain = dbn.gibbs(start, 25, rng);
      const pixels = dbn.topDown(chain, rng);
      const out = { chain: Array.from(chain.dataSync()), pixels: Array.from(pixels.dataSync()), shape: pixels.shape };
      tf.dispose([start, chain, pixels]);
      return out;
    };
    const a = draw(1);
    expect(a.shape).toEqual([8, 6]);
    expect(a.chain.every((x) => x === 0 || x === 1)).toBe(true);
    expect(a.pixels.every((x) => x > 0 && x < 1)).toBe(true);
    expect(draw(1)).toEqual(a);
    expect(draw(2).pixels).not.toEqual(a.pixels);
    dbn.dispose();
  });
});

describe('the committed DBN checkpoint', () => {
  it('draws samples (4 snapshots of 16 chains) and layer filters, the same for the same seed', async () => {
    const { version } = await figures.load();
    expect(version).toMatch(/^dbn-[0-9a-f]{12}$/);
    const samples = await figures.figure('samples', 7);
    expect(samples.panels.map((p) => p.title)).toEqual(['after 1 Gibbs step', 'after 10 Gibbs steps', 'after 100 Gibbs steps', 'after 1,000 Gibbs steps']);
    for (const panel of samples.panels) {
      expect(panel.pictures).toHaveLength(16);
      for (const picture of panel.pictures) expect([picture.width, picture.height, picture.channels, picture.pixels.length]).toEqual([28, 28, 1, 784]);
    }
    // After 1,000 steps the fantasies are digits: some ink, far from the all-grey of a blank model.
    const last = samples.panels[3].pictures.map((p) => p.pixels.reduce((a, x) => a + x, 0) / 255);
    expect(Math.min(...last)).toBeGreaterThan(20);
    expect(Math.max(...last)).toBeLessThan(400);
    const again = await figures.figure('samples', 7);
    expect(again.panels[3].pictures.map((p) => Array.from(p.pixels))).toEqual(samples.panels[3].pictures.map((p) => Array.from(p.pixels)));
    const other = await figures.figure('samples', 8);
    expect(other.panels[3].pictures.map((p) => p.label)).not.toEqual(samples.panels[3].pictures.map((p) => p.label));
    const layers = await figures.figure('layers', 7);
    expect(layers.panels.map((p) => p.pictures.length)).toEqual([36, 36]);
    await expect(figures.figure('nope', 1)).rejects.toThrow(/samples, layers/);
  }, 120_000);
});

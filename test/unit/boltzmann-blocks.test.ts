/**
 * The Boltzmann-machine building blocks (models/blocks) against what the papers define: energies
 * and free energies by enumeration, conditionals by Bayes' rule, learning that raises the exact
 * likelihood of a toy problem, AIS against the exact partition function, mean-field fixed points.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@/lib/tfjs/backend';
import {
  annealedImportanceSampling,
  Dbm,
  exactLogZ,
  fromHalf,
  geometricBetas,
  greedyPretrain,
  loadTensors,
  Rbm,
  Rng,
  saveTensors,
  standardBetas,
  TemperedChains,
  toHalf,
  trainDbm,
  trainRbm,
} from '@/models/blocks';

beforeAll(async () => {
  await initBackend('wasm');
});

const rows = (t: tf.Tensor) => t.arraySync() as number[][];
const vec = (t: tf.Tensor) => Array.from(t.dataSync());

/** Every binary vector of length n, one per row. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tolerance);
}

function allBinary(n: number): tf.Tensor2D {
  return tf.tensor2d(Array.from({ length: 2 ** n }, (_, s) => Array.from({ length: n }, (_, j) => (s >> j) & 1)));
}

function randomRbm(visible: number, hidden: number, units: 'binary' | 'gaussian' | 'softmax', seed: number, scale = 1): Rbm {
  const rng = new Rng(seed);
  return new Rbm(
    { visible, hidden, units },
    {
      W: tf.randomNormal([visible, hidden], 0, scale, 'float32', rng.seed()),
      visibleBias: tf.randomNormal([visible], 0, scale, 'float32', rng.seed()),
      hiddenBias: tf.randomNormal([hidden], 0, scale, 'float32', rng.seed()),
    },
  );
}

/** Exact log-likelihood of binary data under a tiny binary RBM. */
function exactLogLikelihood(rbm: Rbm, data: tf.Tensor2D): number {
  const logZ = exactLogZ(rbm.asChain(), 0);
  return tf.tidy(() => tf.mean(tf.neg(rbm.freeEnergy(data))).dataSync()[0] - logZ);
}

describe('RBM energies and conditionals', () => {
  it('the free energy is −log Σ_h e^{−E(v,h)} (binary, Gaussian and Replicated Softmax)', () => {
    for (const units of ['binary', 'gaussian', 'softmax'] as const) {
      const rbm = randomRbm(5, 4, units, 1);
      const v = units === 'softmax' ? tf.tensor2d([[2, 0, 1, 0, 0], [0, 1, 0, 0, 3]]) : units === 'gaussian' ? tf.tensor2d([[0.3, -1, 2, 0.5, 0], [1, 1, -0.2, 0, 0.4]]) : tf.tensor2d([[1, 0, 1, 1, 0], [0, 0, 0, 1, 1]]);
      const h = allBinary(4);
      const free = vec(rbm.freeEnergy(v));
      rows(v).forEach((row, r) => {
        const vr = tf.tile(tf.tensor2d([row]), [16, 1]) as tf.Tensor2D;
        const energies = vec(rbm.energy(vr, h));
        const logSum = Math.log(energies.reduce((a, e) => a + Math.exp(-e), 0));
        expect(free[r]).toBeCloseTo(-logSum, 4);
      });
    }
  });

  it('p(h_j = 1 | v) agrees with Bayes’ rule over the joint', () => {
    const rbm = randomRbm(4, 3, 'binary', 2);
    const v = tf.tensor2d([[1, 0, 1, 1]]);
    const h = allBinary(3);
    const weights = vec(rbm.energy(tf.tile(v, [8, 1]) as tf.Tensor2D, h)).map((e) => Math.exp(-e));
    const total = weights.reduce((a, b) => a + b, 0);
    const probs = vec(rbm.hiddenProbs(v));
    for (let j = 0; j < 3; j++) {
      const on = rows(h).reduce((a, state, s) => a + (state[j] ? weights[s] : 0), 0);
      expect(probs[j]).toBeCloseTo(on / total, 5);
    }
  });

  it('Gaussian visible units have mean b + Wh; softmax units spread D words over the vocabulary', () => {
    const gaussian = randomRbm(3, 2, 'gaussian', 3);
    const h = tf.tensor2d([[1, 0]]);
    const expected = tf.add(gaussian.visibleBias, tf.matMul(h, gaussian.W, false, true));
    expect(vec(gaussian.visibleMean(h))).toEqual(vec(expected).map((x) => expect.closeTo(x, 5)));

    const softmax = randomRbm(6, 2, 'softmax', 4);
    const mean = softmax.visibleMean(tf.tensor2d([[1, 1], [0, 1]]), tf.tensor1d([3, 5]));
    expect(vec(tf.sum(mean, 1))).toEqual([expect.closeTo(3, 4), expect.closeTo(5, 4)]);
    const counts = softmax.sampleVisible(tf.tensor2d([[1, 1], [0, 1]]), new Rng(5), tf.tensor1d([3, 5]));
    expect(vec(tf.sum(counts, 1))).toEqual([3, 5]);
  });

  it('the hidden biases of a Replicated Softmax RBM are scaled by the document length', () => {
    const rbm = randomRbm(4, 2, 'softmax', 6);
    const short = tf.tensor2d([[1, 0, 0, 0]]);
    const long = tf.tensor2d([[3, 0, 0, 0]]);
    const c = vec(rbm.hiddenBias);
    const w0 = rows(rbm.W)[0];
    expect(vec(rbm.hiddenInput(short))).toEqual(w0.map((w, j) => expect.closeTo(w + c[j], 5)));
    expect(vec(rbm.hiddenInput(long))).toEqual(w0.map((w, j) => expect.closeTo(3 * w + 3 * c[j], 5)));
  });
});

describe('learning', () => {
  // Two patterns and their noisy copies: the model should put its mass on them.
  const patterns = [
    [1, 1, 1, 0, 0, 0],
    [0, 0, 0, 1, 1, 1],
  ];
  const toyData = () => tf.tensor2d(Array.from({ length: 200 }, (_, i) => patterns[i % 2]));

  it('CD-1 moves the weights along the data correlations and raises the exact likelihood', async () => {
    const data = toyData();
    const rbm = Rbm.random({ visible: 6, hidden: 4, units: 'binary' }, new Rng(7));
    const before = exactLogLikelihood(rbm, data);
    await trainRbm(rbm, data, { epochs: 30, batchSize: 20, learningRate: 0.1, seed: 8 });
    const after = exactLogLikelihood(rbm, data);
    expect(after).toBeGreaterThan(before + 2);
    // Units that are always on together end up with correlated weights (similar rows of W).
    const W = rows(rbm.W);
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
    expect(dot(W[0], W[1])).toBeGreaterThan(dot(W[0], W[3]));
  });

  it('PCD with weight decay and a sparsity target learns the toy problem, and hidden activity approaches the target', async () => {
    const data = toyData();
    const rbm = Rbm.random({ visible: 6, hidden: 8, units: 'binary' }, new Rng(9));
    const before = exactLogLikelihood(rbm, data);
    await trainRbm(rbm, data, { epochs: 40, batchSize: 20, learningRate: 0.05, persistent: true, k: 1, weightDecay: 1e-4, sparsity: { target: 0.2, cost: 0.5 }, seed: 10 });
    expect(exactLogLikelihood(rbm, data)).toBeGreaterThan(before + 2);
    const activity = tf.mean(rbm.hiddenProbs(data)).dataSync()[0];
    expect(activity).toBeLessThan(0.45);
  });

  it('a Gaussian–Bernoulli RBM learns where real-valued data lies', async () => {
    const rng = new Rng(11);
    const data = tf.add(tf.randomNormal([400, 3], 0, 0.3, 'float32', rng.seed()), tf.tensor1d([2, -1, 0.5])) as tf.Tensor2D;
    const rbm = Rbm.random({ visible: 3, hidden: 4, units: 'gaussian' }, rng);
    await trainRbm(rbm, data, { epochs: 30, batchSize: 40, learningRate: 0.01, seed: 12 });
    const reconstruction = tf.mean(rbm.visibleMean(rbm.hiddenProbs(data)), 0);
    expect(vec(reconstruction)).toEqual([expect.closeTo(2, 0), expect.closeTo(-1, 0), expect.closeTo(0.5, 0)]);
  });

  it('greedy pretraining stacks RBMs, each trained on the hidden probabilities of the one below', async () => {
    const stack = await greedyPretrain(toyData(), [
      { hidden: 5, upScale: 2, training: { epochs: 2, batchSize: 20, learningRate: 0.1 } },
      { hidden: 3, downScale: 2, training: { epochs: 2, batchSize: 20, learningRate: 0.1 } },
    ], { seed: 13 });
    expect(stack.map((r) => r.W.shape)).toEqual([[6, 5], [5, 3]]);
    expect(stack[0].upScale).toBe(2);
    expect(stack[1].downScale).toBe(2);
  });
});

describe('annealed importance sampling', () => {
  it('agrees with the exact log Z of a tiny RBM', async () => {
    const rbm = randomRbm(10, 6, 'binary', 14, 0.8);
    const exact = exactLogZ(rbm.asChain(), 0);
    const ais = await annealedImportanceSampling(rbm.asChain(), { keptParity: 0, runs: 100, betas: standardBetas(0.1), seed: 15 });
    expect(Math.abs(ais.logZ - exact)).toBeLessThan(0.1);
    expect(ais.interval[0]).toBeLessThanOrEqual(ais.logZ);
    // Summing the other way (hidden kept, visible summed out) gives the same Z.
    expect(exactLogZ(rbm.asChain(), 1)).toBeCloseTo(exact, 3);
  });

  it('agrees with the exact log Z of a tiny 2-layer DBM, and with a data-based base model', async () => {
    const rng = new Rng(16);
    const dbm = new Dbm(
      [
        { name: 'v', units: 'binary', bias: tf.randomNormal([8], 0, 0.5, 'float32', rng.seed()) },
        { name: 'h1', units: 'binary', bias: tf.randomNormal([6], 0, 0.5, 'float32', rng.seed()) },
        { name: 'h2', units: 'binary', bias: tf.randomNormal([4], 0, 0.5, 'float32', rng.seed()) },
      ],
      [tf.randomNormal([8, 6], 0, 0.7, 'float32', rng.seed()), tf.randomNormal([6, 4], 0, 0.7, 'float32', rng.seed())],
    );
    const exact = exactLogZ(dbm.asChain(), 1);
    expect(exactLogZ(dbm.asChain(), 0)).toBeCloseTo(exact, 3);
    const ais = await annealedImportanceSampling(dbm.asChain(), { keptParity: 1, runs: 100, betas: standardBetas(0.1), seed: 17 });
    expect(Math.abs(ais.logZ - exact)).toBeLessThan(0.1);
    const based = await annealedImportanceSampling(dbm.asChain(), { keptParity: 0, runs: 100, betas: standardBetas(0.1), baseBiases: { 0: tf.fill([8], -0.5) as tf.Tensor1D }, seed: 18 });
    expect(Math.abs(based.logZ - exact)).toBeLessThan(0.1);
  });
  it('on a 12-8-6 DBM with strong weights, AIS over either parity and from either base agrees with enumeration', async () => {
    const rng = new Rng(26);
    const dbm = new Dbm(
      [
        { name: 'v', units: 'binary', bias: tf.randomNormal([12], -1, 0.5, 'float32', rng.seed()) },
        { name: 'h1', units: 'binary', bias: tf.randomNormal([8], -1, 0.5, 'float32', rng.seed()) },
        { name: 'h2', units: 'binary', bias: tf.randomNormal([6], -1, 0.5, 'float32', rng.seed()) },
      ],
      [tf.randomNormal([12, 8], 0, 1.2, 'float32', rng.seed()), tf.randomNormal([8, 6], 0, 1.2, 'float32', rng.seed())],
    );
    const exact = exactLogZ(dbm.asChain(), 1);
    expect(exactLogZ(dbm.asChain(), 0)).toBeCloseTo(exact, 2);
    const betas = standardBetas(0.1);
    const estimates = [
      await annealedImportanceSampling(dbm.asChain(), { keptParity: 1, runs: 100, betas, seed: 27 }),
      await annealedImportanceSampling(dbm.asChain(), { keptParity: 1, runs: 100, betas, baseBiases: { 1: tf.fill([8], -1.5) as tf.Tensor1D }, seed: 28 }),
      await annealedImportanceSampling(dbm.asChain(), { keptParity: 0, runs: 100, betas, seed: 29 }),
      await annealedImportanceSampling(dbm.asChain(), { keptParity: 0, runs: 100, betas, baseBiases: { 0: tf.fill([12], -1) as tf.Tensor1D, 2: tf.fill([6], -1) as tf.Tensor1D }, seed: 30 }),
    ];
    for (const ais of estimates) expect(Math.abs(ais.logZ - exact)).toBeLessThan(0.15);
  });
});

describe('DBM inference and learning', () => {
  const tinyDbm = (seed: number) => {
    const rng = new Rng(seed);
    return new Dbm(
      [
        { name: 'v', units: 'binary', bias: tf.zeros([6]) },
        { name: 'h1', units: 'binary', bias: tf.zeros([5]) },
        { name: 'h2', units: 'binary', bias: tf.zeros([3]) },
      ],
      [tf.randomNormal([6, 5], 0, 0.5, 'float32', rng.seed()), tf.randomNormal([5, 3], 0, 0.5, 'float32', rng.seed())],
    );
  };

  it('mean-field reaches a fixed point, and each sweep raises the variational bound', async () => {
    const dbm = tinyDbm(19);
    const v = tf.tensor2d([[1, 1, 1, 0, 0, 0], [0, 1, 0, 1, 0, 1]]);
    const bounds: number[] = [];
    for (const steps of [1, 2, 3, 5, 10, 30]) bounds.push((await dbm.logProbabilityBound(v, 0, steps))[0]);
    for (let i = 1; i < bounds.length; i++) expect(bounds[i]).toBeGreaterThanOrEqual(bounds[i - 1] - 1e-4);
    const means = await dbm.meanField({ 0: v }, { steps: 50 });
    const lengths = new Map();
    for (const l of [1, 2]) {
      const again = tf.sigmoid(dbm.input(l, means, lengths));
      expect(tf.max(tf.abs(tf.sub(again, means[l]))).dataSync()[0]).toBeLessThan(1e-4);
    }
  });

  it('the bound is below the exact log p(v)', async () => {
    const dbm = tinyDbm(20);
    const v = tf.tensor2d([[1, 0, 1, 0, 1, 0]]);
    const logZ = exactLogZ(dbm.asChain(), 1);
    // Exact log p(v): sum h1 by enumeration with h2 summed out analytically.
    const h1 = allBinary(5);
    const states = [tf.tile(v, [32, 1]) as tf.Tensor2D];
    const logJoint = tf.tidy(() => {
      const vTerm = tf.sum(tf.mul(states[0]!, dbm.layers[0].bias), 1);
      const h1Term = tf.sum(tf.mul(h1, dbm.layers[1].bias), 1);
      const vh = tf.sum(tf.mul(tf.matMul(states[0]!, dbm.weights[0]), h1), 1);
      const h2 = tf.sum(tf.softplus(tf.add(tf.matMul(h1, dbm.weights[1]), dbm.layers[2].bias)), 1);
      return tf.logSumExp(tf.add(tf.add(vTerm, h1Term), tf.add(vh, h2))).dataSync()[0];
    });
    const exact = logJoint - logZ;
    const bound = (await dbm.logProbabilityBound(v, logZ, 30))[0];
    expect(bound).toBeLessThanOrEqual(exact + 1e-4);
    expect(bound).toBeGreaterThan(exact - 2);
  });

  it('training with mean-field and persistent chains raises the likelihood of the data', async () => {
    const dbm = tinyDbm(21);
    const data = tf.tensor2d(Array.from({ length: 200 }, (_, i) => (i % 2 ? [1, 1, 1, 0, 0, 0] : [0, 0, 0, 1, 1, 1])));
    const boundOf = async () => {
      const logZ = exactLogZ(dbm.asChain(), 1);
      return tf.mean(tf.tensor1d(await dbm.logProbabilityBound(data, logZ))).dataSync()[0];
    };
    const before = await boundOf();
    await trainDbm(dbm, { 0: data }, { epochs: 20, batchSize: 20, learningRate: 0.05, momentum: { initial: 0.5, final: 0.5, switchEpoch: 0 }, chains: 20, seed: 22 });
    expect(await boundOf()).toBeGreaterThan(before + 1);
  });

  it('centred training (offsets at the units\' means) also raises the likelihood, and of the data with every bit flipped alike', async () => {
    // Centering makes learning the same whichever way a unit's 0 and 1 are named (Melchior et al. 2016),
    // so data with its bits flipped is learned about as well; the weights stay in the usual form.
    const pattern = (i: number) => (i % 2 ? [1, 1, 1, 0, 0, 0] : [0, 0, 0, 1, 1, 1]);
    const gains: number[] = [];
    for (const flip of [false, true]) {
      const dbm = tinyDbm(21);
      const data = tf.tensor2d(Array.from({ length: 200 }, (_, i) => pattern(i).map((x) => (flip ? 1 - x : x))));
      const boundOf = async () => tf.mean(tf.tensor1d(await dbm.logProbabilityBound(data, exactLogZ(dbm.asChain(), 1)))).dataSync()[0];
      const before = await boundOf();
      await trainDbm(dbm, { 0: data }, { epochs: 20, batchSize: 20, learningRate: 0.05, momentum: { initial: 0.5, final: 0.5, switchEpoch: 0 }, chains: 20, centering: 0.1, seed: 22 });
      gains.push((await boundOf()) - before);
      data.dispose();
      dbm.dispose();
    }
    expect(gains[0]).toBeGreaterThan(1);
    expect(gains[1]).toBeGreaterThan(1);
    const softmaxDbm = new Dbm(
      [
        { name: 'text', units: 'softmax', bias: tf.zeros([4]) },
        { name: 'h1', units: 'binary', bias: tf.zeros([3]), scaleBiasBy: 0 },
      ],
      [tf.zeros([4, 3])],
    );
    await expect(trainDbm(softmaxDbm, { 0: tf.tensor2d([[1, 0, 2, 0]]) }, { epochs: 1, batchSize: 1, learningRate: 0.1, chains: 1, centering: 0.1, seed: 1 })).rejects.toThrow(/centering needs binary or Gaussian/);
    softmaxDbm.dispose();
  });
});

describe('multi-prediction training (backpropagation through mean-field)', () => {
  it('traced sweeps give meanField\'s means, and training through them teaches the machine to infer one end of the chain from the other', async () => {
    // image (Gaussian, 4) — h (6) — words (softmax, 3): a photo's word says which of three clusters its features come from.
    const rng = new Rng(31);
    const dbm = new Dbm(
      [
        { name: 'image', units: 'gaussian', bias: tf.zeros([4]) },
        { name: 'h', units: 'binary', bias: tf.zeros([6]), scaleBiasBy: 2 },
        { name: 'words', units: 'softmax', bias: tf.zeros([3]) },
      ],
      [tf.randomNormal([4, 6], 0, 0.1, 'float32', rng.seed()), tf.randomNormal([6, 3], 0, 0.1, 'float32', rng.seed())],
    );
    const labels = Array.from({ length: 90 }, (_, i) => i % 3);
    const image = tf.tidy(() => tf.add(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), 4), 2), tf.randomNormal([90, 4], 0, 0.3, 'float32', rng.seed()))) as tf.Tensor2D;
    const words = tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D;
    const accuracy = async () => {
      const means = await dbm.meanField({ 0: image }, { steps: 5, freeLength: 1 });
      const guess = (await tf.argMax(means[2], 1).data()) as Int32Array;
      tf.dispose(means);
      return labels.filter((label, i) => guess[i] === label).length / labels.length;
    };

    const served = await dbm.meanField({ 0: image }, { steps: 5, freeLength: 1 });
    const traced = tf.tidy(() => dbm.tracedMeanField({ 0: image }, 5, 1)[2]);
    expect(tf.max(tf.abs(tf.sub(traced, served[2]))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([traced, ...served]);

    const parameters: tf.Variable[] = [...dbm.weights, ...dbm.layers.map((l) => l.bias)];
    const crossEntropy = () => tf.neg(tf.mean(tf.sum(tf.mul(words, tf.log(tf.add(dbm.tracedMeanField({ 0: image }, 5, 1)[2], 1e-9))), 1))) as tf.Scalar;
    const { grads } = tf.variableGrads(crossEntropy, parameters);
    // Gradients reach both weight matrices through the sweeps (the downward messages included).
    for (const w of dbm.weights) expect(tf.max(tf.abs(grads[w.name])).dataSync()[0]).toBeGreaterThan(1e-6);
    tf.dispose(Object.values(grads));

    const before = await accuracy();
    const optimizer = tf.train.adam(0.05);
    for (let step = 0; step < 150; step++) optimizer.minimize(crossEntropy, false, parameters);
    expect(before).toBeLessThan(0.7);
    expect(await accuracy()).toBeGreaterThan(0.95);
    optimizer.dispose();
    tf.dispose([image, words]);
    dbm.dispose();
  });
});

describe('blank restarts', () => {
  /**
   * A DBM whose likeliest state is the blank one, far from the data: a pattern of three pixels is
   * held on by its own h1 unit (W 12, pixel biases −6, h1 biases −20), −E = −2 with it on, while the
   * blank state has −E = 0. Leaving a pattern takes two pixels dropping at once (~10⁻⁵ a sweep), so
   * chains started at the data never see the mode that holds most of the mass.
   */
  const blankMode = () => {
    const w1 = Array.from({ length: 6 }, (_, i) => Array.from({ length: 2 }, (_, j) => ((i < 3) === (j === 0) ? 12 : 0)));
    return new Dbm(
      [
        { name: 'v', units: 'binary', bias: tf.fill([6], -6) as tf.Tensor1D },
        { name: 'h1', units: 'binary', bias: tf.fill([2], -20) as tf.Tensor1D },
        { name: 'h2', units: 'binary', bias: tf.fill([2], -3) as tf.Tensor1D },
      ],
      [tf.tensor2d(w1), tf.zeros([2, 2])],
    );
  };

  it('restarts particles at the blank state only while it outweighs every particle, so the model term sees that mode and pushes it down', async () => {
    const data = tf.tensor2d(Array.from({ length: 100 }, (_, i) => (i % 2 ? [1, 1, 1, 0, 0, 0] : [0, 0, 0, 1, 1, 1])));
    const blank = tf.zeros([1, 6]) as tf.Tensor2D;
    const training = { epochs: 10, batchSize: 20, learningRate: 0.05, momentum: { initial: 0.5, final: 0.5, switchEpoch: 0 }, chains: 20, seed: 5 };
    const blankBounds: number[] = [];
    const restartEpochs: number[] = [];
    for (const blankRestarts of [0, 0.2]) {
      const dbm = blankMode();
      const logZ = exactLogZ(dbm.asChain(), 1);
      expect((await dbm.logProbabilityBound(blank, logZ))[0]).toBeGreaterThan(Math.log(0.5));
      await trainDbm(dbm, { 0: data }, { ...training, blankRestarts: { share: blankRestarts, when: 'while-blank-outweighs' }, onBlankRestart: (epoch) => restartEpochs.push(epoch) });
      blankBounds.push((await dbm.logProbabilityBound(blank, exactLogZ(dbm.asChain(), 1)))[0]);
      dbm.dispose();
    }
    // Plain persistent chains never leave the patterns, so the blank state keeps most of the mass.
    expect(blankBounds[0]).toBeGreaterThan(Math.log(0.4));
    expect(restartEpochs.length).toBeGreaterThan(0);
    expect(blankBounds[1]).toBeLessThan(blankBounds[0] - 2);
    // Restarting every epoch pushes it down as well, without the check.
    const everyEpoch: number[] = [];
    const always = blankMode();
    await trainDbm(always, { 0: data }, { ...training, blankRestarts: { share: 0.2, when: 'every-epoch' }, onBlankRestart: (epoch) => everyEpoch.push(epoch) });
    expect(everyEpoch).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await always.logProbabilityBound(blank, exactLogZ(always.asChain(), 1)))[0]).toBeLessThan(blankBounds[0] - 2);
    always.dispose();
    // A DBM whose blank state is not a mode is never restarted by the check.
    const ordinary: number[] = [];
    const dbm = new Dbm(
      [
        { name: 'v', units: 'binary', bias: tf.zeros([6]) },
        { name: 'h1', units: 'binary', bias: tf.zeros([5]) },
        { name: 'h2', units: 'binary', bias: tf.zeros([3]) },
      ],
      [tf.randomNormal([6, 5], 0, 0.5, 'float32', 7), tf.randomNormal([5, 3], 0, 0.5, 'float32', 8)],
    );
    await trainDbm(dbm, { 0: data }, { ...training, blankRestarts: { share: 0.2, when: 'while-blank-outweighs' }, onBlankRestart: (epoch) => ordinary.push(epoch) });
    expect(ordinary).toEqual([]);
    await expect(trainDbm(dbm, { 0: data }, { ...training, epochs: 1, blankRestarts: { share: 0.2, when: 'every-epoch' }, temperatures: [0.5, 1] })).rejects.toThrow(/blank restarts are for plain persistent chains/);
    dbm.dispose();
    tf.dispose([data, blank]);
  });
});

describe('parallel tempering', () => {
  /**
   * Two far-apart modes: h2 unit 0 turns on h1 units 0–3, which turn on pixels 0–4; h2 unit 1 does
   * the same for h1 4–7 and pixels 5–9; each side shuts the other off. The model is symmetric, so
   * every pixel is on equally often; a chain must cross a high barrier to change sides.
   */
  const twoModes = () => {
    const w1 = Array.from({ length: 10 }, (_, i) => Array.from({ length: 8 }, (_, j) => ((i < 5) === (j < 4) ? 3 : -1)));
    const w2 = Array.from({ length: 8 }, (_, j) => [j < 4 ? 3 : -3, j < 4 ? -3 : 3]);
    return new Dbm(
      [
        { name: 'v', units: 'binary', bias: tf.fill([10], -1.5) as tf.Tensor1D },
        { name: 'h1', units: 'binary', bias: tf.fill([8], -2) as tf.Tensor1D },
        { name: 'h2', units: 'binary', bias: tf.fill([2], -1) as tf.Tensor1D },
      ],
      [tf.tensor2d(w1), tf.tensor2d(w2)],
    );
  };
  /** Exact P(v_i = 1), summing h1 by enumeration with v and h2 summed out analytically. */
  const exactPixelMarginals = (dbm: Dbm) =>
    tf.tidy(() => {
      const h1 = allBinary(8);
      const pixelInput = tf.add(tf.matMul(h1, dbm.weights[0], false, true), dbm.layers[0].bias);
      const logWeight = tf.add(
        tf.add(tf.sum(tf.mul(h1, dbm.layers[1].bias), 1), tf.sum(tf.softplus(pixelInput), 1)),
        tf.sum(tf.softplus(tf.add(tf.matMul(h1, dbm.weights[1]), dbm.layers[2].bias)), 1),
      );
      const p = tf.softmax(logWeight).expandDims(1);
      return vec(tf.sum(tf.mul(p, tf.sigmoid(pixelInput)), 0));
    });
  /** Chains that all start on the first side: pixels 0–4, h1 0–3 and h2 unit 0 on. */
  const startOnOneSide = (chains: number) => [
    tf.tile(tf.tensor2d([[1, 1, 1, 1, 1, 0, 0, 0, 0, 0]]), [chains, 1]) as tf.Tensor2D,
    tf.tile(tf.tensor2d([[1, 1, 1, 1, 0, 0, 0, 0]]), [chains, 1]) as tf.Tensor2D,
    tf.tile(tf.tensor2d([[1, 0]]), [chains, 1]) as tf.Tensor2D,
  ];
  /** Mean pixel states over the chains and the last half of `sweeps` sweeps. */
  const pixelMeans = (sweep: () => tf.Tensor2D, sweeps: number) => {
    const total = new Float64Array(10);
    for (let s = 0; s < sweeps; s++) {
      const v = sweep();
      if (s >= sweeps / 2) vec(tf.tidy(() => tf.mean(v, 0))).forEach((m, i) => (total[i] += m / (sweeps / 2)));
    }
    return Array.from(total);
  };

  it('the β = 1 copies reach both modes and sample the exact pixel marginals, where plain Gibbs stays on one side', () => {
    const dbm = twoModes();
    const exact = exactPixelMarginals(dbm);
    expect(exact[0]).toBeCloseTo(exact[9], 3);

    const rng = new Rng(40);
    const plain = startOnOneSide(100);
    const lengths = new Map<number, tf.Tensor1D>();
    const stuck = pixelMeans(() => (dbm.gibbsSweep(plain, lengths, rng), plain[0]), 200);
    expect(stuck[0] - stuck[9]).toBeGreaterThan(0.5);
    tf.dispose(plain);

    const tempered = new TemperedChains(dbm, startOnOneSide(100), geometricBetas(8, 0.05), new Rng(41));
    const mixed = pixelMeans(() => (tempered.sweep(), tempered.model[0]), 400);
    for (const [i, m] of mixed.entries()) expect(Math.abs(m - exact[i]), `pixel ${i}`).toBeLessThan(0.08);
    expect(Math.min(...tempered.swapRates)).toBeGreaterThan(0.1);
    tempered.dispose();
    dbm.dispose();
  });

  it('checks its temperatures, and training with tempered chains raises the likelihood of the data', async () => {
    const dbm = twoModes();
    expect(() => new TemperedChains(dbm, startOnOneSide(2), [0.5, 0.9], new Rng(1))).toThrow(/end at 1/);
    expect(() => new TemperedChains(dbm, startOnOneSide(2), [0.5, 0.3, 1], new Rng(1))).toThrow(/ascend/);
    expect(geometricBetas(3, 0.01).map((b) => Number(b.toFixed(3)))).toEqual([0.01, 0.1, 1]);
    dbm.dispose();

    const rng = new Rng(42);
    const learner = new Dbm(
      [
        { name: 'v', units: 'binary', bias: tf.zeros([6]) },
        { name: 'h1', units: 'binary', bias: tf.zeros([5]) },
        { name: 'h2', units: 'binary', bias: tf.zeros([3]) },
      ],
      [tf.randomNormal([6, 5], 0, 0.5, 'float32', rng.seed()), tf.randomNormal([5, 3], 0, 0.5, 'float32', rng.seed())],
    );
    const data = tf.tensor2d(Array.from({ length: 200 }, (_, i) => (i % 2 ? [1, 1, 1, 0, 0, 0] : [0, 0, 0, 1, 1, 1])));
    const boundOf = async () => tf.mean(tf.tensor1d(await learner.logProbabilityBound(data, exactLogZ(learner.asChain(), 1)))).dataSync()[0];
    const before = await boundOf();
    const rates: number[][] = [];
    await trainDbm(learner, { 0: data }, { epochs: 20, batchSize: 20, learningRate: 0.05, momentum: { initial: 0.5, final: 0.5, switchEpoch: 0 }, chains: 20, temperatures: geometricBetas(4, 0.2), onSwapRates: (r) => rates.push(r), seed: 43 });
    expect(await boundOf()).toBeGreaterThan(before + 1);
    expect(rates).toHaveLength(20);
    expect(rates.at(-1)!.every((r) => r > 0)).toBe(true);
    learner.dispose();
  });
});

describe('memory', () => {
  it('training and inference leave no tensors behind (the weights are updated in place)', async () => {
    const rbm = Rbm.random({ visible: 6, hidden: 4, units: 'softmax' }, new Rng(23));
    const dbm = new Dbm(
      [
        { name: 'v', units: 'binary', bias: tf.zeros([6]) },
        { name: 'h1', units: 'binary', bias: tf.zeros([5]) },
        { name: 'h2', units: 'binary', bias: tf.zeros([3]) },
      ],
      [tf.randomNormal([6, 5], 0, 0.5, 'float32', 1), tf.randomNormal([5, 3], 0, 0.5, 'float32', 2)],
    );
    const counts = tf.tensor2d(Array.from({ length: 40 }, (_, i) => [i % 3, 1, 0, 0, i % 2, 1]));
    const binary = tf.tensor2d(Array.from({ length: 40 }, (_, i) => [i % 2, 1, 0, 0, i % 2, 1]));
    const before = tf.memory().numTensors;
    await trainRbm(rbm, counts, { epochs: 3, batchSize: 10, learningRate: 0.01, persistent: true, sparsity: { target: 0.1, cost: 0.1 }, seed: 24 });
    await trainDbm(dbm, { 0: binary }, { epochs: 3, batchSize: 10, learningRate: 0.01, chains: 10, seed: 25 });
    tf.dispose(await dbm.meanField({ 0: binary }, { steps: 3 }));
    await dbm.logProbabilityBound(binary, 0);
    // The DBM keeps one transposed copy of each weight matrix for its downward messages…
    expect(tf.memory().numTensors).toBe(before + dbm.weights.length);
    // …replaced, not added to, when training changes the weights.
    await trainDbm(dbm, { 0: binary }, { epochs: 2, batchSize: 10, learningRate: 0.01, chains: 10, seed: 26 });
    await trainDbm(dbm, { 0: binary }, { epochs: 2, batchSize: 10, learningRate: 0.01, chains: 10, centering: 0.1, blankRestarts: { share: 0.2, when: 'every-epoch' }, seed: 27 });
    tf.dispose(await dbm.meanField({ 0: binary }, { steps: 3 }));
    expect(tf.memory().numTensors).toBe(before + dbm.weights.length);
    dbm.dispose();
  });

  it('downward messages follow the weights as training changes them', async () => {
    const dbm = new Dbm(
      [
        { name: 'v', units: 'binary', bias: tf.zeros([4]) },
        { name: 'h', units: 'binary', bias: tf.zeros([3]) },
      ],
      [tf.randomNormal([4, 3], 0, 0.5, 'float32', 3)],
    );
    const h = tf.tensor2d([[1, 0, 1]]);
    const expected = () => tf.tidy(() => tf.add(dbm.layers[0].bias, tf.matMul(h, dbm.weights[0], false, true)));
    const before = dbm.input(0, [undefined, h], new Map());
    expectClose(await before.data(), await expected().data(), 1e-6);
    await trainDbm(dbm, { 0: tf.tensor2d([[1, 1, 0, 0], [0, 1, 1, 0]]) }, { epochs: 3, batchSize: 2, learningRate: 0.5, chains: 2, seed: 27 });
    const after = dbm.input(0, [undefined, h], new Map());
    expect(Array.from(await after.data())).not.toEqual(Array.from(await before.data()));
    expectClose(await after.data(), await expected().data(), 1e-6);
    tf.dispose([before, after, h]);
    dbm.dispose();
  });
});

describe('checkpoints', () => {
  it('float16 round-trips within half precision', () => {
    for (const x of [0, 1, -2.5, 0.1, 1e-3, 65504, -1e-6]) expect(fromHalf(toHalf(x))).toBeCloseTo(x, Math.abs(x) > 1 ? 0 : 3);
  });

  it('saves and loads named tensors', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ckpt-'));
    const W = tf.randomNormal([7, 3], 0, 1, 'float32', 1);
    await saveTensors(dir, { W, b: tf.tensor1d([1, 2, 3]) }, 'float16');
    const loaded = await loadTensors(dir);
    expect(loaded.W.shape).toEqual([7, 3]);
    expect(tf.max(tf.abs(tf.sub(loaded.W, W))).dataSync()[0]).toBeLessThan(3e-3);
    expect(vec(loaded.b)).toEqual([1, 2, 3]);
  });
});

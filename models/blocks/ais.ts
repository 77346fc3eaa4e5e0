/**
 * Annealed importance sampling for the partition function Z of an RBM or a DBM over binary
 * layers (Neal 2001; Salakhutdinov & Murray 2008; Salakhutdinov & Hinton 2009).
 *
 * The layers of one parity ("kept") are the state of the chain; the other parity's layers are
 * conditionally independent given them and are summed out analytically. For an RBM the kept layer
 * is v (the hidden units summed out), for a 2-layer DBM it is h1 (v and h2 summed out). The
 * intermediate distributions are
 *
 *   p*_β(x) = exp( Σ_kept ((1−β) a + β b)·x ) · Π_summed units (1 + exp(β · input))
 *
 * from β = 0 — a base model with no weights, biases a on the kept layers, whose log Z_A is known
 * exactly — to β = 1, the model. Each run moves its sample by one Gibbs step at every β and adds
 * log p*_βk(x) − log p*_βk−1(x) to its log importance weight; Z_B/Z_A ≈ mean of the weights.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from './random';
import type { Units } from './units';

/** A chain of layers with weights between neighbours: what both `Rbm` and `Dbm` are. */
export interface LayerChain {
  units: Units[];
  biases: tf.Tensor1D[];
  /** weights[i] joins layer i and i+1. */
  weights: tf.Tensor2D[];
}

export interface AisOptions {
  /** Independent annealing runs (100 in the papers). */
  runs?: number;
  /** Inverse temperatures from 0 to 1. */
  betas?: number[];
  /** 0: keep layers 0, 2, …; 1: keep layers 1, 3, … */
  keptParity: 0 | 1;
  /** Base-model biases of the kept layers (default 0, a uniform base). */
  baseBiases?: Record<number, tf.Tensor1D>;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

export interface AisResult {
  logZ: number;
  logZBase: number;
  /** log Z ± 3 standard errors of the mean weight, where the lower end exists. */
  interval: [number, number];
  logWeights: Float64Array;
}

/** The schedule of Salakhutdinov & Murray (2008): 14,500 temperatures, densest near β = 1. */
export function standardBetas(scale = 1): number[] {
  const segment = (from: number, to: number, count: number) => Array.from({ length: Math.max(1, Math.round(count * scale)) }, (_, i) => from + ((to - from) * i) / Math.max(1, Math.round(count * scale)));
  return [...segment(0, 0.5, 500), ...segment(0.5, 0.9, 4000), ...segment(0.9, 1, 10000), 1];
}

function checkBinary(chain: LayerChain) {
  if (chain.units.some((u) => u !== 'binary')) throw new Error('AIS here is for binary layers');
}

const kept = (chain: LayerChain, parity: 0 | 1) => chain.biases.map((_, l) => l).filter((l) => l % 2 === parity);
const summed = (chain: LayerChain, parity: 0 | 1) => chain.biases.map((_, l) => l).filter((l) => l % 2 !== parity);

/** Bias plus input from the kept neighbours of summed layer `m` (at β = 1). */
function summedInput(chain: LayerChain, m: number, states: (tf.Tensor2D | undefined)[]): tf.Tensor2D {
  return tf.tidy(() => {
    let total = chain.biases[m].expandDims(0) as tf.Tensor2D;
    if (m > 0 && states[m - 1]) total = tf.add(total, tf.matMul(states[m - 1]!, chain.weights[m - 1]));
    if (m < chain.biases.length - 1 && states[m + 1]) total = tf.add(total, tf.matMul(states[m + 1]!, chain.weights[m], false, true));
    return total;
  });
}

/** log p*_β of the kept states, given precomputed summed-layer inputs. */
function logUnnormalised(chain: LayerChain, parity: 0 | 1, states: (tf.Tensor2D | undefined)[], inputs: Map<number, tf.Tensor2D>, beta: number, base: Record<number, tf.Tensor1D>): tf.Tensor1D {
  return tf.tidy(() => {
    let total = tf.zeros([states[kept(chain, parity)[0]]!.shape[0]]) as tf.Tensor1D;
    for (const l of kept(chain, parity)) {
      const bias = base[l] ? tf.add(tf.mul(1 - beta, base[l]), tf.mul(beta, chain.biases[l])) : tf.mul(beta, chain.biases[l]);
      total = tf.add(total, tf.sum(tf.mul(states[l]!, bias), 1));
    }
    for (const input of inputs.values()) total = tf.add(total, tf.sum(tf.softplus(tf.mul(beta, input)), 1));
    return total;
  });
}

export async function annealedImportanceSampling(chain: LayerChain, options: AisOptions): Promise<AisResult> {
  checkBinary(chain);
  const rng = new Rng(options.seed);
  const runs = options.runs ?? 100;
  const betas = options.betas ?? standardBetas();
  const parity = options.keptParity;
  const base = options.baseBiases ?? {};
  const keptLayers = kept(chain, parity);
  const summedLayers = summed(chain, parity);

  // log Z_A: kept units independent with biases a; each summed unit contributes log 2.
  const logZBase = tf.tidy(() => {
    let total = 0;
    for (const l of keptLayers) total += base[l] ? tf.sum(tf.softplus(base[l])).dataSync()[0] : chain.biases[l].shape[0] * Math.LN2;
    for (const m of summedLayers) total += chain.biases[m].shape[0] * Math.LN2;
    return total;
  });

  // Exact samples of the base model.
  const states: (tf.Tensor2D | undefined)[] = chain.biases.map((bias, l) =>
    keptLayers.includes(l) ? tf.tidy(() => rng.bernoulli(tf.sigmoid(tf.tile((base[l] ?? tf.zeros(bias.shape)).expandDims(0), [runs, 1])) as tf.Tensor2D)) : undefined,
  );
  let logWeights = tf.zeros([runs]) as tf.Tensor1D;

  for (let k = 1; k < betas.length; k++) {
    const [previous, beta] = [betas[k - 1], betas[k]];
    const next = tf.tidy(() => {
      const inputs = new Map(summedLayers.map((m) => [m, summedInput(chain, m, states)]));
      const increment = tf.sub(logUnnormalised(chain, parity, states, inputs, beta, base), logUnnormalised(chain, parity, states, inputs, previous, base));
      // One Gibbs step that leaves p*_β invariant: summed layers given kept, then kept given summed.
      const hidden: (tf.Tensor2D | undefined)[] = [...states];
      for (const m of summedLayers) hidden[m] = rng.bernoulli(tf.sigmoid(tf.mul(beta, inputs.get(m)!)) as tf.Tensor2D);
      // Kept layers at β: σ((1−β)a + β(b + W h)).
      const fresh = keptLayers.map((l) => {
        const input = tf.mul(beta, summedInput(chain, l, hidden));
        return rng.bernoulli(tf.sigmoid(base[l] ? tf.add(input, tf.mul(1 - beta, base[l])) : input) as tf.Tensor2D);
      });
      return { weights: tf.add(logWeights, increment) as tf.Tensor1D, fresh };
    });
    logWeights.dispose();
    logWeights = next.weights;
    keptLayers.forEach((l, i) => {
      states[l]!.dispose();
      states[l] = next.fresh[i];
    });
    if (k % 500 === 0) {
      options.onProgress?.(k, betas.length - 1);
      await tf.nextFrame();
    }
  }
  options.onProgress?.(betas.length - 1, betas.length - 1);

  const w = Float64Array.from(await logWeights.data());
  tf.dispose([logWeights, ...states]);
  const max = Math.max(...w);
  const ratios = Array.from(w, (x) => Math.exp(x - max));
  const mean = ratios.reduce((a, b) => a + b, 0) / runs;
  const sd = Math.sqrt(ratios.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, runs - 1));
  const logZ = logZBase + max + Math.log(mean);
  const spread = (3 * sd) / Math.sqrt(runs);
  const lower = mean - spread > 0 ? logZBase + max + Math.log(mean - spread) : -Infinity;
  return { logZ, logZBase, interval: [lower, logZBase + max + Math.log(mean + spread)], logWeights: w };
}

/**
 * log Z by enumerating every state of the kept layers (2^units of them) — only for tiny models,
 * to check AIS against.
 */
export function exactLogZ(chain: LayerChain, parity: 0 | 1): number {
  checkBinary(chain);
  const keptLayers = kept(chain, parity);
  const sizes = keptLayers.map((l) => chain.biases[l].shape[0]);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > 20) throw new Error(`exactLogZ enumerates 2^${total} states; keep it ≤ 2^20`);
  const count = 2 ** total;
  return tf.tidy(() => {
    const all = allStates(total);
    const states: (tf.Tensor2D | undefined)[] = chain.biases.map(() => undefined);
    let offset = 0;
    keptLayers.forEach((l, i) => {
      states[l] = all.slice([0, offset], [count, sizes[i]]);
      offset += sizes[i];
    });
    const inputs = new Map(summed(chain, parity).map((m) => [m, summedInput(chain, m, states)]));
    return tf.logSumExp(logUnnormalised(chain, parity, states, inputs, 1, {})).dataSync()[0];
  });
}

/** Every binary vector of length n as rows of a [2^n × n] matrix (bit j of row s is s's j-th bit). */
export function allStates(n: number): tf.Tensor2D {
  const count = 2 ** n;
  const bits = new Float32Array(count * n);
  for (let s = 0; s < count; s++) for (let j = 0; j < n; j++) bits[s * n + j] = (s >> j) & 1;
  return tf.tensor2d(bits, [count, n]);
}

/** log p*(x) at β = 1 of kept states (the other parity summed out): e.g. −F(v) for an RBM. */
export function logUnnormalisedMarginal(chain: LayerChain, parity: 0 | 1, states: (tf.Tensor2D | undefined)[]): tf.Tensor1D {
  return tf.tidy(() => {
    const inputs = new Map(summed(chain, parity).map((m) => [m, summedInput(chain, m, states)]));
    return logUnnormalised(chain, parity, states, inputs, 1, {});
  });
}

/**
 * log-odds of the training pixel means (`train` is `rows × pixels`, binary): the biases of the
 * base-rate model AIS starts from. The means are smoothed as in Salakhutdinov's AIS code
 * (5 pseudo-counts "on" per 100 images), which keeps never-inked border pixels at a finite bias.
 */
export function pixelLogOdds(train: Float32Array, pixels: number): Float32Array {
  const rows = train.length / pixels;
  const pseudo = 0.05 * rows;
  const out = new Float32Array(pixels);
  for (let j = 0; j < pixels; j++) {
    let on = 0;
    for (let r = 0; r < rows; r++) on += train[r * pixels + j];
    const p = (on + pseudo) / (rows + pseudo);
    out[j] = Math.log(p / (1 - p));
  }
  return out;
}

/**
 * A deep belief net (Hinton, Osindero & Teh 2006): a stack of RBMs learned greedily, each on the
 * hidden probabilities of the one below (models/blocks/greedy.ts). As a generative model the top
 * two layers form an undirected RBM, and every layer below is a directed sigmoid belief layer
 * that uses the generative (top-down) weights of the RBM it came from:
 *
 *   p(v, h¹, h²) = p(v | h¹) · p(h¹, h²)        p(v_i = 1 | h¹) = σ(b_i + Σ_j W¹_ij h¹_j)
 *   p(h¹, h²)    = e^{−E_top(h¹, h²)} / Z_top     (the top RBM, h¹ its visible layer)
 *
 * Sampling: alternating Gibbs in the top RBM, then one top-down pass (means at the bottom).
 *
 * Its log-likelihood is bounded below (Hinton et al. 2006, eq. 8; Salakhutdinov & Murray 2008,
 * eq. 17) with the bottom RBM's recognition distribution q(h¹ | v) = Π_j σ(c_j + Σ_i v_i W¹_ij):
 *
 *   log p(v) ≥ Σ_h¹ q(h¹|v) [ log p(v | h¹) + log p*(h¹) ] + H(q(·|v)) − log Z_top
 *
 * with p*(h¹) = e^{b²·h¹} Π_k (1 + e^{c²_k + Σ_j h¹_j W²_jk}) = e^{−F_top(h¹)} the top RBM's
 * unnormalised marginal of its visible layer. log Z_top comes from AIS (models/blocks/ais.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { allStates, bernoulliLogLikelihood, binaryEntropy, loadTensors, rbmFromTensors, rbmTensors, Rng, saveTensors, type Rbm } from '@/models/blocks';
import { MNIST_PIXELS } from '@/lib/datasets';

export const CHECKPOINT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'checkpoint');

/** The stack, bottom RBM first. All layers binary. */
export class Dbn {
  constructor(readonly rbms: Rbm[]) {
    if (rbms.length < 2) throw new Error('a DBN needs at least two RBMs');
    rbms.forEach((rbm, l) => {
      if (rbm.units !== 'binary') throw new Error(`layer ${l} is ${rbm.units}; this DBN is binary throughout`);
      if (l > 0 && rbm.visible !== rbms[l - 1].hidden) throw new Error(`RBM ${l} has ${rbm.visible} visible units, the layer below has ${rbms[l - 1].hidden}`);
    });
  }

  get top(): Rbm {
    return this.rbms[this.rbms.length - 1];
  }

  get bottom(): Rbm {
    return this.rbms[0];
  }

  /** Sizes from the pixels up, e.g. [784, 500, 500]. */
  get sizes(): number[] {
    return [this.bottom.visible, ...this.rbms.map((r) => r.hidden)];
  }

  /**
   * The generative pass below the top RBM: from states of the top RBM's visible layer, sample each
   * directed layer from p(h^{l−1} | h^l) = σ(b + W h^l), and return the means p(v | h¹) at the bottom.
   */
  topDown(topVisible: tf.Tensor2D, rng: Rng): tf.Tensor2D {
    return tf.tidy(() => {
      let h = topVisible;
      for (let l = this.rbms.length - 2; l >= 1; l--) h = this.rbms[l].sampleVisible(h, rng);
      return this.bottom.visibleMean(h);
    });
  }

  /**
   * `steps` alternating Gibbs steps h¹ → h² → h¹ in the top RBM, from (and replacing) the binary
   * states `chain` of its visible layer.
   */
  gibbs(chain: tf.Tensor2D, steps: number, rng: Rng): tf.Tensor2D {
    let state = chain;
    for (let s = 0; s < steps; s++) {
      const next = tf.tidy(() => this.top.sampleVisible(this.top.sampleHidden(state, rng), rng));
      if (state !== chain) state.dispose();
      state = next;
    }
    return state === chain ? chain.clone() : state;
  }

  /**
   * Per image, the bound without its − log Z_top: E_q[log p(v|h¹) + log p*(h¹)] + H(q), the
   * expectation by `samples` draws h¹ ~ q(h¹|v) (an unbiased estimate of the expectation; H(q) is
   * exact). Two-layer DBNs only (deeper ones need q at every layer).
   */
  boundWithoutLogZ(v: tf.Tensor2D, samples: number, rng: Rng): tf.Tensor1D {
    this.checkTwoLayers();
    return tf.tidy(() => {
      const mu = this.bottom.hiddenProbs(v);
      let sum = tf.zeros([v.shape[0]]) as tf.Tensor1D;
      for (let s = 0; s < samples; s++) sum = tf.add(sum, this.logJointUnnormalised(v, rng.bernoulli(mu))) as tf.Tensor1D;
      return tf.add(tf.div(sum, samples), binaryEntropy(mu)) as tf.Tensor1D;
    });
  }

  /**
   * The same, with the expectation over q summed exactly over all 2^|h¹| states: for tiny models,
   * to check the sampled estimate and the bound against enumeration.
   */
  boundWithoutLogZExact(v: tf.Tensor2D): tf.Tensor1D {
    this.checkTwoLayers();
    const hidden = this.bottom.hidden;
    if (hidden > 16) throw new Error(`enumerating 2^${hidden} hidden states; keep it ≤ 2^16`);
    return tf.tidy(() => {
      const all = allStates(hidden); // [S × H]
      const mu = this.bottom.hiddenProbs(v); // [N × H]
      // log q(h|v) for every pair (n, s): Σ_j h_j log μ_j + (1 − h_j) log(1 − μ_j).
      const logMu = tf.log(tf.clipByValue(mu, 1e-12, 1));
      const logOneMinus = tf.log(tf.clipByValue(tf.sub(1, mu), 1e-12, 1));
      const logQ = tf.add(tf.matMul(logMu, all, false, true), tf.matMul(logOneMinus, tf.sub(1, all), false, true)); // [N × S]
      const rows = v.shape[0];
      const states = all.shape[0];
      // log p(v | h) + log p*(h) for every pair, with the rows repeated per state.
      const vRep = tf.reshape(tf.tile(v.expandDims(1), [1, states, 1]), [rows * states, v.shape[1]]) as tf.Tensor2D;
      const hRep = tf.tile(all, [rows, 1]) as tf.Tensor2D;
      const joint = tf.reshape(this.logJointUnnormalised(vRep, hRep), [rows, states]);
      const q = tf.exp(logQ);
      return tf.sub(tf.sum(tf.mul(q, joint), 1), tf.sum(tf.mul(q, logQ), 1)) as tf.Tensor1D;
    });
  }

  /** log p(v | h¹) + log p*(h¹) per row (Bernoulli pixels; the top RBM's −F at h¹). */
  logJointUnnormalised(v: tf.Tensor2D, h1: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.add(bernoulliLogLikelihood(v, this.bottom.visibleInput(h1)), tf.neg(this.top.freeEnergy(h1))) as tf.Tensor1D);
  }

  private checkTwoLayers() {
    if (this.rbms.length !== 2) throw new Error(`the bound here is for a 2-layer DBN, this one has ${this.rbms.length} RBMs`);
  }

  dispose(): void {
    this.rbms.forEach((r) => r.dispose());
  }
}

/** Saves every RBM of the stack as `rbm<l>.W`, `rbm<l>.visibleBias`, `rbm<l>.hiddenBias` (float16). */
export async function saveDbn(rbms: Rbm[], dir: string): Promise<void> {
  await saveTensors(dir, Object.assign({}, ...rbms.map((rbm, l) => rbmTensors(rbm, `rbm${l}.`))));
}

/** The stack saved by `saveDbn` (however many RBMs it holds). */
export async function loadRbms(dir: string): Promise<Rbm[]> {
  const t = await loadTensors(dir);
  const rbms: Rbm[] = [];
  for (let l = 0; t[`rbm${l}.W`]; l++) rbms.push(rbmFromTensors(t, `rbm${l}.`));
  Object.values(t).forEach((x) => x.dispose());
  return rbms;
}

export const loadDbn = async (dir: string): Promise<Dbn> => new Dbn(await loadRbms(dir));

/** Rows of binary pixels (lib/datasets/mnist-split.ts) as a [rows × 784] tensor. */
export const asTensor = (pixels: Float32Array): tf.Tensor2D => tf.tensor2d(pixels, [pixels.length / MNIST_PIXELS, MNIST_PIXELS]);

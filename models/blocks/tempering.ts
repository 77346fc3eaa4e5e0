/**
 * Parallel tempering for the persistent chains of a DBM's model term (Desjardins, Courville,
 * Bengio, Vincent & Delalleau, AISTATS 2010; Salakhutdinov, NIPS 2010, for DBMs). Plain Gibbs
 * chains that start at the data can stay in its modes for ever, while learning lets the energy
 * of states they never visit (a blank canvas, say) sink without anything to push it back up.
 * Here every chain has copies at inverse temperatures 0 < β_1 < … < β_K = 1, each sampling
 * p_β(s) ∝ exp(−β E(s)); hot copies roam freely, and after every sweep neighbouring copies of a
 * chain swap states with the Metropolis probability
 *
 *   min(1, exp((β_k − β_{k+1}) (E(s_k) − E(s_{k+1}))))
 *
 * which leaves every p_β invariant, so the β = 1 copies are still samples of the model, but now
 * ones that can reach modes far from the data. Binary layers only (a Gaussian or softmax layer
 * would need its own tempered conditionals).
 */
import * as tf from '@tensorflow/tfjs';
import type { Dbm } from './dbm';
import type { Rng } from './random';

export class TemperedChains {
  /** states[k][l]: layer l of the copies at temperature k, [chains × size]. */
  private states: tf.Tensor2D[][];
  private readonly attempted: number[];
  private readonly accepted: number[];
  private sweeps = 0;

  /**
   * `initial` (one tensor per layer, taken over) starts the copies at every temperature;
   * `betas` ascend to 1.
   */
  constructor(
    private readonly dbm: Dbm,
    initial: tf.Tensor2D[],
    readonly betas: number[],
    private readonly rng: Rng,
  ) {
    if (dbm.layers.some((layer) => layer.units !== 'binary')) throw new Error('parallel tempering here needs binary layers only');
    if (betas.length < 2 || betas.at(-1) !== 1 || betas.some((b, k) => b <= 0 || (k > 0 && b <= betas[k - 1]))) {
      throw new RangeError(`temperatures must ascend within (0, 1] and end at 1, got ${betas.join(', ')}`);
    }
    this.states = betas.map((_, k) => (k === betas.length - 1 ? initial : initial.map((s) => s.clone())));
    this.attempted = betas.slice(1).map(() => 0);
    this.accepted = betas.slice(1).map(() => 0);
  }

  /** The β = 1 copies: samples of the model itself (owned by this object). */
  get model(): tf.Tensor2D[] {
    return this.states[this.states.length - 1];
  }

  /** Share of accepted swaps between temperatures k and k+1 so far; a pair near 0 is a gap to close. */
  get swapRates(): number[] {
    return this.accepted.map((a, k) => (this.attempted[k] ? a / this.attempted[k] : 0));
  }

  /** One Gibbs sweep at every temperature, then swaps between neighbours (even pairs, then odd ones on alternate sweeps). */
  sweep(): void {
    const lengths = new Map<number, tf.Tensor1D>();
    this.states.forEach((states, k) => this.dbm.gibbsSweep(states, lengths, this.rng, new Set(), this.betas[k]));
    const first = this.sweeps++ % 2;
    for (let k = first; k + 1 < this.states.length; k += 2) this.swap(k);
  }

  /** Metropolis swaps, chain by chain, between the copies at temperatures k and k + 1. */
  private swap(k: number): void {
    const [low, high] = [this.states[k], this.states[k + 1]];
    const accept = tf.tidy(() => {
      // log ratio = (β_k − β_{k+1}) (E(s_k) − E(s_{k+1})), written with −E = negativeEnergy.
      const logRatio = tf.mul(this.betas[k] - this.betas[k + 1], tf.sub(this.dbm.negativeEnergy(high), this.dbm.negativeEnergy(low)));
      const u = tf.randomUniform(logRatio.shape, 0, 1, 'float32', this.rng.seed());
      return tf.cast(tf.less(tf.log(u), logRatio), 'float32').expandDims(1) as tf.Tensor2D;
    });
    const count = accept.sum().dataSync()[0];
    this.attempted[k] += accept.shape[0];
    this.accepted[k] += count;
    if (count > 0) {
      const swapped = tf.tidy(() =>
        low.map((_, l) => [tf.add(tf.mul(accept, high[l]), tf.mul(tf.sub(1, accept), low[l])), tf.add(tf.mul(accept, low[l]), tf.mul(tf.sub(1, accept), high[l]))] as tf.Tensor2D[]),
      );
      tf.dispose([...low, ...high]);
      this.states[k] = swapped.map((pair) => pair[0]);
      this.states[k + 1] = swapped.map((pair) => pair[1]);
    }
    accept.dispose();
  }

  dispose(): void {
    tf.dispose(this.states.flat());
  }
}

/** K inverse temperatures spaced geometrically from `hottest` to 1. */
export function geometricBetas(count: number, hottest: number): number[] {
  return Array.from({ length: count }, (_, k) => (k === count - 1 ? 1 : hottest ** (1 - k / (count - 1))));
}

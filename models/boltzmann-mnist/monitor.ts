/**
 * A quick, rough view of how a DBM is doing during training: log Z by a short AIS (20 runs, a tenth
 * of the 14,500 temperatures, v and h2 kept from the base-rate pixels) and the mean-field lower
 * bound on the first 500 training and held-out images. Short AIS tends to underestimate log Z,
 * and on a peaked model it can land below the certain floor (log Σ p*(v) over those 500 training
 * images and the blank one, each p*(v) bounded from below by mean field), so the bounds here use the larger of the
 * two. The figures are for comparing epochs of one run, not for reporting — `npm run
 * eval:boltzmann` gives the measured ones.
 */
import * as tf from '@tensorflow/tfjs';
import { annealedImportanceSampling, standardBetas, type Dbm } from '@/models/blocks';

export interface QuickEstimate {
  logZ: number;
  logZFloor: number;
  /** The bound of the blank image without log Z: a spurious mode shows here first. */
  blank: number;
  heldOut: number;
  train: number;
  seconds: number;
}

export async function quickDbmEstimate(dbm: Dbm, train: tf.Tensor2D, heldOut: tf.Tensor2D, base: tf.Tensor1D, seed = 1): Promise<QuickEstimate> {
  const started = Date.now();
  const ais = await annealedImportanceSampling(dbm.asChain(), { keptParity: 0, runs: 20, betas: standardBetas(0.1), baseBiases: { 0: base }, seed });
  const unnormalised = async (data: tf.Tensor2D) => {
    const rows = data.slice([0, 0], [Math.min(500, data.shape[0]), -1]);
    const values = Array.from(await dbm.logProbabilityBound(rows, 0, 30));
    rows.dispose();
    return values;
  };
  const zeros = tf.zeros([1, train.shape[1]]) as tf.Tensor2D;
  const blank = (await dbm.logProbabilityBound(zeros, 0, 30))[0];
  zeros.dispose();
  const trainValues = [...(await unnormalised(train)), blank];
  const heldOutValues = await unnormalised(heldOut);
  const max = Math.max(...trainValues);
  const logZFloor = max + Math.log(trainValues.reduce((a, x) => a + Math.exp(x - max), 0));
  const logZ = Math.max(ais.logZ, logZFloor);
  const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length - logZ;
  trainValues.pop();
  return { logZ: ais.logZ, logZFloor, blank, heldOut: average(heldOutValues), train: average(trainValues), seconds: (Date.now() - started) / 1000 };
}

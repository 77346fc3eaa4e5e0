/**
 * Baselines with exact log-likelihoods on the same binary images, run in the same command as the
 * Boltzmann machines' evaluation:
 *
 * - independent pixels: p(x) = Π_j μ_j^x_j (1 − μ_j)^(1 − x_j), μ the smoothed training means;
 * - a mixture of Bernoullis: p(x) = Σ_k π_k Π_j μ_kj^x_j (1 − μ_kj)^(1 − x_j), fitted by EM with
 *   a Beta(1 + α, 1 + α) prior on every μ_kj and a Dirichlet(1 + α) prior on π (MAP-EM), which keeps
 *   every probability off 0 and 1.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@/models/blocks';

/** Average exact log-likelihood, in nats, of every row of `x` under independent pixels `means`. */
function independentLogLikelihood(x: tf.Tensor2D, means: tf.Tensor1D): number {
  return tf.tidy(() => tf.mean(tf.add(tf.matMul(x, tf.sub(tf.log(means), tf.log1p(tf.neg(means))).expandDims(1)), tf.sum(tf.log1p(tf.neg(means))))).dataSync()[0]);
}

export interface BaselineResult {
  name: string;
  heldOut: number;
  train: number;
  detail: string;
}

export function independentPixels(train: tf.Tensor2D, heldOut: tf.Tensor2D): BaselineResult {
  const means = tf.tidy(() => tf.div(tf.add(tf.sum(train, 0), 1), train.shape[0] + 2)) as tf.Tensor1D;
  const result = { name: 'independent pixels', heldOut: independentLogLikelihood(heldOut, means), train: independentLogLikelihood(train, means), detail: 'pixel means with add-one smoothing' };
  means.dispose();
  return result;
}

/** log p(x_r | component k) for every row and component: [rows × K]. */
function componentLogLikelihoods(x: tf.Tensor2D, means: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const logOn = tf.log(means);
    const logOff = tf.log1p(tf.neg(means));
    return tf.add(tf.matMul(x, tf.transpose(tf.sub(logOn, logOff))), tf.sum(logOff, 1)) as tf.Tensor2D;
  });
}

/** Average exact log-likelihood of the rows of `x` under the mixture. */
function mixtureLogLikelihood(x: tf.Tensor2D, logWeights: tf.Tensor1D, means: tf.Tensor2D): number {
  return tf.tidy(() => tf.mean(tf.logSumExp(tf.add(componentLogLikelihoods(x, means), logWeights), 1)).dataSync()[0]);
}

export function mixtureOfBernoullis(train: tf.Tensor2D, heldOut: tf.Tensor2D, options: { components: number; iterations: number; prior: number; seed: number }): BaselineResult {
  const { components: K, iterations, prior } = options;
  const rng = new Rng(options.seed);
  // Start each component at a random training image, blurred towards the pixel means.
  const rows = rng.permutation(train.shape[0]).subarray(0, K);
  let means = tf.tidy(() => {
    const picked = tf.gather(train, tf.tensor1d(rows, 'int32'));
    return tf.add(tf.mul(0.5, picked), tf.mul(0.5, tf.mean(train, 0))).clipByValue(0.01, 0.99) as tf.Tensor2D;
  });
  let logWeights = tf.fill([K], -Math.log(K)) as tf.Tensor1D;
  for (let step = 0; step < iterations; step++) {
    const next = tf.tidy(() => {
      // E step: responsibilities r_nk ∝ π_k p(x_n | k).
      const responsibilities = tf.softmax(tf.add(componentLogLikelihoods(train, means), logWeights), 1);
      // M step (MAP): μ_k = (Σ_n r_nk x_n + α) / (Σ_n r_nk + 2α), π_k ∝ Σ_n r_nk + α.
      const counts = tf.sum(responsibilities, 0);
      const newMeans = tf.div(tf.add(tf.matMul(tf.transpose(responsibilities), train), prior), tf.add(counts, 2 * prior).expandDims(1));
      const newLogWeights = tf.log(tf.div(tf.add(counts, prior), tf.sum(tf.add(counts, prior))));
      return { means: newMeans as tf.Tensor2D, logWeights: newLogWeights as tf.Tensor1D };
    });
    tf.dispose([means, logWeights]);
    means = next.means;
    logWeights = next.logWeights;
  }
  const result = {
    name: `mixture of ${K} Bernoullis`,
    heldOut: mixtureLogLikelihood(heldOut, logWeights, means),
    train: mixtureLogLikelihood(train, logWeights, means),
    detail: `MAP-EM, ${iterations} iterations, Beta/Dirichlet prior α = ${prior}, seed ${options.seed}`,
  };
  tf.dispose([means, logWeights]);
  return result;
}

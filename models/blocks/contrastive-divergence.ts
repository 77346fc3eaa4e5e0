/**
 * Learning an RBM by contrastive divergence (Hinton 2002) and persistent contrastive divergence
 * (Tieleman 2008). The gradient of the log-likelihood is
 *
 *   ∂ log p(v) / ∂W = E_data[v hᵀ] − E_model[v hᵀ]
 *
 * The data term uses p(h | v) on a minibatch. The model term uses samples after k Gibbs steps,
 * started at the data (CD-k) or continued from the previous update's chains (PCD). Updates use
 * momentum, L2 weight decay and, optionally, a sparsity target for the hidden units (Hinton's
 * "practical guide", section 11): the biases of units whose running mean activation q exceeds the
 * target are pushed down by cost · (target − q).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from './random';
import type { Rbm } from './rbm';
import { lengthsOf } from './units';

export interface CdOptions {
  epochs: number;
  batchSize?: number;
  learningRate: number;
  /** Gibbs steps per update (the k of CD-k). */
  k?: number;
  /** Keep the negative chains between updates (PCD) instead of restarting them at the data. */
  persistent?: boolean;
  /** Momentum at the start and from `momentumSwitchEpoch` on (0.5 → 0.9 in the guide). */
  momentum?: { initial: number; final: number; switchEpoch: number };
  weightDecay?: number;
  sparsity?: { target: number; cost: number };
  /** Learning rate at epoch e is learningRate / (1 + e · decay). */
  learningRateDecay?: number;
  seed: number;
  onEpoch?: (info: { epoch: number; epochs: number; reconstructionError: number; seconds: number }) => void;
  /** Called after every minibatch (for progress bars); return true to stop early. */
  onBatch?: (done: number, total: number) => boolean | void;
}

/** Trains `rbm` in place on the rows of `data` (binary, standardised reals or word counts). */
export async function trainRbm(rbm: Rbm, data: tf.Tensor2D, options: CdOptions): Promise<void> {
  const rng = new Rng(options.seed);
  const batchSize = options.batchSize ?? 100;
  const k = options.k ?? 1;
  const momentum = options.momentum ?? { initial: 0.5, final: 0.9, switchEpoch: 5 };
  const weightDecay = options.weightDecay ?? 0;
  const rows = data.shape[0];
  const batches = Math.floor(rows / batchSize) || 1;
  const velocity: { W: tf.Tensor; b: tf.Tensor; c: tf.Tensor } = { W: tf.zerosLike(rbm.W), b: tf.zerosLike(rbm.visibleBias), c: tf.zerosLike(rbm.hiddenBias) };
  let chains: tf.Tensor2D | undefined; // PCD's persistent visible states
  let chainLengths: tf.Tensor1D | undefined;
  let activity = tf.fill([rbm.hidden], options.sparsity?.target ?? 0) as tf.Tensor1D;

  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const started = Date.now();
      const order = rng.permutation(rows);
      const m = epoch < momentum.switchEpoch ? momentum.initial : momentum.final;
      const lr = options.learningRate / (1 + epoch * (options.learningRateDecay ?? 0));
      let error = 0;
      for (let batch = 0; batch < batches; batch++) {
        const indices = tf.tensor1d(order.subarray(batch * batchSize, Math.min(rows, (batch + 1) * batchSize)), 'int32');
        const v0 = tf.gather(data, indices) as tf.Tensor2D;
        indices.dispose();
        const lengths = rbm.lengths(v0);
        if (options.persistent && !chains) {
          chains = v0.clone();
          chainLengths = lengths?.clone();
        }
        const start = options.persistent ? chains! : v0;
        const startLengths = options.persistent ? chainLengths : lengths;

        const next = tf.tidy(() => {
          const h0 = rbm.hiddenProbs(v0, lengths);
          let vk = start;
          let hk = rbm.sampleHidden(vk, rng, startLengths);
          for (let step = 0; step < k; step++) {
            vk = rbm.sampleVisible(hk, rng, startLengths);
            if (step < k - 1) hk = rbm.sampleHidden(vk, rng, startLengths);
          }
          const hkProbs = rbm.hiddenProbs(vk, startLengths);
          const n = v0.shape[0];
          const nk = vk.shape[0];
          const gradW = tf.sub(tf.div(tf.matMul(v0, h0, true, false), n), tf.div(tf.matMul(vk, hkProbs, true, false), nk));
          const gradB = tf.sub(tf.mean(v0, 0), tf.mean(vk, 0));
          // Replicated Softmax: the hidden biases are scaled by D, so their gradient is too.
          const scaled = (h: tf.Tensor2D, d?: tf.Tensor1D) => (d ? tf.mul(h, d.expandDims(1)) : h);
          let gradC = tf.sub(tf.mean(scaled(h0, lengths), 0), tf.mean(scaled(hkProbs, startLengths), 0));
          const newActivity = tf.add(tf.mul(0.9, activity), tf.mul(0.1, tf.mean(h0, 0)));
          if (options.sparsity) gradC = tf.add(gradC, tf.mul(options.sparsity.cost, tf.sub(options.sparsity.target, newActivity)));
          const vW = tf.add(tf.mul(m, velocity.W), tf.mul(lr, tf.sub(gradW, tf.mul(weightDecay, rbm.W))));
          const vB = tf.add(tf.mul(m, velocity.b), tf.mul(lr, gradB));
          const vC = tf.add(tf.mul(m, velocity.c), tf.mul(lr, gradC));
          const err = tf.mean(tf.square(tf.sub(v0, rbm.visibleMean(h0, lengths))));
          return { vW, vB, vC, vk: tf.keep(vk), activity: newActivity, err };
        });
        tf.tidy(() => {
          rbm.W.assign(tf.add(rbm.W, next.vW) as tf.Tensor2D);
          rbm.visibleBias.assign(tf.add(rbm.visibleBias, next.vB) as tf.Tensor1D);
          rbm.hiddenBias.assign(tf.add(rbm.hiddenBias, next.vC) as tf.Tensor1D);
        });
        tf.dispose([velocity.W, velocity.b, velocity.c, activity]);
        velocity.W = next.vW;
        velocity.b = next.vB;
        velocity.c = next.vC;
        activity = next.activity as tf.Tensor1D;
        if (options.persistent) {
          chains!.dispose();
          chains = next.vk;
        } else next.vk.dispose();
        error += next.err.dataSync()[0];
        tf.dispose([next.err, v0, lengths]);
        if (options.onBatch?.(epoch * batches + batch + 1, options.epochs * batches)) return;
        if (batch % 8 === 7) await tf.nextFrame();
      }
      options.onEpoch?.({ epoch: epoch + 1, epochs: options.epochs, reconstructionError: error / batches, seconds: (Date.now() - started) / 1000 });
    }
  } finally {
    tf.dispose([velocity.W, velocity.b, velocity.c, activity, chains, chainLengths]);
  }
}

/** Hidden-unit probabilities for every row of `data`, in batches (the input of the next RBM up). */
export function hiddenRepresentation(rbm: Rbm, data: tf.Tensor2D, batchSize = 500): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < data.shape[0]; start += batchSize) {
    parts.push(tf.tidy(() => rbm.hiddenProbs(data.slice([start, 0], [Math.min(batchSize, data.shape[0] - start), -1]))));
  }
  const out = tf.concat(parts);
  tf.dispose(parts);
  return out;
}

export { lengthsOf };

/**
 * The three kinds of units the tutorial's Boltzmann machines use, and what each contributes:
 *
 * - binary: s ∈ {0,1}, p(s=1 | input) = σ(input);
 * - gaussian: real-valued, unit variance (standardise the data first), mean = input, and the
 *   energy holds +(v − b)²/2 instead of −v·b (Gaussian–Bernoulli RBM, Hinton & Salakhutdinov 2006);
 * - softmax: a word-count vector of a document with D words, each word a draw from
 *   softmax(input) (Replicated Softmax, Salakhutdinov & Hinton 2009); the layer above it scales
 *   its biases by D, so short and long documents are modelled by one set of weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './random';

export type Units = 'binary' | 'gaussian' | 'softmax';

/** E[s | input]. For softmax: expected counts D·softmax(input), D = `lengths` per row. */
export function meanOf(units: Units, input: tf.Tensor2D, lengths?: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    if (units === 'binary') return tf.sigmoid(input);
    if (units === 'gaussian') return input.clone();
    if (!lengths) throw new Error('softmax units need document lengths');
    return tf.mul(tf.softmax(input), lengths.expandDims(1));
  });
}

/** A sample of s | input. */
export function sampleOf(units: Units, input: tf.Tensor2D, rng: Rng, lengths?: tf.Tensor1D): tf.Tensor2D {
  if (units === 'binary') return tf.tidy(() => rng.bernoulli(tf.sigmoid(input)));
  if (units === 'gaussian') return rng.gaussian(input);
  if (!lengths) throw new Error('softmax units need document lengths');
  return rng.multinomialCounts(input, lengths);
}

/**
 * The visible part of −energy: v·b for binary and softmax units, −‖v − b‖²/2 for Gaussian ones,
 * one value per row.
 */
export function visibleTerm(units: Units, v: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => (units === 'gaussian' ? tf.mul(-0.5, tf.sum(tf.square(tf.sub(v, bias)), 1)) : tf.sum(tf.mul(v, bias), 1)));
}

/** Document lengths (row sums) of a count matrix. */
export const lengthsOf = (counts: tf.Tensor2D): tf.Tensor1D => tf.tidy(() => tf.sum(counts, 1) as tf.Tensor1D);

/** Σ_j log(1 + e^{x_j}) per row: the binary units of a layer summed out. */
export const softplusSum = (x: tf.Tensor2D): tf.Tensor1D => tf.tidy(() => tf.sum(tf.softplus(x), 1) as tf.Tensor1D);

/** Σ_j H(μ_j) per row: the entropy of factorised binary units with means μ. */
export function binaryEntropy(mu: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const p = tf.clipByValue(mu, 1e-7, 1 - 1e-7);
    return tf.neg(tf.sum(tf.add(tf.mul(p, tf.log(p)), tf.mul(tf.sub(1, p), tf.log(tf.sub(1, p)))), 1)) as tf.Tensor1D;
  });
}

/** log p(v | logits) for Bernoulli units: Σ_i v_i log σ(x_i) + (1 − v_i) log(1 − σ(x_i)) = Σ_i v_i x_i − log(1 + e^{x_i}), per row. */
export function bernoulliLogLikelihood(v: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.sub(tf.mul(v, logits), tf.softplus(logits)), 1) as tf.Tensor1D);
}

/**
 * A long short-term memory cell (Hochreiter & Schmidhuber 1997, with a forget gate; no
 * peepholes), written with plain ops so that it trains on every backend — WASM has no fused
 * LSTMCell kernel.
 *
 *   [i, f, g, o] = x W + h_{t−1} U + b
 *   c_t = σ(f) ⊙ c_{t−1} + σ(i) ⊙ tanh(g)
 *   h_t = σ(o) ⊙ tanh(c_t)
 */
import * as tf from '@tensorflow/tfjs';

export interface LstmWeights {
  /** [inputs, 4·units], gate blocks in the order i, f, g, o. */
  kernel: tf.Tensor2D;
  /** [units, 4·units]. */
  recurrent: tf.Tensor2D;
  /** [4·units]. */
  bias: tf.Tensor1D;
}

/** A type alias, not an interface, so that tf.tidy accepts it as a tensor container. */
export type LstmState = {
  h: tf.Tensor2D;
  c: tf.Tensor2D;
};

export function zeroLstmState(batch: number, units: number): LstmState {
  return { h: tf.zeros([batch, units]), c: tf.zeros([batch, units]) };
}

/**
 * The cell update from its gate pre-activations minus the recurrent term: `inputGates` is x W + b,
 * which a caller may compute for a whole sequence at once.
 */
export function lstmUpdate(inputGates: tf.Tensor2D, state: LstmState, recurrent: tf.Tensor2D): LstmState {
  return tf.tidy(() => {
    const gates = tf.add(inputGates, tf.matMul(state.h, recurrent));
    const [i, f, g, o] = tf.split(gates, 4, 1);
    const c = tf.add(tf.mul(tf.sigmoid(f), state.c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
    const h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D;
    return { h, c };
  });
}

/** One step of the cell on inputs x [batch, inputs]. */
export function lstmStep(x: tf.Tensor2D, state: LstmState, weights: LstmWeights): LstmState {
  return tf.tidy(() => lstmUpdate(tf.add(tf.matMul(x, weights.kernel), weights.bias), state, weights.recurrent));
}

/**
 * Seeded sampling for the Boltzmann machines: every random draw takes its seed from one
 * mulberry32 stream, so a run with the same seed draws the same numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '@/lib/random';

export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A fresh seed for one tfjs random op. */
  seed(): number {
    return Math.floor(this.next() * 2 ** 31);
  }

  uniform(): number {
    return this.next();
  }

  /** Binary states: 1 with probability `p`. */
  bernoulli(p: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.cast(tf.less(tf.randomUniform(p.shape, 0, 1, 'float32', this.seed()), p), 'float32') as tf.Tensor2D);
  }

  /** Unit-variance Gaussian states around `mean`. */
  gaussian(mean: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(mean, tf.randomNormal(mean.shape, 0, 1, 'float32', this.seed())) as tf.Tensor2D);
  }

  /**
   * Word counts: row r draws `lengths[r]` words from softmax(`logits[r]`) and counts them — the
   * visible layer of a Replicated Softmax model, one document per row.
   */
  multinomialCounts(logits: tf.Tensor2D, lengths: tf.Tensor1D): tf.Tensor2D {
    const maxLength = Math.max(1, Math.round(lengths.max().dataSync()[0]));
    return tf.tidy(() => {
      const [rows, words] = logits.shape;
      const draws = tf.multinomial(logits, maxLength, this.seed()) as tf.Tensor2D; // [rows, maxLength]
      const used = tf.cast(tf.less(tf.range(0, maxLength).expandDims(0), lengths.expandDims(1)), 'float32'); // [rows, maxLength]
      const oneHot = tf.oneHot(draws.reshape([-1]), words).reshape([rows, maxLength, words]);
      return tf.sum(tf.mul(oneHot, used.expandDims(2)), 1) as tf.Tensor2D;
    });
  }

  /** `count` distinct row indices of [0, n) in random order (a minibatch). */
  permutation(n: number): Int32Array {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
}

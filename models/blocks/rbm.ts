/**
 * Restricted Boltzmann machines: a layer of visible units v and a layer of binary hidden units h,
 * joined by weights W and no connections within a layer, with
 *
 *   E(v, h) = −vᵀW h − b·v − c·h           (binary RBM)
 *   E(v, h) = ‖v − b‖²/2 − vᵀW h − c·h     (Gaussian–Bernoulli RBM, unit variance)
 *   E(v, h) = −vᵀW h − b·v − D c·h         (Replicated Softmax RBM; v counts a document's D words)
 *
 * Both conditionals factorise: p(h_j = 1 | v) = σ(c_j·[D] + Σ_i v_i W_ij), and v | h is
 * Bernoulli, Gaussian or multinomial around b + W h. Summing h out gives the free energy
 * F(v) = −[visible term] − Σ_j log(1 + e^{c_j + vᵀW_j}), so p(v) = e^{−F(v)} / Z.
 *
 * `upScale` and `downScale` are the doubled weights Salakhutdinov & Hinton (2012) use when an RBM
 * is pretrained to become a layer of a DBM: the bottom RBM sees its visible layer twice going up
 * (upScale 2), the top RBM its hidden layer twice going down (downScale 2), so that the stacked
 * weights do not count the evidence twice once every layer is connected in the DBM.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerChain } from './ais';
import type { Rng } from './random';
import { lengthsOf, meanOf, sampleOf, softplusSum, visibleTerm, type Units } from './units';

export interface RbmShape {
  visible: number;
  hidden: number;
  units: Units;
  upScale?: number;
  downScale?: number;
}

export class Rbm {
  readonly units: Units;
  readonly visible: number;
  readonly hidden: number;
  readonly upScale: number;
  readonly downScale: number;
  /** [visible × hidden]. */
  readonly W: tf.Variable<tf.Rank.R2>;
  /** b, [visible]. */
  readonly visibleBias: tf.Variable<tf.Rank.R1>;
  /** c, [hidden]. */
  readonly hiddenBias: tf.Variable<tf.Rank.R1>;

  constructor(shape: RbmShape, init: { W: tf.Tensor2D; visibleBias?: tf.Tensor1D; hiddenBias?: tf.Tensor1D }) {
    this.units = shape.units;
    this.visible = shape.visible;
    this.hidden = shape.hidden;
    this.upScale = shape.upScale ?? 1;
    this.downScale = shape.downScale ?? 1;
    if (init.W.shape[0] !== shape.visible || init.W.shape[1] !== shape.hidden) {
      throw new Error(`RBM weights are ${init.W.shape.join('×')}, expected ${shape.visible}×${shape.hidden}`);
    }
    this.W = tf.variable(init.W);
    this.visibleBias = tf.variable(init.visibleBias ?? tf.zeros([shape.visible]));
    this.hiddenBias = tf.variable(init.hiddenBias ?? tf.zeros([shape.hidden]));
  }

  /** Small random weights (N(0, 0.01²)), zero biases. */
  static random(shape: RbmShape, rng: Rng, scale = 0.01): Rbm {
    return new Rbm(shape, { W: tf.randomNormal([shape.visible, shape.hidden], 0, scale, 'float32', rng.seed()) });
  }

  /** Document lengths D of a softmax visible batch; undefined for other units. */
  lengths(v: tf.Tensor2D): tf.Tensor1D | undefined {
    return this.units === 'softmax' ? lengthsOf(v) : undefined;
  }

  /** The total input to each hidden unit: c·[D] + upScale · vᵀW. */
  hiddenInput(v: tf.Tensor2D, lengths = this.lengths(v)): tf.Tensor2D {
    return tf.tidy(() => {
      const bias = lengths ? tf.mul(lengths.expandDims(1), this.hiddenBias) : this.hiddenBias;
      return tf.add(tf.mul(this.upScale, tf.matMul(v, this.W)), bias);
    });
  }

  /** p(h = 1 | v). */
  hiddenProbs(v: tf.Tensor2D, lengths = this.lengths(v)): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(this.hiddenInput(v, lengths)));
  }

  /** The total input to each visible unit: b + downScale · W h. */
  visibleInput(h: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.mul(this.downScale, tf.matMul(h, this.W, false, true)), this.visibleBias));
  }

  /** E[v | h]: probabilities, means, or expected word counts (D per row). */
  visibleMean(h: tf.Tensor2D, lengths?: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => meanOf(this.units, this.visibleInput(h), lengths));
  }

  sampleHidden(v: tf.Tensor2D, rng: Rng, lengths = this.lengths(v)): tf.Tensor2D {
    return tf.tidy(() => sampleOf('binary', this.hiddenInput(v, lengths), rng));
  }

  sampleVisible(h: tf.Tensor2D, rng: Rng, lengths?: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => sampleOf(this.units, this.visibleInput(h), rng, lengths));
  }

  /** E(v, h) per row. */
  energy(v: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const lengths = this.lengths(v);
      const hiddenBias = lengths ? tf.mul(lengths.expandDims(1), this.hiddenBias) : this.hiddenBias;
      const interaction = tf.sum(tf.mul(tf.matMul(v, this.W), h), 1);
      return tf.neg(tf.add(tf.add(interaction, visibleTerm(this.units, v, this.visibleBias)), tf.sum(tf.mul(h, hiddenBias), 1))) as tf.Tensor1D;
    });
  }

  /** F(v) per row, with the hidden units summed out: p(v) = e^{−F(v)} / Z. */
  freeEnergy(v: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.neg(tf.add(visibleTerm(this.units, v, this.visibleBias), softplusSum(this.hiddenInput(v)))) as tf.Tensor1D);
  }

  /** Mean squared error of a one-step reconstruction v → h → E[v | h], a training monitor. */
  reconstructionError(v: tf.Tensor2D): number {
    return tf.tidy(() => {
      const lengths = this.lengths(v);
      return tf.mean(tf.square(tf.sub(v, this.visibleMean(this.hiddenProbs(v, lengths), lengths)))).dataSync()[0];
    });
  }

  /** The RBM as a two-layer chain (v — h), for AIS. */
  asChain(): LayerChain {
    return { units: [this.units, 'binary'], biases: [this.visibleBias, this.hiddenBias], weights: [this.W] };
  }

  dispose(): void {
    this.W.dispose();
    this.visibleBias.dispose();
    this.hiddenBias.dispose();
  }
}

/** A binary RBM (Hinton 2002). */
export const binaryRbm = (visible: number, hidden: number, rng: Rng) => Rbm.random({ visible, hidden, units: 'binary' }, rng);

/** A Gaussian–Bernoulli RBM over real-valued, standardised inputs. */
export const gaussianBernoulliRbm = (visible: number, hidden: number, rng: Rng) => Rbm.random({ visible, hidden, units: 'gaussian' }, rng);

/** A Replicated Softmax RBM over word-count vectors (Salakhutdinov & Hinton 2009). */
export const replicatedSoftmaxRbm = (words: number, hidden: number, rng: Rng) => Rbm.random({ visible: words, hidden, units: 'softmax' }, rng);

/**
 * Deep Boltzmann machines (Salakhutdinov & Hinton 2009): layers of units where each layer talks
 * only to the layers next to it, every connection undirected. Here the layers form a chain
 * L0 — L1 — … — Ln, which covers both the 2-layer DBM on MNIST (v — h1 — h2) and the multimodal
 * DBM (image — h1 — h2 — joint — h2 — h1 — text, Srivastava & Salakhutdinov 2012), whose two
 * visible layers are the ends of the chain.
 *
 *   E(s) = −Σ_i s_iᵀ W_i s_{i+1} − Σ_l b_l·s_l     (+ ‖v − b‖²/2 for a Gaussian layer instead of −b·v)
 *
 * Learning follows the paper: the data term E_data[s_i s_{i+1}ᵀ] uses mean-field posteriors with
 * the observed layers clamped, and the model term E_model[·] uses persistent Gibbs chains
 * ("fantasy particles") advanced a few sweeps per update.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerChain } from './ais';
import { Rng } from './random';
import { TemperedChains } from './tempering';
import type { Rbm } from './rbm';
import { binaryEntropy, lengthsOf, meanOf, sampleOf, visibleTerm, type Units } from './units';

export interface DbmLayerSpec {
  name: string;
  units: Units;
  bias: tf.Tensor1D;
  /** A binary layer next to a Replicated Softmax layer scales its biases by that document's length. */
  scaleBiasBy?: number;
}

export interface DbmLayer {
  name: string;
  units: Units;
  size: number;
  bias: tf.Variable<tf.Rank.R1>;
  scaleBiasBy?: number;
}

/** Observed layers by index (e.g. `{0: images}`); the rest are inferred. */
export type Observed = Record<number, tf.Tensor2D>;

export interface MeanFieldOptions {
  steps?: number;
  /** Document length assumed for a free softmax layer (an unobserved text layer). */
  freeLength?: number;
  /** Called after each sweep with the current means (valid only during the call). */
  onStep?: (step: number, means: tf.Tensor2D[]) => void | Promise<void>;
  /** Checked between sweeps; true stops early. */
  cancelled?: () => boolean;
}

export class Dbm {
  readonly layers: DbmLayer[];
  /** weights[i] joins layer i and i+1, [size_i × size_{i+1}]. */
  readonly weights: tf.Variable<tf.Rank.R2>[];

  constructor(layers: DbmLayerSpec[], weights: tf.Tensor2D[]) {
    if (weights.length !== layers.length - 1) throw new Error(`a chain of ${layers.length} layers needs ${layers.length - 1} weight matrices`);
    weights.forEach((w, i) => {
      if (w.shape[0] !== layers[i].bias.shape[0] || w.shape[1] !== layers[i + 1].bias.shape[0]) {
        throw new Error(`weights ${i} are ${w.shape.join('×')}, expected ${layers[i].bias.shape[0]}×${layers[i + 1].bias.shape[0]}`);
      }
    });
    this.layers = layers.map((l) => ({ name: l.name, units: l.units, size: l.bias.shape[0], bias: tf.variable(l.bias), scaleBiasBy: l.scaleBiasBy }));
    this.weights = weights.map((w) => tf.variable(w));
  }

  /**
   * A DBM from greedily pretrained RBMs stacked bottom-up (v — h1 — … ): layer l's bias is the
   * average of the hidden bias of the RBM below and the visible bias of the RBM above.
   */
  static fromStack(stack: Rbm[], names?: string[]): Dbm {
    const layers: DbmLayerSpec[] = [];
    layers.push({ name: names?.[0] ?? 'v', units: stack[0].units, bias: stack[0].visibleBias });
    stack.forEach((rbm, i) => {
      const above = stack[i + 1];
      const bias = above ? tf.div(tf.add(rbm.hiddenBias, above.visibleBias), 2) as tf.Tensor1D : rbm.hiddenBias;
      layers.push({ name: names?.[i + 1] ?? `h${i + 1}`, units: 'binary', bias, scaleBiasBy: i === 0 && rbm.units === 'softmax' ? 0 : undefined });
    });
    return new Dbm(layers, stack.map((rbm) => rbm.W));
  }

  /** Document lengths of each softmax layer: from the observed counts, else `freeLength`. */
  lengthsFor(observed: Observed, rows: number, freeLength = 1): Map<number, tf.Tensor1D> {
    const lengths = new Map<number, tf.Tensor1D>();
    this.layers.forEach((layer, l) => {
      if (layer.units !== 'softmax') return;
      lengths.set(l, observed[l] ? lengthsOf(observed[l]) : tf.fill([rows], freeLength) as tf.Tensor1D);
    });
    return lengths;
  }

  /** Wᵀ of each weight matrix, kept until the matrix changes (`assign` gives it new data). */
  private readonly transposed: ({ of: object; tensor: tf.Tensor2D } | undefined)[] = [];

  /**
   * weights[l]ᵀ, for the downward messages. Every sweep multiplies by it, and on WASM a product
   * asked for with a transpose flag transposes the whole matrix on each call (lib/tfjs/wasm-kernels):
   * for one photo that was 5 ms of a 5.2 ms product. Kept here, it is transposed once per update.
   */
  private transposedWeights(l: number): tf.Tensor2D {
    const w = this.weights[l];
    const cached = this.transposed[l];
    if (cached?.of === w.dataId) return cached.tensor;
    cached?.tensor.dispose();
    const tensor = tf.keep(tf.transpose(w) as tf.Tensor2D);
    this.transposed[l] = { of: w.dataId, tensor };
    return tensor;
  }

  /**
   * The total input to layer `l` from its bias and its neighbours' states. `traced` takes Wᵀ afresh
   * from the weights instead of the cached copy, so that gradients reach the weights through it.
   */
  input(l: number, states: (tf.Tensor2D | undefined)[], lengths: Map<number, tf.Tensor1D>, traced = false): tf.Tensor2D {
    return tf.tidy(() => {
      const layer = this.layers[l];
      const scale = layer.scaleBiasBy !== undefined ? lengths.get(layer.scaleBiasBy) : undefined;
      let total: tf.Tensor2D = (scale ? tf.mul(scale.expandDims(1), layer.bias) : layer.bias.expandDims(0)) as tf.Tensor2D;
      const below = states[l - 1];
      const above = states[l + 1];
      if (l > 0 && below) total = tf.add(total, tf.matMul(below, this.weights[l - 1]));
      if (l < this.layers.length - 1 && above) {
        total = tf.add(total, traced ? tf.matMul(above, this.weights[l], false, true) : tf.matMul(above, this.transposedWeights(l)));
      }
      return total;
    });
  }

  /**
   * Mean-field inference of the free layers with the observed ones clamped: each sweep sets every
   * free layer, in chain order, to its mean given its neighbours' current means — coordinate ascent
   * on the variational lower bound, so each sweep can only raise it. Returns every layer's means
   * (observed layers as given, copied).
   */
  async meanField(observed: Observed, options: MeanFieldOptions = {}): Promise<tf.Tensor2D[]> {
    const steps = options.steps ?? 10;
    const rows = Object.values(observed)[0].shape[0];
    const lengths = this.lengthsFor(observed, rows, options.freeLength);
    const means = this.meanFieldStart(observed, lengths);
    try {
      for (let step = 1; step <= steps; step++) {
        this.meanFieldSweep(means, observed, lengths);
        await options.onStep?.(step, means);
        if (options.cancelled?.()) break;
      }
    } finally {
      tf.dispose([...lengths.values()]);
    }
    return means;
  }

  /**
   * `steps` mean-field sweeps as one differentiable computation (call it inside tf.grad,
   * tf.variableGrads or an optimizer's minimize, which own the intermediates): the same means as
   * `meanField`, from which gradients reach every weight and bias through every sweep.
   */
  tracedMeanField(observed: Observed, steps: number, freeLength = 1): tf.Tensor2D[] {
    const lengths = this.lengthsFor(observed, Object.values(observed)[0].shape[0], freeLength);
    const means = this.meanFieldStart(observed, lengths);
    for (let step = 0; step < steps; step++) this.meanFieldSweep(means, observed, lengths, true);
    return means;
  }

  /** Mean-field's starting point: observed layers as given (copied), free ones at their means given their biases alone. */
  meanFieldStart(observed: Observed, lengths: Map<number, tf.Tensor1D>): tf.Tensor2D[] {
    const rows = Object.values(observed)[0].shape[0];
    return this.layers.map((layer, l) =>
      observed[l] ? observed[l].clone() : tf.tidy(() => meanOf(layer.units, tf.tile(layer.bias.expandDims(0), [rows, 1]) as tf.Tensor2D, lengths.get(l))),
    );
  }

  /**
   * One mean-field sweep, in place: every free layer, in chain order, set to its mean given its
   * neighbours' current means. `traced` keeps every intermediate (nothing is disposed) so that the
   * sweeps can be differentiated with respect to the weights, as multi-prediction training does.
   */
  meanFieldSweep(means: tf.Tensor2D[], observed: Observed, lengths: Map<number, tf.Tensor1D>, traced = false): void {
    for (let l = 0; l < this.layers.length; l++) {
      if (observed[l]) continue;
      const mean = () => meanOf(this.layers[l].units, this.input(l, means, lengths, traced), lengths.get(l));
      if (traced) {
        means[l] = mean();
      } else {
        const next = tf.tidy(mean);
        means[l].dispose();
        means[l] = next;
      }
    }
  }

  /**
   * One Gibbs sweep over every layer (even layers given odd ones, then odd given even — each
   * parity is conditionally independent given the other), in place. `beta` < 1 samples the
   * tempered p_β ∝ exp(−β E) instead (binary layers only: their inputs are scaled by β).
   */
  gibbsSweep(states: tf.Tensor2D[], lengths: Map<number, tf.Tensor1D>, rng: Rng, clamped: Set<number> = new Set(), beta = 1): void {
    for (const parity of [0, 1]) {
      for (let l = parity; l < this.layers.length; l += 2) {
        if (clamped.has(l)) continue;
        if (beta !== 1 && this.layers[l].units !== 'binary') throw new Error('tempered Gibbs sampling needs binary layers');
        const next = tf.tidy(() => {
          const input = this.input(l, states, lengths);
          return sampleOf(this.layers[l].units, beta === 1 ? input : tf.mul(input, beta), rng, lengths.get(l));
        });
        states[l].dispose();
        states[l] = next;
      }
    }
  }

  /** −E(s) per row for factorised states or means (exact for means of a factorised q). */
  negativeEnergy(states: tf.Tensor2D[], lengths: Map<number, tf.Tensor1D> = new Map()): tf.Tensor1D {
    return tf.tidy(() => {
      let total = tf.zeros([states[0].shape[0]]) as tf.Tensor1D;
      this.layers.forEach((layer, l) => {
        const scale = layer.scaleBiasBy !== undefined ? lengths.get(layer.scaleBiasBy) : undefined;
        const term = scale ? tf.mul(tf.sum(tf.mul(states[l], layer.bias), 1), scale) : visibleTerm(layer.units, states[l], layer.bias);
        total = tf.add(total, term);
      });
      this.weights.forEach((w, i) => {
        total = tf.add(total, tf.sum(tf.mul(tf.matMul(states[i], w), states[i + 1]), 1));
      });
      return total;
    });
  }

  /**
   * The variational lower bound on log p(v) of a DBM over binary layers, with v = layer 0:
   * E_q[−E(v, h)] + H(q) − log Z, q the mean-field posterior (Salakhutdinov & Hinton 2009, eq. 7).
   */
  async logProbabilityBound(v: tf.Tensor2D, logZ: number, steps = 30): Promise<Float32Array> {
    const means = await this.meanField({ 0: v }, { steps });
    const bound = tf.tidy(() => {
      let entropy = tf.zeros([v.shape[0]]) as tf.Tensor1D;
      for (let l = 1; l < means.length; l++) entropy = tf.add(entropy, binaryEntropy(means[l]));
      return tf.sub(tf.add(this.negativeEnergy(means), entropy), logZ);
    });
    const out = (await bound.data()) as Float32Array;
    tf.dispose([bound, ...means]);
    return out;
  }

  /** The layers as a chain, for AIS. */
  asChain(): LayerChain {
    return { units: this.layers.map((l) => l.units), biases: this.layers.map((l) => l.bias), weights: this.weights };
  }

  dispose(): void {
    this.layers.forEach((l) => l.bias.dispose());
    this.weights.forEach((w) => w.dispose());
    this.transposed.forEach((t) => t?.tensor.dispose());
    this.transposed.length = 0;
  }
}

export interface DbmTrainingOptions {
  epochs: number;
  batchSize?: number;
  learningRate: number;
  learningRateDecay?: number;
  /** Per-layer learning-rate multipliers (e.g. smaller for a Gaussian layer's weights). */
  weightRateScale?: number[];
  /** Momentum at the start and from `switchEpoch` on (0.5 → 0.9 in the papers' code). */
  momentum?: { initial: number; final: number; switchEpoch: number };
  weightDecay?: number;
  /** Fantasy particles of the persistent Gibbs chains. */
  chains?: number;
  gibbsSteps?: number;
  /**
   * Inverse temperatures (ascending to 1) for parallel tempering of the chains (tempering.ts),
   * e.g. `geometricBetas(10, 0.05)`; without them the chains are plain Gibbs. Binary layers only.
   */
  temperatures?: number[];
  /** Called after each epoch's last update with the tempered chains' swap rates per neighbouring pair. */
  onSwapRates?: (rates: number[]) => void;
  meanFieldSteps?: number;
  /**
   * The centering trick (Montavon & Müller 2012; Melchior, Fischer & Wiskott 2016): the gradient
   * is taken in the parameters of E(s) = −Σ_i (s_i − λ_i)ᵀ W_i (s_{i+1} − λ_{i+1}) − Σ_l c_l·s_l,
   * each offset λ_l a running average (this rate per update) of layer l's mean-field means on the
   * data. It is the same family of models, so the weights are kept in the usual form and each step
   * is translated into it; only the steps differ, and they are better conditioned (the Hessian no
   * longer couples weights to biases through the units' means). Binary and Gaussian layers only.
   */
  centering?: number;
  /**
   * Fantasy particles restarted at the blank state (v all zero, the hidden layers sampled from their
   * mean-field posterior), the oldest `share` of them at the start of an epoch (after the first):
   * every epoch, or only while the blank v is likelier than every particle's v (mean-field bounds
   * on p*). Chains that start at the data may never reach a mode far from it — on binarized MNIST
   * the empty canvas, which comes to hold most of the mass — while restarted ones find it, so the
   * model term pushes it down. Restarted chains are not at equilibrium, so the model term is
   * biased towards the blank state; restarting only while it outweighs every particle limits that
   * to when the mode is evidently there. Binary DBMs observed at layer 0, plain chains.
   */
  blankRestarts?: { share: number; when: 'every-epoch' | 'while-blank-outweighs' };
  onBlankRestart?: (epoch: number) => void;
  seed: number;
  onEpoch?: (info: { epoch: number; epochs: number; seconds: number; dataTerm: number }) => void | Promise<void>;
  onBatch?: (done: number, total: number) => void;
}

/** Fantasy particles at `observed`: the hidden layers sampled from their mean-field posterior. */
async function startParticles(dbm: Dbm, observed: Observed, rng: Rng): Promise<tf.Tensor2D[]> {
  const means = await dbm.meanField(observed, { steps: 5 });
  return means.map((mu, l) => {
    const sampled = dbm.layers[l].units === 'binary' && !observed[l] ? rng.bernoulli(mu) : mu.clone();
    mu.dispose();
    return sampled;
  });
}

/** Whether the blank v has a larger mean-field bound on log p*(v) than every particle's v. */
async function blankOutweighs(dbm: Dbm, particles: tf.Tensor2D): Promise<boolean> {
  const blank = tf.zeros([1, particles.shape[1]]) as tf.Tensor2D;
  const [blankBound] = await dbm.logProbabilityBound(blank, 0, 10);
  blank.dispose();
  const bounds = await dbm.logProbabilityBound(particles, 0, 10);
  return bounds.every((b) => blankBound > b);
}

/**
 * Trains `dbm` in place on observed layers `data` (all rows aligned), by the paper's stochastic
 * approximation: mean-field for the data term, persistent Gibbs chains for the model term.
 */
export async function trainDbm(dbm: Dbm, data: Observed, options: DbmTrainingOptions): Promise<void> {
  const rng = new Rng(options.seed);
  const batchSize = options.batchSize ?? 100;
  const observedLayers = Object.keys(data).map(Number);
  const rows = data[observedLayers[0]].shape[0];
  const batches = Math.floor(rows / batchSize) || 1;
  const chainsCount = options.chains ?? batchSize;
  const schedule = options.momentum ?? { initial: 0.5, final: 0.9, switchEpoch: 5 };
  const weightDecay = options.weightDecay ?? 0;

  // Fantasy particles start at data rows, their hidden layers at mean-field states, then sampled.
  const start = tf.tensor1d(rng.permutation(rows).subarray(0, chainsCount), 'int32');
  const startObserved: Observed = Object.fromEntries(observedLayers.map((l) => [l, tf.gather(data[l], start) as tf.Tensor2D]));
  start.dispose();
  const chainLengths = dbm.lengthsFor(startObserved, chainsCount);
  let chains = await startParticles(dbm, startObserved, rng);
  tf.dispose(Object.values(startObserved));
  if (options.blankRestarts?.share && (options.temperatures || observedLayers.join() !== '0' || dbm.layers.some((l) => l.units !== 'binary'))) {
    throw new Error('blank restarts are for plain persistent chains of a binary DBM observed at layer 0');
  }
  const restarts = Math.round((options.blankRestarts?.share ?? 0) * chainsCount);
  const tempered = options.temperatures ? new TemperedChains(dbm, chains, options.temperatures, rng) : null;
  /** The chains the model term reads: the β = 1 copies when tempered. */
  const modelChains = () => (tempered ? tempered.model : chains);
  // Centering offsets start at the starting particles' means (the data's pixel means for v).
  const centering = options.centering;
  if (centering !== undefined && dbm.layers.some((l) => l.units === 'softmax' || l.scaleBiasBy !== undefined)) {
    throw new Error('centering needs binary or Gaussian layers');
  }
  let offsets: tf.Tensor1D[] | null = centering !== undefined ? chains.map((s) => tf.mean(s, 0) as tf.Tensor1D) : null;
  const velocity: { weights: tf.Tensor[]; biases: tf.Tensor[] } = {
    weights: dbm.weights.map((w) => tf.zerosLike(w)),
    biases: dbm.layers.map((l) => tf.zerosLike(l.bias)),
  };

  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const started = Date.now();
      const order = rng.permutation(rows);
      const lr = options.learningRate / (1 + epoch * (options.learningRateDecay ?? 0));
      const momentum = epoch < schedule.switchEpoch ? schedule.initial : schedule.final;
      let dataTerm = 0;
      if (restarts > 0 && epoch > 0 && (options.blankRestarts!.when === 'every-epoch' || (await blankOutweighs(dbm, chains[0])))) {
        // The oldest particles give way to ones started at the blank state.
        const blank = tf.zeros([restarts, dbm.layers[0].size]) as tf.Tensor2D;
        const fresh = await startParticles(dbm, { 0: blank }, rng);
        const kept = chains.map((states, l) => tf.tidy(() => tf.concat([states.slice([restarts, 0], [-1, -1]), fresh[l]]) as tf.Tensor2D));
        tf.dispose([...chains, ...fresh, blank]);
        chains = kept;
        options.onBlankRestart?.(epoch + 1);
      }
      for (let batch = 0; batch < batches; batch++) {
        const indices = tf.tensor1d(order.subarray(batch * batchSize, (batch + 1) * batchSize), 'int32');
        const observed: Observed = Object.fromEntries(observedLayers.map((l) => [l, tf.gather(data[l], indices) as tf.Tensor2D]));
        indices.dispose();
        const n = observed[observedLayers[0]].shape[0];
        const means = await dbm.meanField(observed, { steps: options.meanFieldSteps ?? 10 });
        const dataLengths = dbm.lengthsFor(observed, n);
        for (let s = 0; s < (options.gibbsSteps ?? 1); s++) {
          if (tempered) tempered.sweep();
          else dbm.gibbsSweep(chains, chainLengths, rng);
        }
        const fantasy = modelChains();

        const scaled = (states: tf.Tensor2D[], l: number, lengths: Map<number, tf.Tensor1D>) => {
          const by = dbm.layers[l].scaleBiasBy;
          return by !== undefined ? tf.mul(states[l], lengths.get(by)!.expandDims(1)) : states[l];
        };
        const updates = tf.tidy(() => {
          const centred = (states: tf.Tensor2D[], i: number) => (offsets ? tf.sub(states[i], offsets[i]) : states[i]);
          const weights = dbm.weights.map((w, i) => {
            const dataTerm = tf.div(tf.matMul(centred(means, i), centred(means, i + 1), true), n);
            const modelTerm = tf.div(tf.matMul(centred(fantasy, i), centred(fantasy, i + 1), true), chainsCount);
            const rate = lr * (options.weightRateScale?.[i] ?? 1);
            return tf.add(tf.mul(momentum, velocity.weights[i]), tf.mul(rate, tf.sub(tf.sub(dataTerm, modelTerm), tf.mul(weightDecay, w))));
          });
          const biases = dbm.layers.map((layer, l) => {
            const grad = tf.sub(tf.mean(scaled(means, l, dataLengths), 0), tf.mean(scaled(fantasy, l, chainLengths), 0));
            return tf.add(tf.mul(momentum, velocity.biases[l]), tf.mul(lr, grad));
          });
          // A centred step moves c_l; the usual bias b_l = c_l − W_{l−1}ᵀλ_{l−1} − W_l λ_{l+1} moves with W too.
          const biasSteps = offsets
            ? biases.map((step, l) => {
                let usual = step;
                if (l > 0) usual = tf.sub(usual, tf.matMul(offsets![l - 1].expandDims(0), weights[l - 1]).squeeze([0]));
                if (l < weights.length) usual = tf.sub(usual, tf.matMul(weights[l], offsets![l + 1].expandDims(1)).squeeze([1]));
                return usual;
              })
            : biases;
          const fit = tf.mean(dbm.negativeEnergy(means, dataLengths));
          return { weights, biases, biasSteps, fit };
        });
        tf.tidy(() => {
          dbm.weights.forEach((w, i) => w.assign(tf.add(w, updates.weights[i]) as tf.Tensor2D));
          dbm.layers.forEach((layer, l) => layer.bias.assign(tf.add(layer.bias, updates.biasSteps[l]) as tf.Tensor1D));
        });
        if (offsets) {
          const next = offsets.map((offset, l) => tf.tidy(() => tf.add(tf.mul(1 - centering!, offset), tf.mul(centering!, tf.mean(means[l], 0))) as tf.Tensor1D));
          tf.dispose([...offsets, ...updates.biasSteps]);
          offsets = next;
        }
        tf.dispose([...velocity.weights, ...velocity.biases]);
        velocity.weights = updates.weights;
        velocity.biases = updates.biases;
        dataTerm += updates.fit.dataSync()[0];
        tf.dispose([updates.fit, ...means, ...Object.values(observed), ...dataLengths.values()]);
        options.onBatch?.(epoch * batches + batch + 1, options.epochs * batches);
        if (batch % 4 === 3) await tf.nextFrame();
      }
      if (tempered) options.onSwapRates?.(tempered.swapRates);
      await options.onEpoch?.({ epoch: epoch + 1, epochs: options.epochs, seconds: (Date.now() - started) / 1000, dataTerm: dataTerm / batches });
    }
  } finally {
    if (tempered) tempered.dispose();
    else tf.dispose(chains);
    tf.dispose([...chainLengths.values(), ...velocity.weights, ...velocity.biases, ...(offsets ?? [])]);
  }
}

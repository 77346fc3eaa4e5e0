/**
 * alignDRAW (Mansimov, Parisotto, Ba & Salakhutdinov, "Generating Images from Captions with
 * Attention", ICLR 2016): a caption → image model that draws on a canvas over T steps, attending
 * at each step to the words that matter for that step.
 *
 * Language model (§3.1). Each word y_i is embedded and read by a bidirectional LSTM; the word's
 * annotation is both directions' states side by side, h^lang_i = [→h_i, ←h_i].
 *
 * Image model (§3.2), DRAW (Gregor et al. 2015) conditioned on the caption. For t = 1..T:
 *   z_t ~ p(Z_t | Z_{1:t−1}) = N(μ(h^gen_{t−1}), σ(h^gen_{t−1}))                   learned prior
 *     μ(h) = tanh(W_μ h),  σ(h) = exp(tanh(W_σ h))
 *   s_{t−1} = align(h^gen_{t−1}, h^lang)                                            alignment
 *   h^gen_t = LSTM^gen(h^gen_{t−1}, [z_t, s_{t−1}])                                 generator
 *   c_t = c_{t−1} + write(h^gen_t)                                                  canvas
 * and after T steps x ~ p(x | y, Z_{1:T}) = Bernoulli(σ(c_T)) for binary images (MNIST).
 *
 * Alignment: e_{ti} = vᵀ tanh(U h^lang_i + W h^gen_{t−1} + b),
 * α_{ti} = softmax_i(e_{ti}) over the caption's words (padding masked out), s = Σ_i α_{ti} h^lang_i.
 *
 * Inference model (§3.3), DRAW's encoder with read attention:
 *   x̂_t = x − σ(c_{t−1})                                                           error image
 *   r_t = read(x, x̂_t, h^gen_{t−1})                                                 read
 *   h^infer_t = LSTM^infer(h^infer_{t−1}, [r_t, h^gen_{t−1}])                       encoder
 *   q(Z_t | x, y, Z_{1:t−1}) = N(μ(h^infer_t), σ(h^infer_t))                        posterior
 *
 * Learning (§3.4) maximises the variational lower bound
 *   L = E_q[ log p(x | y, Z_{1:T}) ] − Σ_t KL( q(Z_t | ·) ‖ p(Z_t | Z_{1:t−1}) )     lower bound
 * with the reparameterisation trick, by Adam with the gradient's global norm clipped.
 *
 * Read and write attention are DRAW's Gaussian filterbanks (`models/blocks/draw-attention.ts`).
 * What differs from the paper is listed on PAPER_MNIST_CONFIG and DEFAULT_CONFIG below.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTensors, saveTensors, type StoredDtype } from '@/models/blocks/checkpoint';
import {
  attentionBoxes,
  attentionWindow,
  disposeWindow,
  gaussianFilterbank,
  readGlimpse,
  writePatch,
  type AttentionBox,
  type AttentionGeometry,
  type AttentionWindow,
} from '@/models/blocks/draw-attention';
import { gaussianKl, reparameterise, type DiagonalGaussian } from '@/models/blocks/gaussian';
import { lstmStep, lstmUpdate, zeroLstmState, type LstmState, type LstmWeights } from '@/models/blocks/lstm';
import { Rng } from '@/models/blocks/random';

export const PAPER = 'Mansimov, Parisotto, Ba & Salakhutdinov, Generating Images from Captions with Attention, ICLR 2016';

export interface AlignDrawConfig {
  /** Canvas height and width, pixels. */
  height: number;
  width: number;
  /** Colour channels of the canvas (1 grey, 3 RGB), interleaved last. */
  channels: number;
  /** Logit of the blank canvas c_0 at the start of training (it is learned). */
  blank: number;
  /** Word ids are 0 … vocabularySize − 1. */
  vocabularySize: number;
  /** Word embedding size. */
  embedding: number;
  /** Units of each direction of the caption's bidirectional LSTM (annotations are twice this). */
  languageUnits: number;
  /** Size of the alignment network's hidden layer (the length of v). */
  alignmentUnits: number;
  /** LSTM^infer and LSTM^gen units. */
  encoderUnits: number;
  decoderUnits: number;
  /** Size of each z_t. */
  latent: number;
  /** T, drawing steps. */
  steps: number;
  /** N of the N×N read and write filterbanks. */
  readGrid: number;
  writeGrid: number;
  /** Adam step size and the global gradient norm above which gradients are scaled down. */
  learningRate: number;
  clipNorm: number;
}

/**
 * The paper's MNIST-with-captions model, as its authors' released configuration gives it
 * (mnist-captions.json): 60×60 canvas, T = 32, 8×8 read and write grids, latent 150,
 * LSTM^infer and LSTM^gen 300, language LSTM 128 per direction, alignment 512, Adam at 1e-3,
 * batches of 100. The words were fed as one-hot vectors; here an embedding stands in for that
 * (with the full vocabulary as its size it is the same thing).
 */
export const PAPER_MNIST_CONFIG: AlignDrawConfig = {
  height: 60,
  width: 60,
  channels: 1,
  blank: -3,
  vocabularySize: 23,
  embedding: 23,
  languageUnits: 128,
  alignmentUnits: 512,
  encoderUnits: 300,
  decoderUnits: 300,
  latent: 150,
  steps: 32,
  readGrid: 8,
  writeGrid: 8,
  learningRate: 1e-3,
  clipNorm: 100,
};

/**
 * What trains here: one WASM thread on a 2-core CPU, in a few hours. The cost of a training step
 * is T sequential rounds of small products, so T and the LSTM widths are what was shrunk:
 * T 32 → 16 (half the steps; a 60×60 canvas with one or two digits is still drawn comfortably),
 * LSTMs 300 → 192, latent 150 → 48 (the posterior uses few of the paper's 150 dimensions on
 * digits), language LSTM 128 → 64 per direction and alignment 512 → 128 (captions are at most a
 * dozen words from a 22-word vocabulary). The attention grids stay at the paper's 8×8: filterbanks
 * cost little next to the LSTMs. Vocabulary size is set from the tokenizer by whoever trains.
 */
export const DEFAULT_CONFIG: AlignDrawConfig = {
  height: 60,
  width: 60,
  channels: 1,
  blank: -3,
  vocabularySize: 32,
  embedding: 64,
  languageUnits: 64,
  alignmentUnits: 128,
  encoderUnits: 192,
  decoderUnits: 192,
  latent: 48,
  steps: 16,
  readGrid: 8,
  writeGrid: 8,
  learningRate: 1e-3,
  clipNorm: 100,
};

/**
 * Corel-5k photos at 32×32 in colour, captioned by their tags: DEFAULT_CONFIG's sizes on a smaller,
 * three-channel canvas that starts grey (photos are mid-toned, unlike MNIST's black canvases).
 * The vocabulary is Corel's 374 tags.
 */
export const COREL_CONFIG: AlignDrawConfig = {
  ...DEFAULT_CONFIG,
  height: 32,
  width: 32,
  channels: 3,
  blank: 0,
  vocabularySize: 376,
};

/**
 * Flickr8k photos at 32×32 in colour, read through their sentences: the paper's COCO model (32×32
 * colour, T = 32, 12×12 write grid, LSTMs of 550) at COREL_CONFIG's sizes, which train on one
 * core in a few hours. The vocabulary is the Flickr8k WordPiece tokenizer's 2,000 pieces.
 */
export const FLICKR_CONFIG: AlignDrawConfig = {
  ...COREL_CONFIG,
  vocabularySize: 2000,
};

/** Captions ready for the model: annotations per word and which positions are words. */
export interface EncodedCaptions {
  /** [batch, words, 2·languageUnits]: h^lang_i. */
  annotations: tf.Tensor3D;
  /** [batch, words, alignmentUnits]: U h^lang_i + b, the part of e_{ti} that does not change with t. */
  keys: tf.Tensor3D;
  /** [batch, words]: 1 for a word, 0 for padding. */
  mask: tf.Tensor2D;
  /** [batch, words]: 0 for a word, −1e9 for padding, added to e_{ti} so that padding gets α = 0. */
  maskBias: tf.Tensor2D;
}

export interface Alignment {
  /** [batch, words]: α_t, summing to 1 over each caption's words, 0 on padding. */
  weights: tf.Tensor2D;
  /** [batch, 2·languageUnits]: s = Σ_i α_i h^lang_i. */
  context: tf.Tensor2D;
}

/** The bound's terms per example, in nats. */
export interface BoundTerms {
  /** L = reconstruction − kl (≤ 0 for binary images). */
  bound: Float32Array;
  /** log p(x | y, Z_{1:T}). */
  reconstruction: Float32Array;
  /** Σ_t KL(q(Z_t | ·) ‖ p(Z_t | h^gen_{t−1})). */
  kl: Float32Array;
}

export interface TrainStepResult {
  /** Batch means, nats per image. */
  bound: number;
  reconstruction: number;
  kl: number;
  /** Global norm of the gradient before clipping. */
  gradientNorm: number;
}

/** One drawing step of a generation, for a page that shows the picture forming. */
export interface DrawingStep {
  /** 1 … T. */
  step: number;
  /** [samples × height·width·channels], row-major, channels last: σ(c_t), the canvas after this step, in [0, 1]. */
  canvases: Float32Array;
  /** [samples × words]: α_t, the attention this step paid to each word of the caption. */
  alignment: Float32Array;
  /** Where each sample's write window fell at this step. */
  writeBoxes: AttentionBox[];
}

export interface GenerateOptions {
  /** One caption as word ids (at least one word). */
  tokens: number[];
  /** How many images to draw for it. */
  samples: number;
  /** Same seed, same caption, same weights → the same images. */
  seed: number;
  /**
   * Scales the prior's spread: z_t = μ_t + τ·σ_t·ε (default 1, the model's own prior). Below 1 the
   * drawings keep to the prior's typical strokes: fewer half-formed digits, less variety.
   */
  temperature?: number;
  /** Called after every step; awaited, so a slow reader slows the drawing rather than queueing it. */
  onStep?: (step: DrawingStep) => void | Promise<void>;
  /** Stops between steps (the result then has fewer than T steps). */
  signal?: AbortSignal;
}

export interface Generation {
  samples: number;
  words: number;
  height: number;
  width: number;
  channels: number;
  /** One entry per step taken. */
  steps: DrawingStep[];
  /** σ(c_T): the last step's canvases. */
  images: Float32Array;
}

export interface CheckpointMeta {
  model: 'align-draw';
  paper: string;
  config: AlignDrawConfig;
  /** Adam's iteration count when saved. */
  iterations: number;
  [key: string]: unknown;
}

export const META_FILE = 'meta.json';
/** Adam's moments (float32), beside the weights, for training that resumes. */
export const OPTIMIZER_DIR = 'optimizer';

const WEIGHT_NAMES = [
  'embedding',
  'language/forward/kernel',
  'language/forward/recurrent',
  'language/forward/bias',
  'language/backward/kernel',
  'language/backward/recurrent',
  'language/backward/bias',
  'align/U',
  'align/W',
  'align/b',
  'align/v',
  'read/W',
  'read/b',
  'encoder/kernel',
  'encoder/recurrent',
  'encoder/bias',
  'posterior/W',
  'posterior/b',
  'prior/W',
  'prior/b',
  'decoder/kernel',
  'decoder/recurrent',
  'decoder/bias',
  'write/W',
  'write/b',
  'patch/W',
  'patch/b',
  'canvas0',
] as const;
type WeightName = (typeof WEIGHT_NAMES)[number];

/** Shapes and initial values of every weight. */
function initialWeights(config: AlignDrawConfig, rng: Rng): Record<WeightName, tf.Tensor> {
  const c = config;
  const annotation = 2 * c.languageUnits;
  const normal = (shape: number[], std: number) => tf.randomNormal(shape, 0, std, 'float32', rng.seed());
  /** Weights scaled by 1/√fan-in, so that pre-activations start near unit variance. */
  const dense = (inputs: number, outputs: number) => normal([inputs, outputs], 1 / Math.sqrt(inputs));
  /** LSTM gate biases, with the forget gate's at 1 so that memory is kept from the start. */
  const gateBias = (units: number) => tf.concat([tf.zeros([units]), tf.ones([units]), tf.zeros([2 * units])]);
  const lstm = (inputs: number, units: number) => [dense(inputs, 4 * units), dense(units, 4 * units), gateBias(units)];
  const [lfK, lfR, lfB] = lstm(c.embedding, c.languageUnits);
  const [lbK, lbR, lbB] = lstm(c.embedding, c.languageUnits);
  const [eK, eR, eB] = lstm(2 * c.readGrid * c.readGrid * c.channels + c.decoderUnits, c.encoderUnits);
  const [dK, dR, dB] = lstm(c.latent + annotation, c.decoderUnits);
  return {
    embedding: normal([c.vocabularySize, c.embedding], 1),
    'language/forward/kernel': lfK,
    'language/forward/recurrent': lfR,
    'language/forward/bias': lfB,
    'language/backward/kernel': lbK,
    'language/backward/recurrent': lbR,
    'language/backward/bias': lbB,
    'align/U': dense(annotation, c.alignmentUnits),
    'align/W': dense(c.decoderUnits, c.alignmentUnits),
    'align/b': tf.zeros([c.alignmentUnits]),
    'align/v': dense(c.alignmentUnits, 1),
    // Attention windows start centred on the whole canvas (g̃ = 0, δ̃ = 1, σ = γ = 1) and move
    // as the decoder learns; small weights keep every example's window there at first.
    'read/W': normal([c.decoderUnits, 5], 0.01),
    'read/b': tf.zeros([5]),
    'encoder/kernel': eK,
    'encoder/recurrent': eR,
    'encoder/bias': eB,
    'posterior/W': normal([c.encoderUnits, 2 * c.latent], 0.01),
    'posterior/b': tf.zeros([2 * c.latent]),
    'prior/W': normal([c.decoderUnits, 2 * c.latent], 0.01),
    'prior/b': tf.zeros([2 * c.latent]),
    'decoder/kernel': dK,
    'decoder/recurrent': dR,
    'decoder/bias': dB,
    'write/W': normal([c.decoderUnits, 5], 0.01),
    'write/b': tf.zeros([5]),
    'patch/W': dense(c.decoderUnits, c.writeGrid * c.writeGrid * c.channels),
    'patch/b': tf.zeros([c.writeGrid * c.writeGrid * c.channels]),
    // A learned blank canvas c_0 (as in the authors' code): captioned-MNIST canvases are ~95 %
    // black, so there it starts at σ(−3) ≈ 0.05 rather than DRAW's 0.5 grey.
    canvas0: tf.fill([c.height * c.width * c.channels], c.blank),
  };
}

let instances = 0;

/** Word ids padded to the longest caption, and the mask of real words. */
export function padCaptions(tokens: number[][], vocabularySize: number): { ids: tf.Tensor2D; mask: tf.Tensor2D; words: number } {
  if (tokens.length === 0) throw new RangeError('no captions');
  const words = Math.max(...tokens.map((caption) => caption.length));
  const ids = new Int32Array(tokens.length * words);
  const mask = new Float32Array(tokens.length * words);
  tokens.forEach((caption, b) => {
    if (caption.length === 0) throw new RangeError(`caption ${b} has no words`);
    caption.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabularySize) throw new RangeError(`word id ${id} is outside the vocabulary of ${vocabularySize}`);
      ids[b * words + i] = id;
      mask[b * words + i] = 1;
    });
  });
  // Padding reads word 0; the mask keeps it out of every annotation the image model sees.
  return { ids: tf.tensor2d(ids, [tokens.length, words], 'int32'), mask: tf.tensor2d(mask, [tokens.length, words]), words };
}

export class AlignDraw {
  readonly config: AlignDrawConfig;
  private readonly weights: Record<WeightName, tf.Variable>;
  /** In WEIGHT_NAMES order: the order gradients reach Adam in, which its saved moments follow. */
  private readonly variables: tf.Variable[];
  private readonly optimizer: tf.AdamOptimizer;
  private readonly rng: Rng;
  private readonly read: AttentionGeometry;
  private readonly write: AttentionGeometry;

  /**
   * A model with fresh weights drawn from `seed`, or the given ones (e.g. from a checkpoint).
   * `seed` also starts the noise of training steps.
   */
  constructor(config: Partial<AlignDrawConfig> = {}, seed = 0, weights?: Partial<Record<string, tf.Tensor>>) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    this.rng = new Rng(seed);
    const { height, width, channels } = this.config;
    this.read = { height, width, channels, grid: this.config.readGrid };
    this.write = { height, width, channels, grid: this.config.writeGrid };
    const fresh = tf.tidy(() => initialWeights(this.config, this.rng));
    const prefix = `align-draw-${++instances}`;
    const wrong = WEIGHT_NAMES.find((name) => weights?.[name] && weights[name].shape.join() !== fresh[name].shape.join());
    if (wrong) {
      const message = `weight ${wrong} has shape [${weights?.[wrong]?.shape}], the config needs [${fresh[wrong].shape}]`;
      tf.dispose(Object.values(fresh));
      throw new Error(message);
    }
    const made = {} as Record<WeightName, tf.Variable>;
    for (const name of WEIGHT_NAMES) made[name] = tf.variable(weights?.[name] ?? fresh[name], true, `${prefix}/${name}`);
    tf.dispose(Object.values(fresh));
    this.weights = made;
    this.variables = WEIGHT_NAMES.map((name) => made[name]);
    this.optimizer = tf.train.adam(this.config.learningRate);
  }

  /** Number of trained numbers. */
  get parameterCount(): number {
    return this.variables.reduce((sum, v) => sum + v.size, 0);
  }

  /** Adam steps taken so far. */
  get iterations(): number {
    return this.optimizer.iterations;
  }

  // ── Language model (§3.1) ──────────────────────────────────────────────────────────────────

  private lstm(prefix: 'language/forward' | 'language/backward' | 'encoder' | 'decoder'): LstmWeights {
    return {
      kernel: this.weights[`${prefix}/kernel`] as tf.Tensor2D,
      recurrent: this.weights[`${prefix}/recurrent`] as tf.Tensor2D,
      bias: this.weights[`${prefix}/bias`] as tf.Tensor1D,
    };
  }

  /** Word embeddings read by a bidirectional LSTM: h^lang_i = [→h_i, ←h_i]. */
  encodeCaptions(tokens: number[][]): EncodedCaptions {
    return tf.tidy(() => {
      const { ids, mask, words } = padCaptions(tokens, this.config.vocabularySize);
      const batch = tokens.length;
      const embedded = tf.gather(this.weights.embedding, ids.reshape([-1])); // [batch·words, embedding]
      const run = (direction: 'forward' | 'backward') => {
        const w = this.lstm(`language/${direction}`);
        // x W + b for every word at once; only h U is left for the sequential loop.
        const inputGates = tf.unstack(tf.add(tf.matMul(embedded, w.kernel), w.bias).reshape([batch, words, -1]), 1) as tf.Tensor2D[];
        const present = tf.unstack(mask, 1).map((m) => m.reshape([batch, 1]));
        const states: tf.Tensor2D[] = new Array(words);
        let state = zeroLstmState(batch, this.config.languageUnits);
        const order = direction === 'forward' ? [...Array(words).keys()] : [...Array(words).keys()].reverse();
        for (const i of order) {
          const next = lstmUpdate(inputGates[i], state, w.recurrent);
          // Padding follows the words, so the forward pass never mixes it into a word's state;
          // the backward pass starts on it and must pass its zero state through unchanged.
          state =
            direction === 'forward'
              ? next
              : { h: tf.add(tf.mul(present[i], next.h), tf.mul(tf.sub(1, present[i]), state.h)), c: tf.add(tf.mul(present[i], next.c), tf.mul(tf.sub(1, present[i]), state.c)) };
          states[i] = state.h;
        }
        return tf.stack(states, 1); // [batch, words, units]
      };
      const annotations = tf.concat([run('forward'), run('backward')], 2) as tf.Tensor3D;
      const keys = tf
        .add(tf.matMul(annotations.reshape([batch * words, -1]), this.weights['align/U']), this.weights['align/b'])
        .reshape([batch, words, -1]) as tf.Tensor3D;
      return { annotations, keys, mask, maskBias: tf.mul(tf.sub(mask, 1), 1e9) as tf.Tensor2D };
    });
  }

  /** Alignment: α_t = softmax_i(vᵀ tanh(U h^lang_i + W h^gen_{t−1} + b)), s = Σ_i α_ti h^lang_i. */
  align(hGen: tf.Tensor2D, captions: EncodedCaptions): Alignment {
    return tf.tidy(() => {
      const [batch, words, units] = captions.keys.shape;
      const query = tf.matMul(hGen, this.weights['align/W']).reshape([batch, 1, units]);
      const energies = tf.matMul(tf.tanh(tf.add(captions.keys, query)).reshape([batch * words, units]), this.weights['align/v']).reshape([batch, words]);
      const weights = tf.softmax(tf.add(energies, captions.maskBias)) as tf.Tensor2D;
      const context = tf.matMul(weights.reshape([batch, 1, words]), captions.annotations).reshape([batch, -1]) as tf.Tensor2D;
      return { weights, context };
    });
  }

  // ── Image model (§3.2) ─────────────────────────────────────────────────────────────────────

  /** The learned prior p(Z_t | Z_{1:t−1}) = N(tanh(W_μ h^gen_{t−1}), exp(tanh(W_σ h^gen_{t−1}))). */
  prior(hGen: tf.Tensor2D): DiagonalGaussian {
    return tf.tidy(() => {
      const [mean, logStd] = tf.split(tf.tanh(tf.add(tf.matMul(hGen, this.weights['prior/W']), this.weights['prior/b'])), 2, 1) as tf.Tensor2D[];
      return { mean, logStd };
    });
  }

  /** Generator and canvas with DRAW's write (its eq. 28–29): one step of the generator given z_t and s_{t−1}. */
  private generatorStep(z: tf.Tensor2D, context: tf.Tensor2D, decoder: LstmState, canvas: tf.Tensor2D): { decoder: LstmState; canvas: tf.Tensor2D; window: AttentionWindow } {
    return tf.tidy(() => {
      const next = lstmStep(tf.concat([z, context], 1), decoder, this.lstm('decoder'));
      const window = attentionWindow(tf.add(tf.matMul(next.h, this.weights['write/W']), this.weights['write/b']), this.write);
      const patch = tf.add(tf.matMul(next.h, this.weights['patch/W']), this.weights['patch/b']) as tf.Tensor2D;
      const written = writePatch(patch, gaussianFilterbank(window, this.write), this.write);
      return { decoder: next, canvas: tf.add(canvas, tf.div(written, window.intensity)), window };
    });
  }

  private blankCanvas(batch: number): tf.Tensor2D {
    return tf.tidy(() => tf.tile(this.weights.canvas0.reshape([1, -1]), [batch, 1]) as tf.Tensor2D);
  }

  // ── Inference model (§3.3) and the bound (§3.4) ────────────────────────────────────────────

  /**
   * Per-example terms of the lower bound for a batch (one sample of Z from q per example), as tensors:
   * the caller owns them. Runs under whatever tape is active, so gradients flow through it.
   */
  private boundTensors(x: tf.Tensor2D, captions: EncodedCaptions, rng: Rng): { reconstruction: tf.Tensor1D; kl: tf.Tensor1D } {
    const c = this.config;
    const batch = x.shape[0];
    let canvas = this.blankCanvas(batch);
    let decoder = zeroLstmState(batch, c.decoderUnits);
    let encoder = zeroLstmState(batch, c.encoderUnits);
    let kl: tf.Tensor1D = tf.zeros([batch]);
    for (let t = 0; t < c.steps; t++) {
      const hGenPrev = decoder.h;
      // Error image and read (DRAW eq. 27): the image and the error image through one window.
      const errorImage = tf.sub(x, tf.sigmoid(canvas)) as tf.Tensor2D;
      const window = attentionWindow(tf.add(tf.matMul(hGenPrev, this.weights['read/W']), this.weights['read/b']), this.read);
      const bank = gaussianFilterbank(window, this.read);
      const glimpse = tf.mul(tf.concat([readGlimpse(x, bank, this.read), readGlimpse(errorImage, bank, this.read)], 1), window.intensity) as tf.Tensor2D;
      // Encoder and posterior q(Z_t | ·).
      encoder = lstmStep(tf.concat([glimpse, hGenPrev], 1), encoder, this.lstm('encoder'));
      const [mean, logStd] = tf.split(tf.add(tf.matMul(encoder.h, this.weights['posterior/W']), this.weights['posterior/b']), 2, 1) as tf.Tensor2D[];
      const posterior = { mean, logStd };
      const z = reparameterise(posterior, tf.randomNormal([batch, c.latent], 0, 1, 'float32', rng.seed()));
      kl = tf.add(kl, gaussianKl(posterior, this.prior(hGenPrev)));
      // Generator, told by the alignment which words to draw from.
      const { context } = this.align(hGenPrev, captions);
      ({ decoder, canvas } = this.generatorStep(z, context, decoder, canvas));
    }
    // log p(x | c_T) for Bernoulli(σ(c_T)): Σ x log σ(c) + (1 − x) log(1 − σ(c)) = Σ x c − softplus(c).
    const reconstruction = tf.sum(tf.sub(tf.mul(x, canvas), tf.softplus(canvas)), 1) as tf.Tensor1D;
    return { reconstruction, kl };
  }

  /** Values in one image: height × width × channels. */
  get imageSize(): number {
    return this.config.height * this.config.width * this.config.channels;
  }

  private checkImages(images: Float32Array, count: number): void {
    const size = this.imageSize;
    if (images.length !== count * size) throw new RangeError(`expected ${count} images of ${size} values (${count * size} in all), got ${images.length}`);
  }

  /**
   * The lower bound per example, in nats: one draw of Z from q each, so a noisy but unbiased estimate of
   * the bound. `seed` makes it repeatable; batches of `batchSize` bound the memory used.
   */
  lowerBoundTerms(images: Float32Array, tokens: number[][], options: { seed?: number; batchSize?: number } = {}): BoundTerms {
    this.checkImages(images, tokens.length);
    const pixels = this.imageSize;
    const batchSize = options.batchSize ?? 100;
    const rng = options.seed === undefined ? this.rng : new Rng(options.seed);
    const out: BoundTerms = { bound: new Float32Array(tokens.length), reconstruction: new Float32Array(tokens.length), kl: new Float32Array(tokens.length) };
    for (let start = 0; start < tokens.length; start += batchSize) {
      const end = Math.min(tokens.length, start + batchSize);
      const [reconstruction, kl] = tf.tidy(() => {
        const x = tf.tensor2d(images.subarray(start * pixels, end * pixels), [end - start, pixels]);
        const terms = this.boundTensors(x, this.encodeCaptions(tokens.slice(start, end)), rng);
        return [terms.reconstruction, terms.kl];
      });
      out.reconstruction.set(reconstruction.dataSync(), start);
      out.kl.set(kl.dataSync(), start);
      tf.dispose([reconstruction, kl]);
    }
    for (let i = 0; i < tokens.length; i++) out.bound[i] = out.reconstruction[i] - out.kl[i];
    return out;
  }

  /** The lower bound per example, in nats (≤ 0; its negative is the loss). */
  lowerBound(images: Float32Array, tokens: number[][], options: { seed?: number; batchSize?: number } = {}): Float32Array {
    return this.lowerBoundTerms(images, tokens, options).bound;
  }

  /**
   * One Adam step on −L averaged over the batch, its gradient clipped to `clipNorm` (global norm).
   * The noise comes from the model's own stream, or from `seed` (e.g. one per step, so that a
   * resumed run draws what an uninterrupted one would).
   */
  trainStep(images: Float32Array, tokens: number[][], options: { seed?: number } = {}): TrainStepResult {
    const { grads, terms } = this.lossGradients(images, tokens, options);
    try {
      return { ...terms, gradientNorm: this.applyGradientTensors(grads) };
    } finally {
      tf.dispose(Object.values(grads));
    }
  }

  /**
   * The gradient of −L averaged over the batch, one array per weight (in the order of
   * `weightValues`), without changing the weights: for data-parallel training, where several
   * copies each take part of a batch and one applies the average (`applyGradients`).
   */
  gradients(images: Float32Array, tokens: number[][], options: { seed?: number } = {}): { gradients: Float32Array[]; bound: number; reconstruction: number; kl: number } {
    const { grads, terms } = this.lossGradients(images, tokens, options);
    try {
      return { ...terms, gradients: this.variables.map((v) => (grads[v.name].dataSync() as Float32Array).slice()) };
    } finally {
      tf.dispose(Object.values(grads));
    }
  }

  /** One Adam step along `gradients` (of −L, as `gradients` gives them), clipped to `clipNorm`; returns their norm before clipping. */
  applyGradients(gradients: Float32Array[]): number {
    if (gradients.length !== this.variables.length) throw new RangeError(`expected ${this.variables.length} gradients, got ${gradients.length}`);
    const grads = Object.fromEntries(this.variables.map((v, i) => [v.name, tf.tensor(gradients[i], v.shape)]));
    try {
      return this.applyGradientTensors(grads);
    } finally {
      tf.dispose(Object.values(grads));
    }
  }

  /** Every weight's values, in WEIGHT_NAMES order (copies). */
  weightValues(): Float32Array[] {
    return this.variables.map((v) => (v.dataSync() as Float32Array).slice());
  }

  /** Overwrites every weight (WEIGHT_NAMES order), e.g. with another copy's after its Adam step. */
  setWeightValues(values: Float32Array[]): void {
    if (values.length !== this.variables.length) throw new RangeError(`expected ${this.variables.length} weights, got ${values.length}`);
    // Inside tidy: assign shares the new tensor's data, and the temporary must not keep a reference.
    tf.tidy(() => this.variables.forEach((v, i) => v.assign(tf.tensor(values[i], v.shape))));
  }

  /** −L's gradients as tensors (the caller disposes them) and the batch means of the bound's terms. */
  private lossGradients(images: Float32Array, tokens: number[][], options: { seed?: number }): { grads: tf.NamedTensorMap; terms: { bound: number; reconstruction: number; kl: number } } {
    const rng = options.seed === undefined ? this.rng : new Rng(options.seed);
    this.checkImages(images, tokens.length);
    const x = tf.tensor2d(images, [tokens.length, this.imageSize]);
    let parts: tf.Scalar[] = [];
    try {
      const { value, grads } = tf.variableGrads(() => {
        const { reconstruction, kl } = this.boundTensors(x, this.encodeCaptions(tokens), rng);
        const meanReconstruction = tf.mean(reconstruction) as tf.Scalar;
        const meanKl = tf.mean(kl) as tf.Scalar;
        parts = [tf.keep(meanReconstruction), tf.keep(meanKl)];
        return tf.sub(meanKl, meanReconstruction) as tf.Scalar;
      }, this.variables);
      const loss = value.dataSync()[0];
      const [reconstruction, kl] = parts.map((p) => p.dataSync()[0]);
      value.dispose();
      return { grads, terms: { bound: -loss, reconstruction, kl } };
    } finally {
      tf.dispose([x, ...parts]);
    }
  }

  /** Clips `grads` to `clipNorm` (global norm) and takes one Adam step; returns the norm before clipping. */
  private applyGradientTensors(grads: tf.NamedTensorMap): number {
    const norm = tf.tidy(() => tf.sqrt(tf.addN(this.variables.map((v) => tf.sum(tf.square(grads[v.name])))))) as tf.Scalar;
    const gradientNorm = norm.dataSync()[0];
    norm.dispose();
    const scale = gradientNorm > this.config.clipNorm ? this.config.clipNorm / gradientNorm : 1;
    const clipped = this.variables.map((v) => ({ name: v.name, tensor: scale === 1 ? grads[v.name] : tf.mul(grads[v.name], scale) }));
    this.optimizer.applyGradients(clipped);
    if (scale !== 1) tf.dispose(clipped.map((g) => g.tensor));
    return gradientNorm;
  }

  // ── Generation (§3.2, sampling from the prior) ─────────────────────────────────────────────

  /**
   * Draws `samples` images for one caption: z_t from the learned prior, the canvas after every
   * step, which words each step attended to and where it wrote.
   */
  async generate(options: GenerateOptions): Promise<Generation> {
    const { tokens, samples, seed, onStep, signal, temperature = 1 } = options;
    if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`samples must be a positive integer, got ${samples}`);
    if (!(temperature >= 0)) throw new RangeError(`temperature must be at least 0, got ${temperature}`);
    const c = this.config;
    const rng = new Rng(seed);
    const words = tokens.length;
    // The caption is encoded once and shared by every sample.
    const captions = tf.tidy(() => {
      const one = this.encodeCaptions([tokens]);
      return {
        annotations: tf.tile(one.annotations, [samples, 1, 1]) as tf.Tensor3D,
        keys: tf.tile(one.keys, [samples, 1, 1]) as tf.Tensor3D,
        mask: tf.tile(one.mask, [samples, 1]) as tf.Tensor2D,
        maskBias: tf.tile(one.maskBias, [samples, 1]) as tf.Tensor2D,
      };
    });
    let canvas = this.blankCanvas(samples);
    let decoder = zeroLstmState(samples, c.decoderUnits);
    const steps: DrawingStep[] = [];
    try {
      for (let t = 1; t <= c.steps; t++) {
        if (signal?.aborted) break;
        const next = tf.tidy(() => {
          const z = reparameterise(this.prior(decoder.h), tf.randomNormal([samples, c.latent], 0, temperature, 'float32', rng.seed()));
          const alignment = this.align(decoder.h, captions);
          const drawn = this.generatorStep(z, alignment.context, decoder, canvas);
          return { ...drawn, weights: alignment.weights, image: tf.sigmoid(drawn.canvas) };
        });
        tf.dispose([canvas, decoder.h, decoder.c]);
        ({ canvas, decoder } = next);
        const step: DrawingStep = {
          step: t,
          canvases: (await next.image.data()) as Float32Array,
          alignment: (await next.weights.data()) as Float32Array,
          writeBoxes: attentionBoxes(next.window, this.write),
        };
        tf.dispose([next.image, next.weights]);
        disposeWindow(next.window);
        steps.push(step);
        await onStep?.(step);
      }
    } finally {
      tf.dispose([canvas, decoder.h, decoder.c, ...Object.values(captions)]);
    }
    const last = steps.at(-1);
    return { samples, words, height: c.height, width: c.width, channels: c.channels, steps, images: last ? last.canvases : new Float32Array(samples * this.imageSize).fill(0) };
  }

  // ── Checkpoints ────────────────────────────────────────────────────────────────────────────

  /**
   * Weights as named tensors (float16 halves what is committed; float32 for training that resumes)
   * and meta.json with the config. `optimizer: true` also saves Adam's moments (float32) so that
   * training resumes where it stopped.
   */
  async save(dir: string, options: { dtype?: StoredDtype; optimizer?: boolean; meta?: Record<string, unknown> } = {}): Promise<void> {
    const named = Object.fromEntries(WEIGHT_NAMES.map((name) => [name, this.weights[name]]));
    await saveTensors(dir, named, options.dtype ?? 'float16');
    if (options.optimizer && this.iterations > 0) {
      const state = await this.optimizer.getWeights();
      // Adam names its moments after the variables ("align-draw-3/decoder/bias/m"); store them
      // under the weights' own names so that another instance can take them.
      const local = (name: string) => name.replace(/^align-draw-\d+\//, '');
      const tensors = Object.fromEntries(state.map((w) => [local(w.name), w.tensor]));
      await saveTensors(path.join(dir, OPTIMIZER_DIR), tensors, 'float32');
      tf.dispose(state[0].tensor); // the iteration count, made for this call
    } else {
      // Moments left from an earlier save would not belong to these weights.
      await fs.rm(path.join(dir, OPTIMIZER_DIR), { recursive: true, force: true });
    }
    const meta: CheckpointMeta = { ...options.meta, model: 'align-draw', paper: PAPER, config: this.config, iterations: this.iterations };
    await fs.writeFile(path.join(dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  }

  /** A model from a checkpoint `save` wrote; with `optimizer: true`, Adam's state too if it was saved. */
  /** `learningRate` replaces the checkpoint's Adam step size (a resumed run that anneals it). */
  static async load(dir: string, options: { optimizer?: boolean; seed?: number; learningRate?: number } = {}): Promise<AlignDraw> {
    const meta = JSON.parse(await fs.readFile(path.join(dir, META_FILE), 'utf8')) as CheckpointMeta;
    const tensors = await loadTensors(dir);
    const missing = WEIGHT_NAMES.filter((name) => !tensors[name]);
    if (missing.length > 0) {
      tf.dispose(Object.values(tensors));
      throw new Error(`${dir} has no weights named ${missing.join(', ')}`);
    }
    let model: AlignDraw;
    try {
      const config = options.learningRate === undefined ? meta.config : { ...meta.config, learningRate: options.learningRate };
      model = new AlignDraw(config, options.seed ?? 0, tensors);
    } finally {
      tf.dispose(Object.values(tensors));
    }
    if (options.optimizer) {
      const saved = await loadTensors(path.join(dir, OPTIMIZER_DIR)).catch(() => null);
      if (saved) {
        // Adam keeps its moments by position: iteration count, first moments, second moments,
        // each in the order gradients are applied (WEIGHT_NAMES).
        const ordered: { name: string; tensor: tf.Tensor }[] = [
          { name: 'iter', tensor: saved.iter },
          ...WEIGHT_NAMES.map((name) => ({ name: `${name}/m`, tensor: saved[`${name}/m`] })),
          ...WEIGHT_NAMES.map((name) => ({ name: `${name}/v`, tensor: saved[`${name}/v`] })),
        ];
        if (ordered.some((w) => w.tensor === undefined)) throw new Error(`${dir}/${OPTIMIZER_DIR} does not hold Adam's moments for every weight`);
        await model.optimizer.setWeights(ordered);
        tf.dispose(Object.values(saved));
      }
    }
    return model;
  }

  /** The weights, for tests and tools that inspect them (not copies: do not dispose). */
  weight(name: WeightName): tf.Variable {
    return this.weights[name];
  }

  dispose(): void {
    tf.dispose(this.variables);
    this.optimizer.dispose();
  }
}

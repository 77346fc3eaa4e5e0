/**
 * The multimodal Deep Boltzmann Machine of Srivastava & Salakhutdinov (NIPS 2012; JMLR 2014).
 *
 *   image features ── h1 ── h2 ──┐
 *   (Gaussian)                   joint
 *   tag counts ─────── h1 ── h2 ──┘
 *   (Replicated Softmax)
 *
 * An image pathway (a Gaussian–Bernoulli RBM over standardised image features, then a binary
 * layer), a text pathway (a Replicated Softmax RBM over the tags' word counts, then a binary
 * layer) and a joint layer over both. As an undirected model it is one chain of seven layers,
 * image — h1 — h2 — joint — h2 — h1 — text (`models/blocks/dbm.ts`), so either end can be
 * observed and the other inferred:
 *
 * - photo → tags: clamp the image, run mean-field over every other layer; the text layer's
 *   softmax is p(word | image);
 * - tags → photos: clamp the tags, infer the image pathway's top layer; compare it with the same
 *   layer inferred from each photo.
 *
 * The weights come from generative training (train.ts), then from training the photo → tags
 * mean-field by backpropagation (fine-tune.ts); the layers and the inference stay the same.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Dbm, loadTensors, type DbmLayerSpec } from '@/models/blocks';
import type { ServableModel } from '@/lib/model-server/types';
import type { MultimodalDbmInput, MultimodalDbmOutput, TagScore } from './contract';
import { dbmVersion } from './version';

export const CHECKPOINT_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'checkpoint');

/**
 * Layer sizes of the chain. The paper's MIR-Flickr sizes were image 3857-2048-1024, text
 * 2000-1024-1024, joint 2048; train.ts says what this checkpoint uses and why.
 */
export interface Architecture {
  image: number;
  /** Hidden layers of the image pathway, bottom-up. */
  imageHidden: number[];
  joint: number;
  /** Hidden layers of the text pathway, bottom-up (from the words). */
  textHidden: number[];
  words: number;
}

/** Where each layer sits in the chain image — image hidden… — joint — …text hidden — text. */
export function layout(arch: Architecture) {
  const imageTop = arch.imageHidden.length;
  const joint = imageTop + 1;
  const text = joint + arch.textHidden.length + 1;
  const names = [
    'image',
    ...arch.imageHidden.map((_, i) => `image-h${i + 1}`),
    'joint',
    ...arch.textHidden.map((_, i) => `text-h${i + 1}`).reverse(),
    'text',
  ];
  return { image: 0, imageTop, joint, textBottom: text - 1, text, names };
}

export interface CheckpointMeta {
  model: string;
  paper: string;
  architecture: Architecture;
  /** Mean number of tags per training photo: the document length assumed when text is inferred. */
  meanTags: number;
  /**
   * How many times each tag is counted in the text layer (1 when absent): the Replicated Softmax's
   * document length is textWeight × tags, which weighs the words more against the image features.
   */
  textWeight?: number;
  meanFieldSteps: number;
  /**
   * Applied to the raw image features before they are standardised (none when absent). `sqrt`
   * (Hellinger's mapping) turns the histograms' and Gabor energies' Euclidean distance into one
   * that weighs small bins as much as large ones: kNN with Euclidean distance on all 620 numbers
   * scores validation F1 23.0% on √features against 20.3% on the features themselves
   * (`npm run eval:tags -- --validation`).
   */
  featureTransform?: FeatureTransform;
  /** Words are ranked by p(word | image) / p(word)^α (see scripts/tune.ts); p(word) per vocabulary word. */
  ranking?: { alpha: number; frequency: number[] };
  featureVersion: string;
  /** The training photos: Corel-5k (absent in older checkpoints) or Flickr8k. */
  dataset?: 'corel5k' | 'flickr8k';
  [key: string]: unknown;
}

export type FeatureTransform = 'none' | 'sqrt';

/** The raw features as the image layer reads them, before standardisation. */
export function transformFeatures(features: tf.Tensor2D, transform: FeatureTransform = 'none'): tf.Tensor2D {
  return tf.tidy(() => (transform === 'sqrt' ? tf.sqrt(tf.relu(features)) : features.clone()));
}

/** The chain's layer specs for `arch`, with the given biases (one per layer, in chain order). */
export function chainLayers(arch: Architecture, biases: tf.Tensor1D[]): DbmLayerSpec[] {
  const at = layout(arch);
  return at.names.map((name, l) => ({
    name,
    units: l === at.image ? 'gaussian' : l === at.text ? 'softmax' : 'binary',
    bias: biases[l],
    // The hidden layer next to the words scales its biases by the number of words (Replicated Softmax).
    scaleBiasBy: l === at.textBottom ? at.text : undefined,
  }));
}

export class MultimodalDbm {
  constructor(
    readonly dbm: Dbm,
    readonly vocabulary: string[],
    /** Standardisation of the image features: (x − mean) / std. */
    readonly featureMean: tf.Tensor1D,
    readonly featureStd: tf.Tensor1D,
    readonly meta: CheckpointMeta,
    readonly version: string,
  ) {
    this.at = layout(meta.architecture);
  }

  readonly at: ReturnType<typeof layout>;

  /** Document length assumed for the free text layer: the mean number of tags, times their weight. */
  get freeLength(): number {
    return this.meta.meanTags * (this.meta.textWeight ?? 1);
  }

  standardise(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.div(tf.sub(transformFeatures(features, this.meta.featureTransform), this.featureMean), this.featureStd));
  }

  /** Word counts of a list of tags (each vocabulary word once, counted textWeight times). */
  countsOf(words: string[][]): tf.Tensor2D {
    const index = new Map(this.vocabulary.map((w, i) => [w, i]));
    const counts = new Float32Array(words.length * this.vocabulary.length);
    words.forEach((list, r) => {
      for (const word of new Set(list)) {
        const i = index.get(word);
        if (i === undefined) throw Object.assign(new Error(`"${word}" is not in the tag vocabulary`), { code: 'UNKNOWN_TAGS' });
        counts[r * this.vocabulary.length + i] = this.meta.textWeight ?? 1;
      }
    });
    return tf.tensor2d(counts, [words.length, this.vocabulary.length]);
  }

  /**
   * p(word | image) for each row of `features` ([n × 620] raw image features), by mean-field with
   * the image clamped. `onStep` sees the probabilities after every sweep.
   */
  async tagProbabilities(
    features: tf.Tensor2D,
    options: { steps?: number; onStep?: (step: number, probabilities: Float32Array) => void | Promise<void>; cancelled?: () => boolean } = {},
  ): Promise<Float32Array> {
    const image = this.standardise(features);
    const textOf = (means: tf.Tensor2D[]) => tf.tidy(() => tf.div(means[this.at.text], this.freeLength));
    const means = await this.dbm.meanField(
      { [this.at.image]: image },
      {
        steps: options.steps ?? this.meta.meanFieldSteps,
        freeLength: this.freeLength,
        cancelled: options.cancelled,
        onStep: options.onStep
          ? async (step, current) => {
              const p = textOf(current);
              const values = (await p.data()) as Float32Array;
              p.dispose();
              await options.onStep!(step, values);
            }
          : undefined,
      },
    );
    const probabilities = textOf(means);
    const out = (await probabilities.data()) as Float32Array;
    tf.dispose([probabilities, image, ...means]);
    return out;
  }

  /** Ranking scores p(word | image) / p(word)^α of every word (α from the checkpoint; 0 without one). */
  rankingScores(probabilities: Float32Array): Float32Array {
    const ranking = this.meta.ranking;
    return ranking ? priorCorrected(probabilities, ranking.frequency, ranking.alpha) : probabilities;
  }

  /**
   * Ranking scores for rows of a row-major [n × dims] array, in batches: the evaluation's entry
   * point (`raw` for the probabilities themselves).
   */
  async tagScores(features: Float32Array, n: number, steps?: number, raw = false): Promise<Float32Array> {
    const dims = this.meta.architecture.image;
    const words = this.vocabulary.length;
    const out = new Float32Array(n * words);
    for (let start = 0; start < n; start += 256) {
      const rows = Math.min(256, n - start);
      const batch = tf.tensor2d(features.subarray(start * dims, (start + rows) * dims), [rows, dims]);
      const probabilities = await this.tagProbabilities(batch, { steps });
      out.set(raw ? probabilities : this.rankingScores(probabilities), start * words);
      batch.dispose();
    }
    return out;
  }

  /**
   * A photo's code for tags → photos: the words the DBM generates for it (its ranking scores over
   * the vocabulary), scaled to unit length. [n × words].
   */
  async imageCodes(features: tf.Tensor2D): Promise<Float32Array> {
    return unitRows(this.rankingScores(await this.tagProbabilities(features)), this.vocabulary.length);
  }

  /**
   * A query's code: its words as an indicator vector, unit length. Between unit vectors the
   * Euclidean distance falls as the dot product rises, so the nearest photos are those whose
   * generated words score the query's words highest.
   */
  async textCodes(words: string[][]): Promise<Float32Array> {
    const counts = this.countsOf(words);
    const out = unitRows((await counts.data()) as Float32Array, this.vocabulary.length);
    counts.dispose();
    return out;
  }

  /**
   * The image pathway's top hidden layer inferred from the tags alone (image left free), as the
   * paper's cross-modal retrieval does; scripts/tune.ts measures it against the codes above.
   */
  async imagePathwayFromText(words: string[][]): Promise<Float32Array> {
    const counts = this.countsOf(words);
    const means = await this.dbm.meanField({ [this.at.text]: counts }, { steps: this.meta.meanFieldSteps });
    const out = (await means[this.at.imageTop].data()) as Float32Array;
    tf.dispose([counts, ...means]);
    return out;
  }

  /** The same layer inferred from photos. */
  async imagePathwayFromImage(features: tf.Tensor2D): Promise<Float32Array> {
    const [out] = await this.layersFromImage(features, [this.at.imageTop]);
    return out;
  }

  /**
   * The mean-field values of the layers `which` (indices into the chain, every layer by default)
   * with the photos' image features clamped; the image layer's are the scaled features.
   */
  async layersFromImage(features: tf.Tensor2D, which: number[] = this.at.names.map((_, l) => l)): Promise<Float32Array[]> {
    const image = this.standardise(features);
    const means = await this.dbm.meanField({ [this.at.image]: image }, { steps: this.meta.meanFieldSteps, freeLength: this.freeLength });
    const out = await Promise.all(which.map((l) => means[l].data() as Promise<Float32Array>));
    tf.dispose([image, ...means]);
    return out;
  }

  /**
   * Every word with p(word | image) and its ranking score (see `rankingScores`) relative to the
   * top word's, highest score first: a page that shows the score shows what the order follows.
   */
  ranked(probabilities: Float32Array, row = 0): TagScore[] {
    const words = this.vocabulary.length;
    const slice = probabilities.subarray(row * words, (row + 1) * words);
    const scores = this.rankingScores(slice);
    const order = this.vocabulary.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
    const top = scores[order[0]];
    return order.map((i) => ({ word: this.vocabulary[i], probability: slice[i], score: top > 0 ? scores[i] / top : 0 }));
  }

  dispose(): void {
    this.dbm.dispose();
    tf.dispose([this.featureMean, this.featureStd]);
  }
}

/** Loads the committed checkpoint (or another directory written by train.ts). */
export async function loadMultimodalDbm(dir: string = CHECKPOINT_DIR): Promise<MultimodalDbm> {
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as CheckpointMeta;
  const vocabulary = JSON.parse(await fs.readFile(path.join(dir, 'vocabulary.json'), 'utf8')) as string[];
  const tensors = await loadTensors(dir);
  const { names } = layout(meta.architecture);
  const biases = names.map((name) => tensors[`${name}.bias`] as tf.Tensor1D);
  const weights = names.slice(0, -1).map((name, l) => tensors[`${name}--${names[l + 1]}`] as tf.Tensor2D);
  const dbm = new Dbm(chainLayers(meta.architecture, biases), weights);
  tf.dispose([...biases, ...weights]);
  return new MultimodalDbm(dbm, vocabulary, tensors['features.mean'] as tf.Tensor1D, tensors['features.std'] as tf.Tensor1D, meta, dbmVersion(dir));
}

/** The tensors a checkpoint holds, by name. */
export function checkpointTensors(model: { dbm: Dbm; featureMean: tf.Tensor1D; featureStd: tf.Tensor1D }): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = { 'features.mean': model.featureMean, 'features.std': model.featureStd };
  const names = model.dbm.layers.map((layer) => layer.name);
  model.dbm.layers.forEach((layer, l) => (out[`${names[l]}.bias`] = layer.bias));
  model.dbm.weights.forEach((w, l) => (out[`${names[l]}--${names[l + 1]}`] = w));
  return out;
}

/**
 * Scores for ranking words: p(word | image) / p(word)^α, with p(word) the training frequency of
 * each word (α chosen on held-out training photos by scripts/tune.ts; 0 leaves the probabilities as they
 * are). A word no training photo has scores 0: the model cannot have learned it, and dividing by
 * a frequency near 0 would put it near the top for every photo (three of Corel-5k's 374 words
 * occur only in its test photos). Row-major [n × words] in, same shape out.
 */
export function priorCorrected(probabilities: Float32Array, frequency: ArrayLike<number>, alpha: number): Float32Array {
  const words = frequency.length;
  const out = new Float32Array(probabilities.length);
  for (let i = 0; i < probabilities.length; i++) {
    const f = frequency[i % words];
    out[i] = f > 0 ? probabilities[i] / Math.pow(f, alpha) : 0;
  }
  return out;
}

function unitRows(values: Float32Array, width: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < values.length / width; r++) {
    let norm = 0;
    for (let j = 0; j < width; j++) norm += values[r * width + j] ** 2;
    const scale = 1 / (Math.sqrt(norm) || 1);
    for (let j = 0; j < width; j++) out[r * width + j] = values[r * width + j] * scale;
  }
  return out;
}

const badRequest = (message: string) => Object.assign(new Error(message), { code: 'BAD_REQUEST' });
const PREVIEW_TAGS = 10;

/**
 * The model server's view of one checkpoint folder (see contract.ts). Tag requests in one batch
 * share one mean-field run. `multimodal-dbm` serves the Corel-5k checkpoint (this file's
 * `servable`); `serve-flickr.ts` serves the Flickr8k one.
 */
export function servableFor(dir: string): ServableModel<MultimodalDbmInput, MultimodalDbmOutput> {
  let loading: Promise<MultimodalDbm> | undefined;
  return {
    async load() {
      loading ??= loadMultimodalDbm(dir);
      return { version: (await loading).version };
    },

    async runBatch(inputs, ctx) {
      const model = await (loading ??= loadMultimodalDbm(dir));
      const dims = model.meta.architecture.image;
      const outputs: MultimodalDbmOutput[] = new Array(inputs.length);
      const rowsOf = (task: MultimodalDbmInput['task']) => inputs.flatMap((input, i) => (input.task === task ? [i] : []));
      const featuresOf = (rows: number[]) => {
        const data = new Float32Array(rows.length * dims);
        rows.forEach((i, r) => {
          const input = inputs[i] as { features: unknown };
          if (!(input.features instanceof Float32Array) || input.features.length !== dims) throw badRequest(`The tag model needs a ${dims}-d image-feature vector.`);
          data.set(input.features, r * dims);
        });
        return tf.tensor2d(data, [rows.length, dims]);
      };

      const tagRows = rowsOf('tags');
      if (tagRows.length > 0) {
        const requested = (inputs[tagRows[0]] as { steps?: number }).steps;
        const steps = Math.max(1, Math.min(50, Math.round(requested ?? model.meta.meanFieldSteps)));
        const features = featuresOf(tagRows);
        const probabilities = await model.tagProbabilities(features, {
          steps,
          cancelled: () => tagRows.every((i) => ctx.cancelled(i)),
          onStep: async (step, current) => {
            tagRows.forEach((i, r) => ctx.progress(i, { step, total: steps, message: `mean-field step ${step} of ${steps}`, preview: { tags: model.ranked(current, r).slice(0, PREVIEW_TAGS) } }));
            await tf.nextFrame(); // lets a cancel message arrive between steps
          },
        });
        features.dispose();
        tagRows.forEach((i, r) => (outputs[i] = { tags: model.ranked(probabilities, r), steps }));
      }

      const imageRows = rowsOf('image-code');
      if (imageRows.length > 0) {
        const features = featuresOf(imageRows);
        const codes = await model.imageCodes(features);
        features.dispose();
        const size = codes.length / imageRows.length;
        imageRows.forEach((i, r) => (outputs[i] = { code: codes.slice(r * size, (r + 1) * size) }));
      }

      const textRows = rowsOf('text-code');
      if (textRows.length > 0) {
        const known = new Set(model.vocabulary);
        const words = textRows.map((i) => {
          const list = (inputs[i] as { words: unknown }).words;
          if (!Array.isArray(list) || list.length === 0 || !list.every((w) => typeof w === 'string')) throw badRequest('Give at least one tag.');
          const unknown = list.filter((w) => !known.has(w));
          if (unknown.length > 0) throw Object.assign(new Error(`Not in the tag vocabulary: ${unknown.join(', ')}`), { code: 'UNKNOWN_TAGS' });
          return list as string[];
        });
        const codes = await model.textCodes(words);
        const size = codes.length / textRows.length;
        textRows.forEach((i, r) => (outputs[i] = { code: codes.slice(r * size, (r + 1) * size) }));
      }

      inputs.forEach((input, i) => {
        if (!outputs[i]) throw badRequest(`Unknown task "${String((input as { task?: unknown }).task)}" for the tag model.`);
      });
      return outputs;
    },
  };
}

/** The Corel-5k tagger (model name `multimodal-dbm`). */
export const servable = servableFor(CHECKPOINT_DIR);

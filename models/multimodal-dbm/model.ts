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
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Dbm, loadTensors, type DbmLayerSpec } from '@/models/blocks';
import type { ServableModel } from '@/lib/model-server/types';
import type { MultimodalDbmInput, MultimodalDbmOutput, TagScore } from './contract';

export const CHECKPOINT_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'checkpoint');

/** Layer sizes of the chain, in order. The paper's MIR-Flickr sizes were 3857-2048-1024 / 2000-1024-1024 / 2048. */
export interface Architecture {
  image: number;
  imageHidden: [number, number];
  joint: number;
  textHidden: [number, number];
  words: number;
}

export const LAYER = { image: 0, imageH1: 1, imageH2: 2, joint: 3, textH2: 4, textH1: 5, text: 6 } as const;
export const LAYER_NAMES = ['image', 'image-h1', 'image-h2', 'joint', 'text-h2', 'text-h1', 'text'];

export interface CheckpointMeta {
  model: string;
  paper: string;
  architecture: Architecture;
  /** Mean number of tags per training photo: the document length assumed when text is inferred. */
  meanTags: number;
  meanFieldSteps: number;
  featureVersion: string;
  [key: string]: unknown;
}

/** The seven-layer chain with the sizes of `arch` (weights from `tensors`, named as saved). */
export function chainLayers(arch: Architecture, biases: tf.Tensor1D[]): DbmLayerSpec[] {
  const units = ['gaussian', 'binary', 'binary', 'binary', 'binary', 'binary', 'softmax'] as const;
  return LAYER_NAMES.map((name, l) => ({ name, units: units[l], bias: biases[l], scaleBiasBy: l === LAYER.textH1 ? LAYER.text : undefined }));
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
  ) {}

  standardise(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.div(tf.sub(features, this.featureMean), this.featureStd));
  }

  /** Word counts of a list of tags (each vocabulary word once). */
  countsOf(words: string[][]): tf.Tensor2D {
    const index = new Map(this.vocabulary.map((w, i) => [w, i]));
    const counts = new Float32Array(words.length * this.vocabulary.length);
    words.forEach((list, r) => {
      for (const word of new Set(list)) {
        const i = index.get(word);
        if (i === undefined) throw Object.assign(new Error(`"${word}" is not in the tag vocabulary`), { code: 'UNKNOWN_TAGS' });
        counts[r * this.vocabulary.length + i] = 1;
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
    const textOf = (means: tf.Tensor2D[]) => tf.tidy(() => tf.div(means[LAYER.text], this.meta.meanTags));
    const means = await this.dbm.meanField(
      { [LAYER.image]: image },
      {
        steps: options.steps ?? this.meta.meanFieldSteps,
        freeLength: this.meta.meanTags,
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

  /** p(word | image) for rows of a row-major [n × dims] array, in batches: the evaluation's entry point. */
  async tagScores(features: Float32Array, n: number, steps?: number): Promise<Float32Array> {
    const dims = this.meta.architecture.image;
    const words = this.vocabulary.length;
    const out = new Float32Array(n * words);
    for (let start = 0; start < n; start += 256) {
      const rows = Math.min(256, n - start);
      const batch = tf.tensor2d(features.subarray(start * dims, (start + rows) * dims), [rows, dims]);
      out.set(await this.tagProbabilities(batch, { steps }), start * words);
      batch.dispose();
    }
    return out;
  }

  /** The image pathway's top layer (image-h2) inferred from photos: [n × size]. */
  async imageCodes(features: tf.Tensor2D): Promise<Float32Array> {
    const image = this.standardise(features);
    const means = await this.dbm.meanField({ [LAYER.image]: image }, { steps: this.meta.meanFieldSteps, freeLength: this.meta.meanTags });
    const out = (await means[LAYER.imageH2].data()) as Float32Array;
    tf.dispose([image, ...means]);
    return out;
  }

  /** The same layer inferred from tags alone (the image left free): [n × size]. */
  async textCodes(words: string[][]): Promise<Float32Array> {
    const counts = this.countsOf(words);
    const means = await this.dbm.meanField({ [LAYER.text]: counts }, { steps: this.meta.meanFieldSteps });
    const out = (await means[LAYER.imageH2].data()) as Float32Array;
    tf.dispose([counts, ...means]);
    return out;
  }

  /** Every word with its probability, highest first. */
  ranked(probabilities: Float32Array, row = 0): TagScore[] {
    const words = this.vocabulary.length;
    return this.vocabulary
      .map((word, i) => ({ word, probability: probabilities[row * words + i] }))
      .sort((a, b) => b.probability - a.probability);
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
  const biases = LAYER_NAMES.map((name) => tensors[`${name}.bias`] as tf.Tensor1D);
  const weights = LAYER_NAMES.slice(0, -1).map((name, l) => tensors[`${name}--${LAYER_NAMES[l + 1]}`] as tf.Tensor2D);
  const dbm = new Dbm(chainLayers(meta.architecture, biases), weights);
  tf.dispose([...biases, ...weights]);
  const version = crypto.createHash('sha256').update(await fs.readFile(path.join(dir, 'weights.bin'))).digest('hex').slice(0, 12);
  return new MultimodalDbm(dbm, vocabulary, tensors['features.mean'] as tf.Tensor1D, tensors['features.std'] as tf.Tensor1D, meta, `mdbm-${version}`);
}

/** The tensors a checkpoint holds, by name. */
export function checkpointTensors(model: { dbm: Dbm; featureMean: tf.Tensor1D; featureStd: tf.Tensor1D }): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = { 'features.mean': model.featureMean, 'features.std': model.featureStd };
  model.dbm.layers.forEach((layer, l) => (out[`${LAYER_NAMES[l]}.bias`] = layer.bias));
  model.dbm.weights.forEach((w, l) => (out[`${LAYER_NAMES[l]}--${LAYER_NAMES[l + 1]}`] = w));
  return out;
}

const badRequest = (message: string) => Object.assign(new Error(message), { code: 'BAD_REQUEST' });
const PREVIEW_TAGS = 10;

let loading: Promise<MultimodalDbm> | undefined;

/** The model server's view: see contract.ts. Tag requests in one batch share one mean-field run. */
export const servable: ServableModel<MultimodalDbmInput, MultimodalDbmOutput> = {
  async load() {
    loading ??= loadMultimodalDbm();
    return { version: (await loading).version };
  },

  async runBatch(inputs, ctx) {
    const model = await (loading ??= loadMultimodalDbm());
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

/**
 * The multimodal DBM as this service uses it: always through the model server (the app's own
 * process never runs TensorFlow.js), with its tasks as plain functions and its absence turned into
 * one clear error.
 */
import { AppError, isAppError } from '@/lib/errors';
import type { ModelClient, ProgressEvent, RunOptions } from '@/lib/model-server';
import type { Servable } from '@/lib/model-server/servable';
import { COREL_TAGGER, type MultimodalDbmInput, type MultimodalDbmOutput, type TagScore } from '@/models/multimodal-dbm';

export type { TagScore };

const notInstalled = (cause?: unknown) =>
  new AppError(
    'MODEL_UNAVAILABLE',
    'The tagging model (a multimodal Deep Boltzmann Machine) is not installed on this server yet, so photos cannot be tagged or searched by tags. Please try again later.',
    { cause },
  );

export interface Tagged {
  tags: TagScore[];
  steps: number;
  modelVersion: string;
}

export interface Coded {
  code: Float32Array;
  modelVersion: string;
}

export class MultimodalDbm {
  /** `servable`: the checkpoint to run, from the multimodal DBM's manifest (the Corel-5k one by default). */
  constructor(
    private readonly models: ModelClient,
    readonly servable: Servable<MultimodalDbmInput, MultimodalDbmOutput> = COREL_TAGGER,
  ) {}

  /** The model server's name for this checkpoint. */
  get name(): string {
    return this.servable.name;
  }

  /** MODEL_UNAVAILABLE unless the model server serves this multimodal DBM. */
  async ensureServed(): Promise<void> {
    const health = await this.models.health();
    if (!health.models.includes(this.name)) throw notInstalled();
  }

  /** Every vocabulary word with p(word | image) and its ranking score, highest score first; progress per mean-field step. */
  async tags(features: Float32Array, options: RunOptions & { steps?: number } = {}): Promise<Tagged> {
    const input: MultimodalDbmInput = { task: 'tags', features, ...(options.steps ? { steps: options.steps } : {}) };
    const result = await this.run(input, options);
    if (!('tags' in result.output)) throw new AppError('MODEL_FAILED', 'The tagging model answered without tags.');
    return { tags: result.output.tags, steps: result.output.steps, modelVersion: result.modelVersion };
  }

  /** The joint code inferred from an image's features. */
  imageCode(features: Float32Array, options: RunOptions = {}): Promise<Coded> {
    return this.code({ task: 'image-code', features }, options);
  }

  /** The joint code inferred from words alone. */
  textCode(words: string[], options: RunOptions = {}): Promise<Coded> {
    return this.code({ task: 'text-code', words }, options);
  }

  private async code(input: MultimodalDbmInput, options: RunOptions): Promise<Coded> {
    const result = await this.run(input, options);
    if (!('code' in result.output)) throw new AppError('MODEL_FAILED', 'The tagging model answered without a code.');
    return { code: result.output.code, modelVersion: result.modelVersion };
  }

  private async run(input: MultimodalDbmInput, options: RunOptions) {
    try {
      return await this.models.run(this.servable, input, options);
    } catch (error) {
      if (isAppError(error) && error.code === 'MODEL_NOT_FOUND') throw notInstalled(error);
      throw error;
    }
  }
}

/** A model progress event as the page shows it: "step 3 of 10" and the current top tags. */
export function meanFieldProgress(event: ProgressEvent, top: number): ProgressEvent {
  const preview = event.preview as { tags?: TagScore[] } | undefined;
  return {
    step: event.step,
    total: event.total,
    message: `Mean-field step ${event.step} of ${event.total}`,
    ...(Array.isArray(preview?.tags) ? { preview: { tags: shownTags(preview.tags, top) } } : {}),
  };
}

/** A tag as stored before tags carried their ranking score. */
export type StoredTagScore = Omit<TagScore, 'score'> & { score?: number };

/**
 * The `top` tags as a page shows them, highest score first, each number to three significant
 * digits (small ones stay above 0: a shown word never reads as impossible; rounding keeps the
 * order). A list stored before tags carried a score is scored by p(word | image) over its top
 * word's and ranked by that, so whatever is shown, the order follows the number beside each word.
 */
export function shownTags(tags: readonly StoredTagScore[], top = tags.length): TagScore[] {
  const scored = tags.every((t) => Number.isFinite(t.score));
  const best = Math.max(0, ...tags.map((t) => t.probability));
  return tags
    .map((t) => ({ word: t.word, probability: t.probability, score: scored ? t.score! : best > 0 ? t.probability / best : 0 }))
    .sort((a, b) => b.score - a.score)
    .slice(0, top)
    .map(roundScore);
}

const threeDigits = (x: number) => Number(x.toPrecision(3));
const roundScore = ({ word, probability, score }: TagScore): TagScore => ({ word, probability: threeDigits(probability), score: threeDigits(score) });

/** Runs `fn` over `items` with at most `limit` calls in flight (the model server batches them). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * The one-shot model in the model server (`oneshot`), answering the contract in contract.ts:
 * variants of a drawing, each reported as progress as soon as it is drawn, or the ranking of a
 * one-shot run's 20 characters for a drawing; both stop between steps once their caller has gone
 * (timed out, cancelled). A drawing is first held to limits.ts: thinned, and refused over its
 * limits. The runs are read from DATA_DIR on the first classification in each worker, and a run's
 * 20 characters are parsed into pen paths the first time that run is asked for.
 */
import { decodeOmniglotPng, loadOneShotRuns, OMNIGLOT_SIZE, type OneShotRun } from '@/lib/datasets';
import type { BatchContext, ServableModel } from '@/lib/model-server/types';
import type { Drawing } from '@/lib/strokes';
import { MAX_VARIANTS, packBitmap, RUN_COUNT, type ClassifyOutput, type OneShotInput, type OneShotOutput, type VariantPreview, type VariantsOutput } from './contract';
import { abstains, confidenceOf } from './abstention';
import { MAX_INK_PX, MAX_STROKES, modelDrawing, overLimits } from './limits';
import { CHECKPOINT_DIR, loadOneShotModel, oneShotModelVersion, type OneShotModel } from './model';
import { parseImage } from './parse';

export interface LoadedOneShotModel {
  model: OneShotModel;
    /** From `oneShotModelVersion`. */
  version: string;
}

export async function loadServedModel(dir: string = CHECKPOINT_DIR): Promise<LoadedOneShotModel> {
  return { model: await loadOneShotModel(dir), version: await oneShotModelVersion(dir) };
}

const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

/** Lake's runs, read once; each run's characters parsed into pen paths once. */
export class RunCharacters {
  private runs: Promise<OneShotRun[]> | undefined;
  private readonly parsed = new Map<number, Promise<Drawing[]>>();

  constructor(private readonly dataDir?: string) {}

  async exemplars(run: number): Promise<Drawing[]> {
    let drawings = this.parsed.get(run);
    if (!drawings) {
      drawings = this.load(run);
      this.parsed.set(run, drawings);
      drawings.catch(() => this.parsed.delete(run));
    }
    return drawings;
  }

  private async load(run: number): Promise<Drawing[]> {
    this.runs ??= loadOneShotRuns(this.dataDir).catch((error) => {
      this.runs = undefined;
      throw failure('DATASET_MISSING', `The one-shot runs (omniglot/all_runs.zip) cannot be read on this server: ${(error as Error).message}`);
    });
    const found = (await this.runs).find((r) => r.run === run);
    if (!found) throw failure('NOT_FOUND', `There is no one-shot run ${run}; runs are numbered 1 to ${RUN_COUNT}.`);
    return Promise.all(found.training.map(async (image) => parseImage(await decodeOmniglotPng(image.png), OMNIGLOT_SIZE)));
  }
}

/** Draws `count` variants, calling `onVariant` as each is ready; stops early when `cancelled()`. */
export async function makeVariants(
  model: OneShotModel,
  input: { drawing: Drawing; count: number; seed: number },
  options: { onVariant?: (preview: VariantPreview) => void; cancelled?: () => boolean } = {},
): Promise<VariantsOutput> {
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_VARIANTS) throw failure('BAD_REQUEST', `Ask for 1 to ${MAX_VARIANTS} variants.`);
  if (!Number.isInteger(input.seed) || input.seed < 0) throw failure('BAD_REQUEST', 'The seed must be a whole number ≥ 0.');
  // Sampling all the strokes is a few milliseconds; drawing them with the pen is most of the work.
  const strokes = model.variants(input.drawing, input.count, input.seed);
  const bitmaps: Uint8Array[] = [];
  for (const [index, variant] of strokes.entries()) {
    const bitmap = packBitmap(model.drawVariant(variant));
    bitmaps.push(bitmap);
    options.onVariant?.({ index, count: input.count, bitmap });
    await new Promise((resolve) => setImmediate(resolve)); // lets a cancel message arrive
    if (options.cancelled?.()) throw failure('CANCELLED', 'Making variants was cancelled.');
  }
  return { task: 'variants', bitmaps, strokes };
}

/**
 * Ranks the run's 20 characters for the drawing, and says whether it is none of them (the
 * checkpoint's abstention rule); stops between characters when `cancelled()`.
 */
export async function classifyDrawing(
  model: OneShotModel,
  runs: RunCharacters,
  input: { drawing: Drawing; run: number },
  options: { cancelled?: () => boolean } = {},
): Promise<ClassifyOutput> {
  if (!Number.isInteger(input.run) || input.run < 1 || input.run > RUN_COUNT) throw failure('BAD_REQUEST', `Choose a run from 1 to ${RUN_COUNT}.`);
  const exemplars = await runs.exemplars(input.run);
  const ranking = await model.rank(input.drawing, exemplars, async () => {
    await new Promise((resolve) => setImmediate(resolve)); // lets a cancel message arrive
    if (options.cancelled?.()) throw failure('CANCELLED', 'Classifying the drawing was cancelled.');
  });
  const scores = ranking.map((r) => r.logScore);
  const rule = model.abstention;
  const abstention = rule ? { noneOfThese: abstains(scores, rule), statistic: rule.statistic, confidence: confidenceOf(scores, rule.statistic), threshold: rule.threshold } : null;
  return { task: 'classify', run: input.run, ranking, abstention };
}

/**
 * The request's drawing as the model works on it (limits.ts): over the limits is TOO_MUCH_INK
 * (the service turns such drawings away first; this keeps any other caller from holding a worker).
 */
function boundedDrawing(drawing: Drawing): Drawing {
  const over = overLimits(drawing);
  if (over) {
    throw failure('TOO_MUCH_INK', `The drawing has ${Math.round(over.inkLength)} px of pen path in ${over.strokes} strokes; the model takes at most ${MAX_INK_PX} px in ${MAX_STROKES} strokes.`);
  }
  return modelDrawing(drawing);
}

export const servable: ServableModel<OneShotInput, OneShotOutput> = (() => {
  let loading: Promise<LoadedOneShotModel> | undefined;
  const runs = new RunCharacters();
  return {
    async load() {
      loading ??= loadServedModel();
      return { version: (await loading).version };
    },

    /** One drawing per request; a request's variants are reported one by one. */
    async runBatch(inputs: OneShotInput[], ctx: BatchContext) {
      const { model } = await (loading ??= loadServedModel());
      const outputs: OneShotOutput[] = [];
      for (const [i, input] of inputs.entries()) {
        if (!Array.isArray(input?.drawing) || input.drawing.length === 0) throw failure('BAD_REQUEST', 'The drawing is empty: draw something first.');
        const drawing = boundedDrawing(input.drawing);
        if (input.task === 'variants') {
          outputs.push(
            await makeVariants(model, { ...input, drawing }, {
              onVariant: (preview) => ctx.progress(i, { step: preview.index + 1, total: preview.count, message: `variant ${preview.index + 1} of ${preview.count}`, preview }),
              cancelled: () => ctx.cancelled(i),
            }),
          );
        } else if (input.task === 'classify') {
          outputs.push(await classifyDrawing(model, runs, { ...input, drawing }, { cancelled: () => ctx.cancelled(i) }));
        } else {
          throw failure('BAD_REQUEST', 'Ask the one-shot model for "variants" or "classify".');
        }
      }
      return outputs;
    },
  };
})();

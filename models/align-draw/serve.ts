/**
 * alignDRAW in the model server (`align-draw-mnist`; `align-draw-corel` is serve-corel.ts,
 * `align-draw-flickr` serve-flickr.ts),
 * answering the contract in contract.ts: one request draws `samples` canvases of one caption,
 * reporting every drawing step as progress.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BatchContext, ServableModel } from '@/lib/model-server/types';
import type { AttentionBox } from '@/models/blocks/draw-attention';
import { MAX_CAPTION_CHARS, MAX_SAMPLES, type Box, type DrawInput, type Drawing, type DrawingStep } from './contract';
import { AlignDraw } from './model';
import { CaptionTokenizer, MNIST_CHECKPOINT_DIR } from './tokenizer';

export interface LoadedCaptionModel {
  model: AlignDraw;
  tokenizer: CaptionTokenizer;
  version: string;
}

/** The model and tokenizer of a checkpoint directory; the version is a hash of its weights. */
export async function loadCaptionModel(dir: string = MNIST_CHECKPOINT_DIR): Promise<LoadedCaptionModel> {
  const weights = await fs.readFile(path.join(dir, 'weights.bin'));
  const version = `align-draw-${crypto.createHash('sha256').update(weights).digest('hex').slice(0, 12)}`;
  return { model: await AlignDraw.load(dir), tokenizer: CaptionTokenizer.load(dir), version };
}

const badRequest = (message: string) => Object.assign(new Error(message), { code: 'BAD_REQUEST' });

/** σ(c_t) in [0, 1] → bytes, one canvas (height × width × channels) per sample. */
function toBytes(canvases: Float32Array, samples: number, pixels: number): Uint8Array[] {
  return Array.from({ length: samples }, (_, s) => {
    const out = new Uint8Array(pixels);
    for (let i = 0; i < pixels; i++) out[i] = Math.round(255 * Math.min(1, Math.max(0, canvases[s * pixels + i])));
    return out;
  });
}

/** The write grid's square, as a box from its top-left corner. */
const asBox = (box: AttentionBox): Box => ({ x: box.x - box.size / 2, y: box.y - box.size / 2, width: box.size, height: box.size });

/** Draws one caption: tokens, then T steps reported through `onStep`. */
export async function draw(
  loaded: LoadedCaptionModel,
  input: DrawInput,
  options: { onStep?: (step: DrawingStep) => void | Promise<void>; cancelled?: () => boolean } = {},
): Promise<Drawing> {
  const { model, tokenizer } = loaded;
  if (typeof input.caption !== 'string' || input.caption.trim() === '') throw badRequest('Type a caption to draw.');
  if (!Number.isInteger(input.samples) || input.samples < 1 || input.samples > MAX_SAMPLES) throw badRequest(`Ask for 1 to ${MAX_SAMPLES} samples.`);
  if (!Number.isInteger(input.seed) || input.seed < 0) throw badRequest('The seed must be a whole number ≥ 0.');
  const temperature = input.temperature ?? 1;
  if (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 1)) throw badRequest('The temperature is a number from 0 to 1.');
  if (input.caption.length > MAX_CAPTION_CHARS) throw badRequest(`A caption has at most ${MAX_CAPTION_CHARS} characters.`);
  // Free text (word pieces) leaves out what no piece spells; a word-level model names unknown words (UnknownWordsError).
  const { ids, words, dropped } = await tokenizer.encode(input.caption, { dropUnknown: tokenizer.modelType === 'WordPiece' });
  const { height, width, steps, channels } = model.config;
  const pixels = model.imageSize;
  const abort = new AbortController();
  const stepCanvases: Uint8Array[][] = Array.from({ length: input.samples }, () => []);
  const alignments: number[][][] = Array.from({ length: input.samples }, () => []);
  const writeBoxes: Box[][] = Array.from({ length: input.samples }, () => []);
  const generation = await model.generate({
    tokens: ids,
    samples: input.samples,
    seed: input.seed,
    temperature,
    signal: abort.signal,
    onStep: async (step) => {
      const canvases = toBytes(step.canvases, input.samples, pixels);
      const boxes = step.writeBoxes.map(asBox);
      for (let s = 0; s < input.samples; s++) {
        stepCanvases[s].push(canvases[s]);
        alignments[s].push(Array.from(step.alignment.subarray(s * ids.length, (s + 1) * ids.length), (a) => Number(a.toFixed(4))));
        writeBoxes[s].push(boxes[s]);
      }
      await options.onStep?.({ step: step.step, steps, height, width, channels: channels as 1 | 3, canvases, writeBoxes: boxes });
      await tf.nextFrame(); // lets a cancel message arrive between steps
      if (options.cancelled?.()) abort.abort();
    },
  });
  if (generation.steps.length < steps) throw Object.assign(new Error('The drawing was cancelled.'), { code: 'CANCELLED' });
  return { words, ...(dropped.length ? { dropped } : {}), steps, height, width, channels: channels as 1 | 3, images: toBytes(generation.images, input.samples, pixels), stepCanvases, alignments, writeBoxes };
}

/** A servable for the checkpoint in `dir`, loaded once on first use. */
export function servableFor(dir: string): ServableModel<DrawInput, Drawing> {
  let loading: Promise<LoadedCaptionModel> | undefined;
  return {
    async load() {
      loading ??= loadCaptionModel(dir);
      return { version: (await loading).version };
    },

    /** One caption per request (each already draws its samples as one batch). */
    async runBatch(inputs: DrawInput[], ctx: BatchContext) {
      const loaded = await (loading ??= loadCaptionModel(dir));
      const outputs: Drawing[] = [];
      for (const [i, input] of inputs.entries()) {
        outputs.push(
          await draw(loaded, input, {
            onStep: (step) => ctx.progress(i, { step: step.step, total: step.steps, message: `drawing step ${step.step} of ${step.steps}`, preview: step }),
            cancelled: () => ctx.cancelled(i),
          }),
        );
      }
      return outputs;
    },
  };
}

/** `align-draw-mnist`: the MNIST-with-captions checkpoint. */
export const servable = servableFor(MNIST_CHECKPOINT_DIR);

/**
 * Caption → images with alignDRAW.
 *
 * - `prepare`: a request from a page or a client, its fields checked with `captionRequest` (by the
 *   route) → a checked one: the model one that this server serves, every word one the model can read (UNKNOWN_WORDS, naming them and
 *   what it knows, otherwise), and — for MNIST with Captions — how the caption reads in the paper's
 *   grammar: a scene of a kind seen in training, a novel (held-out) one, or words outside the grammar
 *   (allowed: the model draws what the words say).
 * - `start`: records the generation and draws it as a job that a page follows; every drawing step
 *   streams its canvases; when it is done, the images go to the gallery and the job's result names
 *   the generation. Cancelling the job stops the model between steps.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { getDb, type Db } from '@/lib/db';
import { ModelVersions } from '@/lib/db/model-versions';
import { AppError, isAppError, toAppError } from '@/lib/errors';
import { getGenerationService, type GenerationService, type GenerationView } from '@/lib/generations';
import { getJobs, type JobRegistry, type JobView } from '@/lib/jobs';
import type { Owner, Viewer } from '@/lib/owners';
import { getModelServer, type ModelClient, type ProgressEvent } from '@/lib/model-server';
import {
  CaptionGrammarError,
  CaptionTokenizer,
  isHeldOut,
  MAX_CAPTION_CHARS,
  MAX_SAMPLES,
  parseCaption,
  UnknownWordsError,
  type Box,
  type CaptionStructure,
  type DrawInput,
  type Drawing,
  type DrawingStep,
} from '@/models/align-draw';
import { CAPTION_MODEL_INFO, CAPTION_MODELS, DEFAULT_CAPTION_MODEL, type CaptionModel, type CaptionModelInfo } from './models';
import { closeWords, readCaptionWords } from './read';

export { CAPTION_MODEL_INFO, CAPTION_MODELS, DEFAULT_CAPTION_MODEL, type CaptionModel, type CaptionModelInfo } from './models';
export { EXAMPLE_CAPTIONS, mnistSceneKind, type ExampleCaption, type ExampleKind } from './examples';
export { captionWordsOf, closeWords, readCaptionWords, type CaptionWords } from './read';
export { MAX_CAPTION_CHARS, MAX_SAMPLES };

export const GENERATION_KIND = 'caption';
export const DEFAULT_SAMPLES = 4;
export const MAX_SEED = 2 ** 31 - 1;

export const captionRequest = z.object({
  caption: z
    .string({ error: 'must be text' })
    .trim()
    .min(1, 'write a caption first')
    .max(MAX_CAPTION_CHARS, `a caption has at most ${MAX_CAPTION_CHARS} characters`),
  samples: z
    .number({ error: `must be a whole number from 1 to ${MAX_SAMPLES}` })
    .int(`must be a whole number from 1 to ${MAX_SAMPLES}`)
    .min(1, `draw at least 1 image`)
    .max(MAX_SAMPLES, `draw at most ${MAX_SAMPLES} images at once`)
    .default(DEFAULT_SAMPLES),
  seed: z
    .number({ error: `must be a whole number from 0 to ${MAX_SEED}` })
    .int(`must be a whole number from 0 to ${MAX_SEED}`)
    .min(0, `must be a whole number from 0 to ${MAX_SEED}`)
    .max(MAX_SEED, `must be a whole number from 0 to ${MAX_SEED}`)
    .optional(),
  temperature: z
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, 'must be a number from 0 to 1')
    .max(1, 'must be a number from 0 to 1 (1 samples the model’s own prior)')
    .optional(),
  /** Absent: MNIST for its grammar's words, the Corel-5k model for a list of its tags, the Flickr8k model for any other sentence (`chooseModel`). */
  model: z.enum(CAPTION_MODELS, { error: `must be one of ${CAPTION_MODELS.join(', ')}` }).optional(),
});

/** A caption request as a page sends it, and as `prepare` takes it once checked. */
export type CaptionRequest = z.input<typeof captionRequest>;
export type CheckedCaptionRequest = z.output<typeof captionRequest>;

/** How the model will read the caption. */
export type CaptionReading =
  /** MNIST grammar: a scene of a kind drawn in training. */
  | { kind: 'seen'; structure: CaptionStructure }
  /** MNIST grammar: a scene held out of training (a novel caption). */
  | { kind: 'novel'; structure: CaptionStructure }
  /** Known words, but not a sentence of the grammar: the model draws what the words say. */
  | { kind: 'outside-grammar'; problem: string }
  /** A model without a fixed grammar. */
  | { kind: 'free-text' };

export interface PreparedCaption {
  /** What the model draws: the caption, or (a tag model) the tags it knows in it. */
  caption: string;
  /** The caption as typed. */
  typed: string;
  /** Typed words a tag model read as another form of a tag ("dogs" → "dog"). */
  folded: { typed: string; word: string }[];
  /**
   * Typed words a tag model left out ("a", "running", "on", "the"): it knows them in no form; for
   * free text, what no word piece spells ("🐱").
   */
  leftOut: string[];
  samples: number;
  seed: number;
  /** 0–1: the request's, or the model's default. */
  temperature: number;
  model: CaptionModel;
  /** The caption's tokens as the model reads them (the alignment's columns). */
  words: string[];
  reading: CaptionReading;
}

/** The parameters stored with a caption generation (and put in a "draw again" address). */
export interface CaptionParams {
  caption: string;
  samples: number;
  model: CaptionModel;
  /** Absent in drawings made before it could be chosen: those sampled at 1. */
  temperature?: number;
}

/** What a caption generation keeps beyond its images. */
export interface CaptionOutput {
  words: string[];
  steps: number;
  /** `samples × steps × words`, rows summing to 1. */
  alignments: number[][][];
  /** `samples × steps` write-attention boxes, canvas pixels. */
  writeBoxes: Box[][];
  reading: CaptionReading;
}

export type CaptionGeneration = GenerationView<CaptionParams, CaptionOutput>;

/** A drawing step as the page receives it over server-sent events: canvases as base64. */
export interface DrawingPreview {
  step: number;
  steps: number;
  width: number;
  height: number;
  channels: 1 | 3;
  /** One per sample: base64 of `height × width × channels` bytes. */
  canvases: string[];
  writeBoxes: Box[];
}

export interface CaptionJobResult {
  generationId: string;
  generation: CaptionGeneration;
}

export interface StartedCaption extends PreparedCaption {
  job: JobView;
  generationId: string;
}

export interface ServedCaptionModel extends CaptionModelInfo {
  /** Words it knows, for a word-level vocabulary (MNIST); null for word pieces. */
  vocabulary: string[] | null;
}

export interface CaptionServiceOptions {
  db?: Db;
  models?: ModelClient;
  jobs?: JobRegistry;
  generations?: GenerationService;
  /** Project root, where the checkpoints are. */
  root?: string;
}

export class CaptionService {
  private readonly db: Db;
  private readonly models: ModelClient;
  private readonly jobs: JobRegistry;
  private readonly generations: GenerationService;
  private readonly root: string;
  private readonly tokenizers = new Map<CaptionModel, CaptionTokenizer>();
  private readonly versions: ModelVersions;

  constructor(options: CaptionServiceOptions = {}) {
    this.db = options.db ?? getDb();
    this.models = options.models ?? getModelServer();
    this.jobs = options.jobs ?? getJobs();
    this.generations = options.generations ?? getGenerationService();
    this.root = options.root ?? process.cwd();
    this.versions = new ModelVersions(this.db, this.root);
  }

  /** The caption models this server can draw with: registered in the model server, with their tokenizer shipped. */
  async servedModels(): Promise<ServedCaptionModel[]> {
    const registered = new Set((await this.models.health()).models);
    return CAPTION_MODELS.filter((name) => registered.has(name) && fs.existsSync(this.tokenizerFile(name))).map((name) => {
      const tokenizer = this.tokenizer(name);
      return {
        ...CAPTION_MODEL_INFO[name],
        vocabulary: tokenizer.modelType === 'WordLevel' ? tokenizer.vocabulary.filter((t) => !t.startsWith('[')) : null,
      };
    });
  }

  /**
   * Checks a request (its fields already checked by `captionRequest`) without drawing:
   * MODEL_UNAVAILABLE for a model not served here; for a tag model, the tags it knows in the caption
   * (the other words left out and named); UNKNOWN_WORDS for a caption the model cannot draw (a
   * grammar model's unknown words, a tag model's caption without a tag it knows), with a few close
   * words and which served model could draw it.
   */
  async prepare(request: CheckedCaptionRequest): Promise<PreparedCaption> {
    const served = await this.servedModels();
    const model = request.model ?? (await this.chooseModel(request.caption, served));
    if (!served.some((m) => m.name === model)) {
      const info = CAPTION_MODEL_INFO[model];
      throw new AppError(
        'MODEL_UNAVAILABLE',
        `The ${info.label} model (${model}) is not served here yet, so it cannot draw captions.` +
          (served.length ? ` Served: ${served.map((m) => m.name).join(', ')}.` : ' No caption model is served yet; please try again later.'),
      );
    }
    const read = await this.read(model, request.caption);
    if (!read.ok) throw await this.cannotDraw(model, request.caption, read.unknown, served);
    return {
      caption: read.caption,
      typed: request.caption,
      folded: read.folded,
      leftOut: read.leftOut,
      samples: request.samples,
      seed: request.seed ?? randomInt(0, MAX_SEED + 1),
      temperature: request.temperature ?? CAPTION_MODEL_INFO[model].defaultTemperature,
      model,
      words: read.words,
      reading: readCaption(model, read.caption),
    };
  }

  /**
   * The model for a request that names none: MNIST with Captions when every word is one of its
   * grammar's, otherwise the served model that reads the most of what was typed (`couldDraw`'s
   * order: every word read, then free text, then a tag model's part). With none served, MNIST
   * (whose refusal then names what it knows).
   */
  private async chooseModel(caption: string, served: ServedCaptionModel[]): Promise<CaptionModel> {
    return (await this.couldDraw(caption, served))?.model ?? DEFAULT_CAPTION_MODEL;
  }

  /**
   * Which of `served` (other than `except`) could draw the caption, and what it would draw: first
   * a model that reads every typed word as typed (MNIST's grammar, Corel tags), then one that
   * reads free text, then a tag model that reads part of it.
   */
  private async couldDraw(caption: string, served: ServedCaptionModel[], except?: CaptionModel): Promise<{ model: CaptionModel; label: string; caption: string } | null> {
    const readers: { model: ServedCaptionModel; caption: string; rank: number }[] = [];
    for (const other of served) {
      if (other.name === except) continue;
      const read = await this.read(other.name, caption).catch(() => null);
      if (!read?.ok) continue;
      const whole = read.leftOut.length === 0 && read.folded.length === 0;
      readers.push({ model: other, caption: read.caption, rank: whole && !other.freeText ? 0 : other.freeText ? 1 : 2 });
    }
    const best = readers.sort((a, b) => a.rank - b.rank)[0];
    return best ? { model: best.model.name, label: best.model.label, caption: best.caption } : null;
  }

  /**
   * Records the generation and starts drawing it as a job; the job's result is a `CaptionJobResult`.
   * A request the model server would turn away is turned away before anything is recorded.
   */
  async start(owner: Owner, prepared: PreparedCaption): Promise<StartedCaption> {
    const params: CaptionParams = { caption: prepared.caption, samples: prepared.samples, model: prepared.model, temperature: prepared.temperature };
    await this.models.admit(CAPTION_MODEL_INFO[prepared.model].servable);
    const generationId = await this.generations.begin({ ownerId: owner.ownerId, kind: GENERATION_KIND, modelName: prepared.model, seed: prepared.seed, params: { ...params } });
    const job = this.jobs.start(GENERATION_KIND, (report, signal) => this.draw(prepared, generationId, { signal, onProgress: report }), { ownerId: owner.ownerId });
    return { ...prepared, job, generationId };
  }

  /** Draws a prepared caption into generation `generationId`, reporting every step. */
  async draw(
    prepared: PreparedCaption,
    generationId: string,
    options: { signal?: AbortSignal; onProgress?: (event: ProgressEvent) => void } = {},
  ): Promise<CaptionJobResult> {
    const { onProgress, signal } = options;
    try {
      const input: DrawInput = { caption: prepared.caption, samples: prepared.samples, seed: prepared.seed, temperature: prepared.temperature };
      const run = await this.models
        .run(CAPTION_MODEL_INFO[prepared.model].servable, input, {
          signal,
          onProgress: onProgress && ((event) => onProgress(drawingProgress(event))),
        })
        .catch((error) => {
          if (isAppError(error) && error.code === 'MODEL_NOT_FOUND') {
            throw new AppError('MODEL_UNAVAILABLE', `The ${CAPTION_MODEL_INFO[prepared.model].label} model is not served here.`, { cause: error });
          }
          throw error;
        });
      const drawing = checkDrawing(run.output, prepared.samples);
      await this.versions.record(prepared.model, run.modelVersion, CAPTION_MODEL_INFO[prepared.model].servable.checkpoint);
      const output: CaptionOutput = {
        words: drawing.words,
        steps: drawing.steps,
        alignments: drawing.alignments.map((sample) => sample.map((row) => row.map((a) => round(a, 4)))),
        writeBoxes: drawing.writeBoxes.map((sample) => sample.map(roundBox)),
        reading: prepared.reading,
      };
      const generation = await this.generations.complete(generationId, {
        modelVersion: run.modelVersion,
        canvases: { width: drawing.width, height: drawing.height, channels: drawing.channels, images: drawing.images, frames: drawing.stepCanvases },
        output: { ...output },
      });
      return { generationId, generation: generation as unknown as CaptionGeneration };
    } catch (error) {
      const cancelled = signal?.aborted === true;
      const failure = cancelled ? { code: 'CANCELLED', message: 'The drawing was cancelled.' } : toAppError(error).toJSON();
      await this.generations.end(generationId, cancelled ? 'cancelled' : 'failed', failure).catch(() => undefined);
      throw error;
    }
  }

  async generation(viewer: Viewer, id: string): Promise<CaptionGeneration> {
    return this.generations.get<CaptionParams, CaptionOutput>(viewer, id, GENERATION_KIND);
  }

  /** The latest drawings `viewer` may see. */
  async recent(viewer: Viewer, limit = 24): Promise<CaptionGeneration[]> {
    return this.generations.list<CaptionParams, CaptionOutput>(viewer, { kind: GENERATION_KIND, limit });
  }

  /** The caption's tokens, or UNKNOWN_WORDS naming the words the model cannot read. */
  async words(model: CaptionModel, caption: string): Promise<string[]> {
    const read = await this.read(model, caption);
    if (!read.ok) throw await this.cannotDraw(model, caption, read.unknown, []);
    return read.words;
  }

  /**
   * How `model` reads a caption (read.ts): a tag model the tags it knows (none: not drawable), a
   * grammar model every word (one unknown: not drawable).
   */
  private async read(
    model: CaptionModel,
    caption: string,
  ): Promise<{ ok: true; caption: string; words: string[]; folded: PreparedCaption['folded']; leftOut: string[] } | { ok: false; unknown: string[] }> {
    const tokenizer = this.tokenizer(model);
    if (tokenizer.modelType === 'WordLevel' && CAPTION_MODEL_INFO[model].grammar === null) {
      const read = readCaptionWords(caption, this.knownWords(model)!, false);
      if (!read.drawable) return { ok: false, unknown: read.unknown };
      return { ok: true, caption: read.caption, words: (await tokenizer.encode(read.caption)).words, folded: read.folded, leftOut: read.leftOut };
    }
    try {
      // Free text leaves out only what no word piece spells (an emoji), and says so.
      const { words, dropped } = await tokenizer.encode(caption, { dropUnknown: CAPTION_MODEL_INFO[model].freeText });
      return { ok: true, caption, words, folded: [], leftOut: dropped };
    } catch (error) {
      if (error instanceof UnknownWordsError) return { ok: false, unknown: error.words };
      throw error;
    }
  }

  /**
   * UNKNOWN_WORDS for a caption `model` cannot draw: the words it does not know, a few close ones
   * (never its whole vocabulary in the message; `details.known` has it), and which of the `served`
   * models could draw the caption, and how it would read it.
   */
  private async cannotDraw(model: CaptionModel, caption: string, unknown: string[], served: ServedCaptionModel[]): Promise<AppError> {
    const info = CAPTION_MODEL_INFO[model];
    const known = this.knownWords(model);
    const close = known ? closeWords(unknown, known.filter((w) => w !== '.')) : [];
    const otherModel = await this.couldDraw(caption, served, model);
    const list = unknown.map((w) => `"${w}"`).join(', ');
    const suggestions = close.filter((c) => c.suggestions.length > 0).map((c) => `${c.suggestions.map((s) => `"${s}"`).join(' or ')} for "${c.word}"`);
    const knows =
      info.grammar === 'mnist'
        ? `It reads only the ${known?.length ?? 0} words of its grammar: ${known?.filter((w) => w !== '.').join(' ')} (and a full stop)`
        : `It draws from the ${known?.length ?? 0} Corel-5k tags it knows and found none of them here${suggestions.length ? `; close ones: ${suggestions.join(', ')}` : ''}. Browse the tags it knows to choose some`;
    const could = otherModel
      ? ` The ${otherModel.label} model could draw it${otherModel.caption !== caption.trim() ? ` (as “${otherModel.caption}”)` : ''}.`
      : '';
    return new AppError('UNKNOWN_WORDS', `The ${info.label} model does not know the word${unknown.length === 1 ? '' : 's'} ${list}. ${knows}.${could}`, {
      details: { unknown, close, known, otherModel },
    });
  }

  /** A word-level model's words (no [PAD], [UNK]); null for word pieces. */
  private knownWords(model: CaptionModel): string[] | null {
    const tokenizer = this.tokenizer(model);
    return tokenizer.modelType === 'WordLevel' ? tokenizer.vocabulary.filter((t) => !t.startsWith('[')) : null;
  }

  private tokenizerFile(model: CaptionModel): string {
    return path.join(this.root, CAPTION_MODEL_INFO[model].servable.checkpoint, 'tokenizer.json');
  }

  private tokenizer(model: CaptionModel): CaptionTokenizer {
    let tokenizer = this.tokenizers.get(model);
    if (!tokenizer) {
      try {
        tokenizer = CaptionTokenizer.load(path.dirname(this.tokenizerFile(model)));
      } catch (error) {
        throw new AppError('MODEL_UNAVAILABLE', `The ${CAPTION_MODEL_INFO[model].label} model's vocabulary is not installed on this server.`, { cause: error });
      }
      this.tokenizers.set(model, tokenizer);
    }
    return tokenizer;
  }
}

/** How the model reads a caption (MNIST's grammar: seen or novel scene, or outside it). */
export function readCaption(model: CaptionModel, caption: string): CaptionReading {
  if (CAPTION_MODEL_INFO[model].grammar !== 'mnist') return { kind: 'free-text' };
  try {
    const structure = parseCaption(caption);
    return { kind: isHeldOut(structure) ? 'novel' : 'seen', structure };
  } catch (error) {
    if (error instanceof CaptionGrammarError) return { kind: 'outside-grammar', problem: error.message };
    throw error;
  }
}

/** A model progress event as the page receives it: "step k of T" and the canvases so far, as base64. */
export function drawingProgress(event: ProgressEvent): ProgressEvent {
  const step = event.preview as Partial<DrawingStep> | undefined;
  const base = { step: event.step, total: event.total, message: `Drawing step ${event.step} of ${event.total}` };
  if (!step || !Array.isArray(step.canvases) || !step.width || !step.height || !step.channels) return base;
  const preview: DrawingPreview = {
    step: step.step ?? event.step,
    steps: step.steps ?? event.total,
    width: step.width,
    height: step.height,
    channels: step.channels,
    canvases: step.canvases.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('base64')),
    writeBoxes: (step.writeBoxes ?? []).map(roundBox),
  };
  return { ...base, preview };
}

/** The model's answer, checked against the contract before anything is stored. */
function checkDrawing(drawing: Drawing, samples: number): Drawing {
  const fail = (what: string) => {
    throw new AppError('MODEL_FAILED', `The caption model answered with ${what}.`);
  };
  if (!drawing || !Array.isArray(drawing.images)) fail('no images');
  if (drawing.images.length !== samples) fail(`${drawing.images.length} images where ${samples} were asked for`);
  if (!Array.isArray(drawing.alignments) || drawing.alignments.length !== samples) fail('no alignment for some images');
  if (!Array.isArray(drawing.stepCanvases) || drawing.stepCanvases.length !== samples) fail('no drawing steps for some images');
  if (!Array.isArray(drawing.writeBoxes) || drawing.writeBoxes.length !== samples) fail('no write boxes for some images');
  if (!Array.isArray(drawing.words)) fail('no words');
  return drawing;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const roundBox = (box: Box): Box => ({ x: round(box.x, 2), y: round(box.y, 2), width: round(box.width, 2), height: round(box.height, 2) });

const holder = globalThis as typeof globalThis & { __latentStudioCaption?: CaptionService };

export function getCaptionService(): CaptionService {
  holder.__latentStudioCaption ??= new CaptionService();
  return holder.__latentStudioCaption;
}

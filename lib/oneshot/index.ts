/**
 * One-shot characters: draw a character once, get new drawings of it, or ask which of a one-shot
 * run's 20 characters it is (`models/oneshot/`, served by the model server as `oneshot`).
 *
 * - `prepareDrawing`: a request's drawing → pen strokes in the 105×105 frame. Either `strokes`
 *   (what the page's canvas records) or `png` (base64 or a data URL of a PNG with dark ink on
 *   light paper, as Omniglot's images are; any size, fitted into 105×105 and parsed into pen
 *   paths). An empty canvas is EMPTY_DRAWING; a dot or a scribble too small to be a character is
 *   TOO_LITTLE_INK, and one too large for the model (models/oneshot/limits.ts: more than 2,000 px
 *   of pen path or 40 strokes) TOO_MUCH_INK; strokes that are not a stroke list are BAD_REQUEST; a
 *   PNG that is not one is UNSUPPORTED_FORMAT or CORRUPT_IMAGE. The drawing is then thinned to
 *   points at least 0.5 px apart, as the page records them (a drawing of more than about 500 px of
 *   pen path further, to 1,000 points, its pen path moved by less than the spacing).
 * - `startVariants`: records a generation and makes the variants as a job a page follows, one
 *   progress event per variant; the drawing and its variants then go to the gallery.
 * - `classify`: the ranking of a run's 20 characters for the drawing (synchronous: well under a second).
 * - `runCharacters`: a run's 20 characters as PNG data URLs, for the page to show.
 */
import { randomInt } from 'node:crypto';
import sharp from 'sharp';
import { z } from 'zod';
import { loadOneShotRuns, type OneShotRun } from '@/lib/datasets';
import { getDb, type Db } from '@/lib/db';
import { ModelVersions } from '@/lib/db/model-versions';
import { AppError, isAppError, toAppError } from '@/lib/errors';
import { getGenerationService, type GenerationService, type GenerationView } from '@/lib/generations';
import { wholeNumber } from '@/lib/http/fields';
import { parse } from '@/lib/http/respond';
import { corruptImage, imageTooLarge, readHeader } from '@/lib/images/decode';
import { unsupportedFormat } from '@/lib/images/pipeline';
import { sniff } from '@/lib/images/sniff';
import { getJobs, type JobRegistry, type JobView } from '@/lib/jobs';
import type { Owner, Viewer } from '@/lib/owners';
import { getModelServer, type ModelClient, type ProgressEvent, type RunResult } from '@/lib/model-server';
import { CANVAS_SIZE, drawingSchema, inkLength, renderDrawing, type Drawing } from '@/lib/strokes';
import {
  IMAGE_SIZE,
  MAX_INK_PX,
  MAX_POINTS,
  MAX_STROKES,
  MAX_VARIANTS,
  modelDrawing,
  ONESHOT,
  overLimits,
  packBitmap,
  parseImage,
  RUN_CHARACTERS,
  RUN_COUNT,
  unpackBitmap,
  type ClassifyOutput,
  type OneShotInput,
  type OneShotOutput as OneShotAnswer,
  type NoneOfThese,
  type RankedCharacter,
  type VariantPreview,
  type VariantsOutput,
} from '@/models/oneshot';

export { MAX_VARIANTS, RUN_COUNT, RUN_CHARACTERS, IMAGE_SIZE, MAX_INK_PX, MAX_STROKES, MAX_POINTS, type NoneOfThese, type RankedCharacter };

export const MODEL_NAME = ONESHOT.name;
export const GENERATION_KIND = 'oneshot';
export const CHECKPOINT_DIR = ONESHOT.checkpoint;
export const DEFAULT_VARIANTS = 9;
export const MAX_SEED = 2 ** 31 - 1;
/**
 * Least pen path, in pixels of the 105×105 frame, that counts as a character: a tenth of the
 * canvas's width. A dot or a tap has none; the shortest strokes of the one-shot runs' characters
 * are about twice this.
 */
export const MIN_INK_PX = 10;
/** Largest PNG accepted, in bytes once decoded from base64. */
export const MAX_PNG_BYTES = 2 * 1024 * 1024;
/** Largest PNG, in pixels (it is shrunk to 105×105 anyway). */
export const MAX_PNG_PIXELS = 4_000_000;

/** A drawing as strokes or as a PNG (exactly one of them). */
const drawingFields = {
  strokes: z.unknown().optional(),
  png: z.string({ error: 'must be a PNG as base64 text or a data: URL' }).max(Math.ceil((MAX_PNG_BYTES * 4) / 3) + 64, `the PNG is larger than ${MAX_PNG_BYTES / (1024 * 1024)} MB`).optional(),
};

export const variantsRequest = z.object({
  ...drawingFields,
  count: wholeNumber(1, MAX_VARIANTS, `a whole number from 1 to ${MAX_VARIANTS}`).default(DEFAULT_VARIANTS),
  seed: wholeNumber(0, MAX_SEED).optional(),
});

export const classifyRequest = z.object({
  ...drawingFields,
  run: wholeNumber(1, RUN_COUNT, `a run number from 1 to ${RUN_COUNT}`),
});

export type VariantsRequest = z.output<typeof variantsRequest>;
export type ClassifyRequest = z.output<typeof classifyRequest>;

export const runNumber = z.coerce.number({ error: `a run is numbered 1 to ${RUN_COUNT}` }).int(`a run is numbered 1 to ${RUN_COUNT}`).min(1, `a run is numbered 1 to ${RUN_COUNT}`).max(RUN_COUNT, `a run is numbered 1 to ${RUN_COUNT}`);

export type DrawingSource = 'strokes' | 'png';

export interface PreparedDrawing {
  /** Thinned as the model works on it (models/oneshot/limits.ts): at most MAX_POINTS points. */
  drawing: Drawing;
  source: DrawingSource;
  /** Length of the pen's path as drawn, pixels of the 105×105 frame. */
  inkLength: number;
}

export interface PreparedVariants extends PreparedDrawing {
  count: number;
  seed: number;
}

/** What a one-shot generation keeps beside its images (image 0 is the drawing, then the variants). */
export interface OneShotParams {
  count: number;
  source: DrawingSource;
}

export interface OneShotOutput {
  /** The drawing, as strokes (rounded to 0.01 px and 1 ms). */
  drawing: Drawing;
  /** Each variant's strokes. */
  variants: Drawing[];
  inkLength: number;
}

export type OneShotGeneration = GenerationView<OneShotParams, OneShotOutput>;

/** A variant as the page receives it over server-sent events. */
export interface VariantEvent {
  index: number;
  count: number;
  size: number;
  /** base64 of the packed bitmap (105×105 bits, 1 = ink, row-major, most significant bit first). */
  bitmap: string;
}

export interface VariantsJobResult {
  generationId: string;
  generation: OneShotGeneration;
}

export interface StartedVariants {
  job: JobView;
  generationId: string;
  count: number;
  seed: number;
  source: DrawingSource;
  /** The drawing the variants are made of (for a PNG: its parse into pen paths). */
  drawing: Drawing;
}

export interface Classification {
  run: number;
  modelVersion: string;
  source: DrawingSource;
  /** All 20 characters, most probable first; `name` reads "run 3, character 15". */
  ranking: (RankedCharacter & { name: string })[];
  /**
   * The character the drawing is: the first of the ranking, or null when it is none of them (no
   * character fits well enough; see `abstention`).
   */
  answer: (RankedCharacter & { name: string }) | null;
  noneOfThese: boolean;
  /** How "none of these" was decided (the model's rule, chosen on background characters); null: the model always answers. */
  abstention: NoneOfThese | null;
  ms: number;
}

export interface RunCharacter {
  index: number;
  /** "run 3, character 15" (the runs name no alphabet). */
  name: string;
  /** The run's own file name for it ("class15"). */
  file: string;
  /** data:image/png;base64,… */
  image: string;
}

export interface OneShotServiceOptions {
  db?: Db;
  models?: ModelClient;
  jobs?: JobRegistry;
  generations?: GenerationService;
  dataDir?: string;
  root?: string;
}

export class OneShotService {
  private readonly db: Db;
  private readonly models: ModelClient;
  private readonly jobs: JobRegistry;
  private readonly generations: GenerationService;
  private readonly versions: ModelVersions;
  private runs: Promise<OneShotRun[]> | undefined;

  constructor(private readonly options: OneShotServiceOptions = {}) {
    this.db = options.db ?? getDb();
    this.models = options.models ?? getModelServer();
    this.jobs = options.jobs ?? getJobs();
    this.generations = options.generations ?? getGenerationService();
    this.versions = new ModelVersions(this.db, options.root ?? process.cwd());
  }

  /** Checks a variants request's drawing without running the model. */
  async prepareVariants(request: VariantsRequest): Promise<PreparedVariants> {
    const drawing = await prepareDrawing(request);
    return { ...drawing, count: request.count, seed: request.seed ?? randomInt(0, MAX_SEED + 1) };
  }

  /** Records the generation and makes the variants as a job; its result is a `VariantsJobResult`. */
  async startVariants(owner: Owner, prepared: PreparedVariants): Promise<StartedVariants> {
    const params: OneShotParams = { count: prepared.count, source: prepared.source };
    // A request the model server would turn away is turned away before anything is recorded.
    await this.admit();
    const generationId = await this.generations.begin({ ownerId: owner.ownerId, kind: GENERATION_KIND, modelName: MODEL_NAME, seed: prepared.seed, params: { ...params } });
    const job = this.jobs.start(GENERATION_KIND, (report, signal) => this.makeVariants(prepared, generationId, { signal, onProgress: report }), { ownerId: owner.ownerId });
    return { job, generationId, count: prepared.count, seed: prepared.seed, source: prepared.source, drawing: roundDrawing(prepared.drawing) };
  }

  /** Makes the variants of a prepared drawing into generation `generationId`, reporting each one. */
  async makeVariants(
    prepared: PreparedVariants,
    generationId: string,
    options: { signal?: AbortSignal; onProgress?: (event: ProgressEvent) => void } = {},
  ): Promise<VariantsJobResult> {
    const { signal, onProgress } = options;
    try {
      const input: OneShotInput = { task: 'variants', drawing: prepared.drawing, count: prepared.count, seed: prepared.seed };
      const run = await this.run<VariantsOutput>(input, { signal, onProgress: onProgress && ((event) => onProgress(variantProgress(event))) });
      const output = run.output;
      if (!output || !Array.isArray(output.bitmaps) || output.bitmaps.length !== prepared.count || !Array.isArray(output.strokes)) {
        throw new AppError('MODEL_FAILED', `The one-shot model answered with ${output?.bitmaps?.length ?? 0} variants where ${prepared.count} were asked for.`);
      }
      await this.versions.record(MODEL_NAME, run.modelVersion, CHECKPOINT_DIR);
      const drawn = packBitmap(renderDrawing(prepared.drawing));
      const generation = await this.generations.complete(generationId, {
        modelVersion: run.modelVersion,
        // Black ink on white paper, as Omniglot's images are.
        canvases: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 1, images: [drawn, ...output.bitmaps].map((bits) => unpackBitmap(bits)) },
        output: { ...storedOutput(prepared, output.strokes) },
      });
      return { generationId, generation: generation as unknown as OneShotGeneration };
    } catch (error) {
      const cancelled = signal?.aborted === true;
      const failure = cancelled ? { code: 'CANCELLED', message: 'Making variants was cancelled.' } : toAppError(error).toJSON();
      await this.generations.end(generationId, cancelled ? 'cancelled' : 'failed', failure).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Which of run `run`'s 20 characters the drawing is: all 20, most probable first, and the answer,
   * or "none of these" when no character fits well enough (the model's rule).
   */
  async classify(request: ClassifyRequest): Promise<Classification> {
    const prepared = await prepareDrawing(request);
    const started = performance.now();
    const run = await this.run<ClassifyOutput>({ task: 'classify', drawing: prepared.drawing, run: request.run });
    const ranking = run.output?.ranking;
    if (!Array.isArray(ranking) || ranking.length !== RUN_CHARACTERS) throw new AppError('MODEL_FAILED', 'The one-shot model did not rank the run’s 20 characters.');
    await this.versions.record(MODEL_NAME, run.modelVersion, CHECKPOINT_DIR);
    const named = ranking.map((r) => ({ index: r.index, name: characterName(request.run, r.index), logScore: round(r.logScore, 4), probability: round(r.probability, 6) }));
    const abstention = run.output.abstention ?? null;
    const noneOfThese = abstention?.noneOfThese === true;
    return {
      run: request.run,
      modelVersion: run.modelVersion,
      source: prepared.source,
      ranking: named,
      answer: noneOfThese ? null : named[0],
      noneOfThese,
      abstention: abstention && { ...abstention, confidence: round(abstention.confidence, 4), threshold: round(abstention.threshold, 4) },
      ms: round(performance.now() - started, 1),
    };
  }

  /** A run's 20 characters (the ones a drawing is classified among), as PNG data URLs. */
  async runCharacters(run: number): Promise<{ run: number; characters: RunCharacter[] }> {
    this.runs ??= loadOneShotRuns(this.options.dataDir).catch((error) => {
      this.runs = undefined;
      throw new AppError('DATASET_MISSING', 'The one-shot runs (omniglot/all_runs.zip) are not installed on this server, so their characters cannot be shown.', { cause: error });
    });
    const found = (await this.runs).find((r) => r.run === run);
    if (!found) throw new AppError('NOT_FOUND', `There is no one-shot run ${run}.`);
    return {
      run,
      characters: found.training.map((image, index) => ({ index, name: characterName(run, index), file: image.name, image: `data:image/png;base64,${Buffer.from(image.png).toString('base64')}` })),
    };
  }

  async generation(viewer: Viewer, id: string): Promise<OneShotGeneration> {
    return this.generations.get<OneShotParams, OneShotOutput>(viewer, id, GENERATION_KIND);
  }

  /** The latest variants `viewer` may see. */
  async recent(viewer: Viewer, limit = 24): Promise<OneShotGeneration[]> {
    return this.generations.list<OneShotParams, OneShotOutput>(viewer, { kind: GENERATION_KIND, limit });
  }

  /** The answer to `input`, as the output of its task (variants or classify; checked by the caller). */
  private run<O extends OneShotAnswer>(input: OneShotInput, options: { signal?: AbortSignal; onProgress?: (event: ProgressEvent) => void } = {}) {
    return (this.models.run(ONESHOT, input, options) as Promise<RunResult<O>>).catch(unavailable);
  }

  /** Whether the model server would take a request now (SERVER_BUSY if not). */
  private admit() {
    return this.models.admit(ONESHOT).catch(unavailable);
  }
}

/** A model the server does not serve is unavailable here, in the words of this page. */
function unavailable(error: unknown): never {
  if (isAppError(error) && error.code === 'MODEL_NOT_FOUND') {
    throw new AppError('MODEL_UNAVAILABLE', 'The one-shot model is not served here, so it cannot make variants or classify drawings.', { cause: error });
  }
  throw error;
}

/** "run 3, character 15": a run's characters by their place in it (the runs' files say "class15" and name no alphabet). */
export const characterName = (run: number, index: number) => `run ${run}, character ${index + 1}`;

/** A request's strokes or PNG → a drawing with enough ink to be a character. */
export async function prepareDrawing(request: { strokes?: unknown; png?: string }): Promise<PreparedDrawing> {
  const hasStrokes = request.strokes !== undefined && request.strokes !== null;
  const hasPng = request.png !== undefined;
  if (hasStrokes && hasPng) throw new AppError('BAD_REQUEST', 'Send the drawing once: either "strokes" or "png", not both.');
  if (!hasStrokes && !hasPng) throw new AppError('EMPTY_DRAWING', 'There is no drawing: draw a character first (or send "strokes" or a "png").');
  let drawing: Drawing;
  let source: DrawingSource;
  if (hasStrokes) {
    if (Array.isArray(request.strokes) && request.strokes.length === 0) throw new AppError('EMPTY_DRAWING', 'The canvas is empty: draw a character first.');
    drawing = parse(z.object({ strokes: drawingSchema }), { strokes: request.strokes }).strokes.map((stroke) => stroke.map((p) => ({ ...p })));
    source = 'strokes';
  } else {
    drawing = parseImage(await decodeCharacterPng(request.png!), IMAGE_SIZE);
    source = 'png';
    if (drawing.length === 0) throw new AppError('EMPTY_DRAWING', 'The image has no ink: a character is dark ink on light paper.');
  }
  const length = inkLength(drawing);
  if (length < MIN_INK_PX) {
    throw new AppError(
      'TOO_LITTLE_INK',
      `There is too little ink to be a character: the strokes are ${round(length, 1)} px long in all, and a character needs at least ${MIN_INK_PX} px ` +
        `of pen path on the ${CANVAS_SIZE}×${CANVAS_SIZE} canvas (a dot or a tap is not enough). Draw the whole character.`,
      { details: { inkLength: round(length, 1), minimum: MIN_INK_PX } },
    );
  }
  if (overLimits(drawing, length)) {
    const what = source === 'png' ? 'The image parses into' : 'The drawing has';
    throw new AppError(
      'TOO_MUCH_INK',
      `There is too much ink to be one character: ${what} ${round(length, 0).toLocaleString('en-US')} px of pen path in ${drawing.length} strokes, ` +
        `and a character has at most ${MAX_INK_PX.toLocaleString('en-US')} px in ${MAX_STROKES} strokes on the ${CANVAS_SIZE}×${CANVAS_SIZE} canvas. Draw one character.`,
      { details: { inkLength: round(length, 1), strokes: drawing.length, maximum: { inkLength: MAX_INK_PX, strokes: MAX_STROKES } } },
    );
  }
  return { drawing: modelDrawing(drawing), source, inkLength: length };
}

/**
 * A PNG (base64, or a data: URL) → 105×105 ink in [0, 1], row-major. Dark ink on light paper, as
 * Omniglot's; transparent pixels count as paper; any size is fitted into the square, keeping its shape.
 */
export async function decodeCharacterPng(text: string): Promise<Float32Array> {
  const base64 = text.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (base64 === '') throw new AppError('EMPTY_FILE', 'The PNG is empty.');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(base64)) throw new AppError('BAD_REQUEST', 'png: must be a PNG as base64 text or a data: URL.');
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  if (bytes.byteLength > MAX_PNG_BYTES) throw new AppError('FILE_TOO_LARGE', `The PNG is larger than ${MAX_PNG_BYTES / (1024 * 1024)} MB.`);
  const found = sniff(bytes);
  if (found.kind !== 'image' || found.format !== 'png') throw unsupportedFormat(found, ['png']);
  const header = await readHeader(bytes, 'png');
  if (header.pixels > MAX_PNG_PIXELS) throw imageTooLarge(header.width, header.height, MAX_PNG_PIXELS);
  let data: Buffer;
  try {
    data = await sharp(bytes, { limitInputPixels: MAX_PNG_PIXELS, failOn: 'truncated' })
      .flatten({ background: '#ffffff' })
      .greyscale()
      .resize(IMAGE_SIZE, IMAGE_SIZE, { fit: 'contain', background: '#ffffff' })
      .raw()
      .toBuffer();
  } catch (error) {
    throw corruptImage('png', error);
  }
  const ink = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
  for (let i = 0; i < ink.length; i++) ink[i] = 1 - data[i] / 255;
  return ink;
}

/** A model progress event as the page receives it: "variant k of n" and the variant as base64. */
export function variantProgress(event: ProgressEvent): ProgressEvent {
  const preview = event.preview as Partial<VariantPreview> | undefined;
  const base = { step: event.step, total: event.total, message: `Variant ${event.step} of ${event.total}` };
  if (!preview || !(preview.bitmap instanceof Uint8Array) || typeof preview.index !== 'number') return base;
  const variant: VariantEvent = {
    index: preview.index,
    count: preview.count ?? event.total,
    size: IMAGE_SIZE,
    bitmap: Buffer.from(preview.bitmap.buffer, preview.bitmap.byteOffset, preview.bitmap.byteLength).toString('base64'),
  };
  return { ...base, preview: variant };
}

/**
 * What a variants generation keeps beside its images: the drawing and its variants as strokes,
 * rounded. A prepared drawing has at most MAX_POINTS points and each variant as many, so this is
 * at most 17 × 1,000 points of about 38 characters: under 0.7 MB.
 */
export function storedOutput(prepared: PreparedDrawing, variants: Drawing[]): OneShotOutput {
  return { drawing: roundDrawing(prepared.drawing), variants: variants.map(roundDrawing), inkLength: round(prepared.inkLength, 1) };
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const roundDrawing = (drawing: Drawing): Drawing => drawing.map((stroke) => stroke.map((p) => ({ x: round(p.x, 2), y: round(p.y, 2), t: Math.round(p.t) })));

const holder = globalThis as typeof globalThis & { __latentStudioOneShot?: OneShotService };

export function getOneShotService(): OneShotService {
  holder.__latentStudioOneShot ??= new OneShotService();
  return holder.__latentStudioOneShot;
}

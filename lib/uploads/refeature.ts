/**
 * Re-featuring: stored photos that lack a row for the version of an upload feature model the
 * model server serves now — photos stored before `learned-features` existed, before a new
 * checkpoint, or whose learned-features request failed at upload — are described again in the
 * background, so they stay in "similar photos" and the taggers can read them.
 *
 * - Started with recovery (at start-up, then every RECOVERY_INTERVAL_MS); a pass already running
 *   is not started twice. Nothing touches the model server while no photo is stored.
 * - The version served now is asked of the model server by describing a plain grey photo (its
 *   answer carries the version); then the photos without a row of that version are read from the
 *   blob store and sent through the model server one at a time (`batch`).
 * - Low priority: before each request the pass asks for admission (`admit`) as if it had to be
 *   answered within `politeMs`, so it only queues when the model has next to nothing ahead (an
 *   upload's own request waits behind one photo at most), and after each answer it rests as long
 *   as the request took, leaving the model at least half the time for people.
 * - Idempotent and safe to overlap (two instances, a restart): state is the database's own —
 *   ImageFeature is unique per (upload, model, version), a row another instance wrote first is
 *   taken as done — so a pass cut short resumes where the rows end.
 * - A photo whose file is missing or cannot be decoded is skipped with one log line and not tried
 *   again by this process. A request that fails (busy past a few tries, timed out, worker crashed)
 *   is left for the next pass.
 * - Progress (`status()`): per model, the version, how many stored photos have its row, of how
 *   many; `/api/health` reports it and the gallery shows a line while a pass runs.
 */
import { getDb, type Db } from '@/lib/db';
import { toAppError, type AppError } from '@/lib/errors';
import { getModelServer, type ModelClient } from '@/lib/model-server';
import { vectorToBytes } from '@/lib/similarity';
import { getBlobStore, type BlobStore } from '@/lib/storage';
import { describePhoto, FEATURE_SERVABLES, featureInput, UPLOAD_FEATURE_MODELS, type UploadFeatureModel } from './index';

export interface RefeatureProgress {
  model: string;
  /** The version the model server serves now; null until it has said. */
  version: string | null;
  /** Stored photos with a row of this version. */
  done: number;
  /** Stored photos. */
  total: number;
  /** Photos left out because their file is missing or unreadable (not tried again by this process). */
  skipped: number;
  /** Photos whose request failed in this pass; the next pass tries them again. */
  failed: number;
  running: boolean;
}

export interface RefeatureOptions {
  /** The feature models every photo should have a row of. */
  models: readonly UploadFeatureModel[];
  /** Photos sent to the model server at once (the next go after they are answered and a rest). */
  batch: number;
  /** A batch is sent only when the work ahead of it would be done within this long. */
  politeMs: number;
  /** Rest after each batch, as a multiple of how long the batch took. */
  restRatio: number;
  /** Tries of a photo turned away as busy before it is left for the next pass. */
  busyTries: number;
}

// One photo at a time: an upload's own learned-features request then waits behind one photo at
// most (measured: batches of 4 doubled an upload's p50 while a pass ran, batches of 1 added 18%).
const DEFAULTS: RefeatureOptions = { models: UPLOAD_FEATURE_MODELS, batch: 1, politeMs: 1000, restRatio: 1, busyTries: 10 };
/** Photos read from the database at once (progress is recounted in the database after each page). */
const PAGE = 32;
/** The input `toModelInput` makes: 128×128 RGB in [0, 1]. */
const PROBE_PIXELS = 128 * 128 * 3;

type Outcome = 'done' | 'skipped' | 'failed';

export class Refeaturing {
  private readonly options: RefeatureOptions;
  private readonly progress = new Map<string, RefeatureProgress>();
  /** Per model, the photos this process will not try again (file missing or unreadable). */
  private readonly unreadable = new Map<string, Set<string>>();
  private pass?: Promise<void>;

  constructor(
    private readonly db: Db = getDb(),
    private readonly blobs: BlobStore = getBlobStore(),
    private readonly models: () => ModelClient = getModelServer,
    options: Partial<RefeatureOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Progress of each model this process has re-featured (or checked), in model order. */
  status(): RefeatureProgress[] {
    return this.options.models.flatMap((model) => {
      const progress = this.progress.get(model);
      return progress ? [{ ...progress }] : [];
    });
  }

  /** Starts a pass over every model unless one is running; resolves when that pass ends. */
  start(signal?: AbortSignal): Promise<void> {
    this.pass ??= this.runPass(signal).finally(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  private async runPass(signal?: AbortSignal): Promise<void> {
    for (const model of this.options.models) {
      if (signal?.aborted) return;
      try {
        await this.refeature(model, signal);
      } catch (error) {
        const progress = this.progress.get(model);
        if (progress) progress.running = false;
        if (!signal?.aborted) console.error(`[refeature] ${model}: the pass stopped (${toAppError(error).message}); the next one resumes it`);
      }
    }
  }

  /** Gives every stored photo a row of `model`'s current version. */
  private async refeature(model: UploadFeatureModel, signal?: AbortSignal): Promise<void> {
    if ((await this.db.upload.count()) === 0) return;
    const unreadable = this.unreadable.get(model) ?? new Set<string>();
    this.unreadable.set(model, unreadable);
    const version = await this.currentVersion(model, signal);
    const progress: RefeatureProgress = { model, version, done: 0, total: 0, skipped: 0, failed: 0, running: true };
    // Counted in the database, so rows that uploads or other instances wrote meanwhile count too.
    const recount = async () => Object.assign(progress, await this.counts(model, version), { skipped: unreadable.size });
    await recount();
    this.progress.set(model, progress);
    let cursor: string | undefined;
    while (!signal?.aborted) {
      const page = await this.db.upload.findMany({
        where: { features: { none: { modelName: model, modelVersion: version } }, ...(cursor ? { id: { gt: cursor } } : {}) },
        orderBy: { id: 'asc' },
        take: PAGE,
        select: { id: true, sha256: true },
      });
      if (page.length === 0) break;
      cursor = page[page.length - 1].id;
      const todo = page.filter((upload) => !unreadable.has(upload.id));
      for (let start = 0; start < todo.length && !signal?.aborted; start += this.options.batch) {
        const batch = todo.slice(start, start + this.options.batch);
        await this.waitForRoom(model, signal);
        const started = performance.now();
        const outcomes = await Promise.all(batch.map((upload) => this.refeatureOne(model, upload, signal)));
        batch.forEach((upload, i) => {
          if (outcomes[i] === 'done') progress.done++;
          if (outcomes[i] === 'skipped') unreadable.add(upload.id);
          if (outcomes[i] === 'failed') progress.failed++;
        });
        progress.skipped = unreadable.size;
        await sleep((performance.now() - started) * this.options.restRatio, signal);
      }
      await recount();
    }
    await recount();
    progress.running = false;
  }

  private async refeatureOne(model: UploadFeatureModel, upload: { id: string; sha256: string }, signal?: AbortSignal): Promise<Outcome> {
    const skip = (why: string): Outcome => {
      console.warn(`[refeature] ${model}: upload ${upload.id} skipped, ${why}; this process will not try it again`);
      return 'skipped';
    };
    const bytes = await this.blobs.get(upload.sha256);
    if (!bytes) return skip(`its photo ${upload.sha256} is not in the blob store`);
    let pixels: Float32Array;
    try {
      pixels = await featureInput(bytes, model);
    } catch (error) {
      return skip(`its photo ${upload.sha256} cannot be decoded (${toAppError(error).message})`);
    }
    for (let tries = 1; ; tries++) {
      try {
        const features = await describePhoto(this.models(), model, pixels, signal);
        await this.db.imageFeature.create({
          data: { uploadId: upload.id, modelName: model, modelVersion: features.modelVersion, dims: features.vector.length, vector: vectorToBytes(features.vector) },
        });
        return 'done';
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'P2002') return 'done'; // another instance wrote it first
        if (code === 'P2003' || code === 'P2025') return 'done'; // the upload was deleted meanwhile: nothing is left to do
        const appError = toAppError(error);
        if (appError.code === 'SERVER_BUSY' && tries < this.options.busyTries && !signal?.aborted) {
          await sleep(retryAfterMs(appError), signal);
          continue;
        }
        if (!signal?.aborted) console.warn(`[refeature] ${model}: upload ${upload.id} left for the next pass (${appError.code})`);
        return 'failed';
      }
    }
  }

  /** The version the model server serves now: a plain grey photo's answer carries it. */
  private async currentVersion(model: UploadFeatureModel, signal?: AbortSignal): Promise<string> {
    await this.waitForRoom(model, signal);
    return (await describePhoto(this.models(), model, new Float32Array(PROBE_PIXELS).fill(0.5), signal)).modelVersion;
  }

  /** Waits until the model has next to nothing ahead (see the header). */
  private async waitForRoom(model: UploadFeatureModel, signal?: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await this.models().admit(FEATURE_SERVABLES[model], { timeoutMs: this.options.politeMs });
        return;
      } catch (error) {
        const appError = toAppError(error);
        if (appError.code !== 'SERVER_BUSY' || signal?.aborted) throw error;
        await sleep(retryAfterMs(appError), signal);
      }
    }
  }

  private async counts(model: string, modelVersion: string): Promise<{ done: number; total: number }> {
    const [done, total] = await Promise.all([
      this.db.upload.count({ where: { features: { some: { modelName: model, modelVersion } } } }),
      this.db.upload.count(),
    ]);
    return { done, total };
  }
}

function retryAfterMs(error: AppError): number {
  return Math.max(250, (error.retryAfter ?? 1) * 1000);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

const holder = globalThis as typeof globalThis & { __latentStudioRefeaturing?: Refeaturing };

export function getRefeaturing(): Refeaturing {
  holder.__latentStudioRefeaturing ??= new Refeaturing();
  return holder.__latentStudioRefeaturing;
}

/** Progress of this process's re-featuring, without starting anything. */
export function refeaturingStatus(): RefeatureProgress[] {
  return holder.__latentStudioRefeaturing?.status() ?? [];
}

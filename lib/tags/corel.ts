/**
 * Corel-5k's 4,500 training photos as search candidates for tags → photos.
 *
 * Each photo needs its joint code from the multimodal DBM, which the model server infers from the
 * photo's image features. The features of every Corel photo are cached by the model's own code in
 * `CACHE_DIR/corel5k-features-<feature version>.f32` (models/multimodal-dbm/data.ts: row i is
 * `dataset.items[i]`, float32, one feature vector a row). When that file is missing it is built
 * here, through the model server's image-features model, in the same format and atomically; the
 * codes are then cached beside it, keyed by the DBM's version. Building runs as a job the page can
 * follow; until it ends, search answers from the person's uploads alone. The committed checkpoint
 * ships its codes (shipped-index.ts), so a fresh install answers at once with nothing to build.
 */
import { ANONYMOUS } from '@/lib/owners';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { loadCorel5k, type Corel5k, type CorelItem } from '@/lib/datasets';
import { AppError, isAppError, toAppError } from '@/lib/errors';
import { toModelInput } from '@/lib/images';
import type { JobRegistry } from '@/lib/jobs';
import type { ModelClient, ProgressEvent } from '@/lib/model-server';
import { IMAGE_FEATURES } from '@/models/image-features';
import { mapLimit, type MultimodalDbm } from './dbm';
import { readShippedIndex } from './shipped-index';

export const FEATURE_MODEL = IMAGE_FEATURES.name;
/** Requests in flight at once while indexing: enough to fill batches, well under the queue limit. */
const IN_FLIGHT = 48;

export interface CorelCodes {
  modelVersion: string;
  /** The training photos, in dataset order; row r of `codes` is `items[r]`. */
  items: CorelItem[];
  dims: number;
  codes: Float32Array;
}

export type CorelIndexStatus =
  | { status: 'ready'; photos: number }
  | { status: 'indexing'; jobId: string; progress: ProgressEvent | null }
  | { status: 'unavailable'; message: string }
  | { status: 'failed'; code: string; message: string };

export const corelPhotoUrl = (id: string) => `/api/corel/${id}`;

/** Same name as `cacheFile` in models/multimodal-dbm/data.ts, which this process must not import (it loads TensorFlow.js). */
export const featuresFile = (cacheDir: string, featureVersion: string) => path.join(cacheDir, `corel5k-features-${featureVersion}.f32`);

const codesFile = (cacheDir: string, modelVersion: string, featureVersion: string) =>
  path.join(cacheDir, `corel5k-dbm-codes-${modelVersion.replace(/[^A-Za-z0-9._-]/g, '_')}-${featureVersion}.f32`);

async function writeAtomically(file: string, data: Float32Array): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fsp.writeFile(tmp, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    await fsp.rename(tmp, file);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/** The file's floats when it holds exactly `rows` rows (of `dims` floats, if given); else null. */
async function readRows(file: string, rows: number, dims?: number): Promise<{ data: Float32Array; dims: number } | null> {
  if (!fs.existsSync(file)) return null;
  const bytes = await fsp.readFile(file);
  const floats = bytes.byteLength / 4;
  if (!Number.isInteger(floats) || floats % rows !== 0 || (dims !== undefined && floats !== rows * dims) || floats === 0) return null;
  return { data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), dims: floats / rows };
}

export class CorelIndex {
  private datasetPromise?: Promise<Corel5k | null>;
  private featureProbe?: Promise<{ version: string; dims: number }>;
  private ready?: CorelCodes;
  private building?: { modelVersion: string; jobId: string; promise: Promise<CorelCodes> };
  private lastFailure?: { modelVersion: string; code: string; message: string };

  constructor(
    private readonly models: ModelClient,
    private readonly dbm: MultimodalDbm,
    private readonly jobs: JobRegistry,
    private readonly options: { dataDir: string; cacheDir: string; /** The tagger's checkpoint folder, where its shipped index is. */ checkpointDir?: string },
  ) {}

  /** Corel-5k from DATA_DIR, or null when it is not there (search then uses uploads alone). */
  dataset(): Promise<Corel5k | null> {
    this.datasetPromise ??= loadCorel5k(this.options.dataDir).catch((error) => {
      this.datasetPromise = undefined;
      if (isAppError(error) && error.code === 'DATASET_MISSING') return null;
      throw error;
    });
    return this.datasetPromise;
  }

  /** One photo of the dataset by id; NOT_FOUND when there is none. */
  async photo(id: string): Promise<CorelItem> {
    const dataset = await this.dataset();
    const item = dataset?.items.find((i) => i.id === id);
    if (!item) throw new AppError('NOT_FOUND', `There is no Corel-5k photo with the id "${id}" here.`);
    return item;
  }

  /**
   * The codes of the training photos for DBM version `modelVersion` when ready; otherwise starts
   * (or joins) indexing and waits for it up to `waitMs`, then reports its progress instead.
   */
  async codes(modelVersion: string, waitMs: number): Promise<{ codes: CorelCodes | null; status: CorelIndexStatus }> {
    if (this.ready?.modelVersion === modelVersion) return { codes: this.ready, status: { status: 'ready', photos: this.ready.items.length } };
    const dataset = await this.dataset();
    if (!dataset) {
      return { codes: null, status: { status: 'unavailable', message: 'Corel-5k is not in DATA_DIR on this server, so only your uploads are searched.' } };
    }
    const shipped = await this.shipped(dataset, modelVersion);
    if (shipped) {
      this.ready = shipped;
      return { codes: shipped, status: { status: 'ready', photos: shipped.items.length } };
    }
    if (this.lastFailure?.modelVersion === modelVersion && !this.building) {
      const { code, message } = this.lastFailure;
      this.lastFailure = undefined; // the next search tries again
      return { codes: null, status: { status: 'failed', code, message } };
    }
    const building = this.start(modelVersion);
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      building.promise.then(
        (codes) => codes,
        () => null,
      ),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs))),
    ]);
    clearTimeout(timer);
    if (waited && waited.modelVersion === modelVersion) return { codes: waited, status: { status: 'ready', photos: waited.items.length } };
    return { codes: null, status: this.status(modelVersion) };
  }

  /** Where indexing for `modelVersion` stands, without starting it. */
  status(modelVersion: string): CorelIndexStatus {
    if (this.ready?.modelVersion === modelVersion) return { status: 'ready', photos: this.ready.items.length };
    if (this.building?.modelVersion === modelVersion) {
      return { status: 'indexing', jobId: this.building.jobId, progress: this.jobs.get(ANONYMOUS, this.building.jobId).progress };
    }
    if (this.lastFailure?.modelVersion === modelVersion) return { status: 'failed', code: this.lastFailure.code, message: this.lastFailure.message };
    return { status: 'unavailable', message: 'Corel-5k photos are not indexed yet; search again to start.' };
  }

  /** The codes shipped with the checkpoint, when they are this DBM's and these photos'. */
  private async shipped(dataset: Corel5k, modelVersion: string): Promise<CorelCodes | null> {
    if (!this.options.checkpointDir) return null;
    const items = dataset.items.filter((item) => item.split === 'train');
    const index = await readShippedIndex(this.options.checkpointDir, modelVersion, items.map((item) => item.id));
    return index ? { modelVersion, items, dims: index.dims, codes: index.codes } : null;
  }

  private start(modelVersion: string) {
    if (this.building?.modelVersion === modelVersion) return this.building;
    let promise!: Promise<CorelCodes>;
    const job = this.jobs.start('corel-index', (report, signal) => (promise = this.build(modelVersion, report, signal)));
    const building = { modelVersion, jobId: job.id, promise };
    this.building = building;
    promise.then(
      (codes) => {
        this.ready = codes;
      },
      (error) => {
        const appError = toAppError(error);
        if (appError.code === 'INTERNAL') console.error('[tags] indexing Corel-5k failed:', error);
        this.lastFailure = { modelVersion, code: appError.code, message: `Corel-5k photos could not be indexed: ${appError.message}` };
      },
    ).finally(() => {
      if (this.building === building) this.building = undefined;
    });
    return building;
  }

  private async build(modelVersion: string, report: (event: ProgressEvent) => void, signal: AbortSignal): Promise<CorelCodes> {
    const dataset = (await this.dataset())!;
    const features = await this.features(dataset, report, signal);
    const items = dataset.items.filter((item) => item.split === 'train');
    const rows = dataset.items.flatMap((item, i) => (item.split === 'train' ? [i] : []));
    const file = codesFile(this.options.cacheDir, modelVersion, features.version);
    const cached = await readRows(file, items.length);
    if (cached) return { modelVersion, items, dims: cached.dims, codes: cached.data };

    const total = items.length;
    report({ step: 0, total, message: `Encoding ${total} Corel-5k photos with the multimodal DBM` });
    let dims = 0;
    let codes = new Float32Array(0);
    await mapLimit(
      rows,
      IN_FLIGHT,
      async (row, r) => {
        if (signal.aborted) throw new AppError('CANCELLED', 'Indexing Corel-5k was cancelled.');
        const vector = features.data.subarray(row * features.dims, (row + 1) * features.dims);
        // No signal per request: thousands of them would each hold a listener on the job's signal;
        // the check above stops the job between requests instead.
        const { code, modelVersion: version } = await this.dbm.imageCode(vector.slice());
        if (version !== modelVersion) throw new AppError('MODEL_FAILED', 'The tagging model changed while Corel-5k was being indexed. Please search again.');
        if (dims === 0) {
          dims = code.length;
          codes = new Float32Array(total * dims);
        }
        codes.set(code, r * dims);
      },
      (done) => {
        if (done % 100 === 0 || done === total) report({ step: done, total, message: `Encoding Corel-5k photos with the multimodal DBM: ${done} of ${total}` });
      },
    );
    await writeAtomically(file, codes);
    return { modelVersion, items, dims, codes };
  }

  /** The feature file of the current image-features version, built through the model server when missing. */
  private async features(dataset: Corel5k, report: (event: ProgressEvent) => void, signal: AbortSignal) {
    const { version, dims } = await this.probeFeatures(dataset.items[0]);
    const file = featuresFile(this.options.cacheDir, version);
    const cached = await readRows(file, dataset.items.length, dims);
    if (cached) return { version, dims, data: cached.data };

    const total = dataset.items.length;
    const data = new Float32Array(total * dims);
    report({ step: 0, total, message: `Computing image features of ${total} Corel-5k photos` });
    await mapLimit(
      dataset.items,
      IN_FLIGHT,
      async (item, i) => {
        if (signal.aborted) throw new AppError('CANCELLED', 'Indexing Corel-5k was cancelled.');
        const { pixels } = await toModelInput(await fsp.readFile(item.file));
        const result = await this.models.run(IMAGE_FEATURES, { pixels });
        if (result.modelVersion !== version) throw new AppError('MODEL_FAILED', 'The image-features model changed while Corel-5k was being indexed. Please search again.');
        data.set(result.output.vector, i * dims);
      },
      (done) => {
        if (done % 100 === 0 || done === total) report({ step: done, total, message: `Computing image features of Corel-5k photos: ${done} of ${total}` });
      },
    );
    await writeAtomically(file, data);
    return { version, dims, data };
  }

  /** The image-features version (and vector length) the model server computes now, from one photo. */
  private probeFeatures(item: CorelItem): Promise<{ version: string; dims: number }> {
    this.featureProbe ??= fsp
      .readFile(item.file)
      .then((bytes) => toModelInput(bytes))
      .then(({ pixels }) => this.models.run(IMAGE_FEATURES, { pixels }))
      .then((result) => ({ version: result.modelVersion, dims: result.output.vector.length }))
      .catch((error) => {
        this.featureProbe = undefined;
        throw error;
      });
    return this.featureProbe;
  }
}

/**
 * Benchmark: latency of the upload pipeline, one photo at a time, over distinct real photos
 * (Corel5k): UploadService.create = prepareUpload (sniff, header, strict decode, re-encode, hash)
 * → blob store put (temp file, fsync, rename) → toModelInput → image features in the model server
 * (WASM, 1 worker, the registry's batching settings) → DB row + nearest neighbours.
 *
 * The blob store and the model client are wrapped to time their calls inside the pipeline;
 * prepareUpload and toModelInput are then timed again on their own over the same photos, so the
 * table shows where the time goes. Everything lives in a temporary directory (SQLite database
 * migrated with prisma migrate deploy, blob store), removed at the end.
 *
 *   npx tsx test/bench/uploads.ts [--json] [--photos 200] [--warmup 5] [--backend wasm|cpu]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { env } from '@/lib/env';
import { prepareUpload, toModelInput } from '@/lib/images';
import { MODELS } from '@/lib/model-server/registry';
import { ModelServer } from '@/lib/model-server/server';
import type { ServableRef } from '@/lib/model-server/servable';
import type { ModelClient, Named, RunOptions, RunResult } from '@/lib/model-server/types';
import type { Owner } from '@/lib/owners';
import { BlobStore, type PutResult } from '@/lib/storage';
import { UploadService } from '@/lib/uploads';
import { argValue, intArg, machine, mean, noiseWarning, note, percentile, report, round, table, watchCpu } from './common';

/** The one person uploading (not the administrator: their similar photos are looked up among those they may see, as anyone's are). */
const UPLOADER: Owner = { ownerId: 'bench00000000000000000000000001', admin: false, via: 'token' };

const PHOTOS = intArg('photos', 200);
const WARMUP = intArg('warmup', 5);
/** tfjs backend of the model server's worker (default wasm). */
const BACKEND = (argValue('backend') ?? 'wasm') as 'wasm' | 'cpu';
const IMAGES_DIR = path.resolve('../shared/data/corel5k/images');

class TimedBlobStore extends BlobStore {
  readonly putMs: number[] = [];
  override async put(data: Uint8Array, ext: string): Promise<PutResult> {
    const t0 = performance.now();
    try {
      return await super.put(data, ext);
    } finally {
      this.putMs.push(performance.now() - t0);
    }
  }
}

class TimedModelClient implements ModelClient {
  readonly runMs: number[] = [];
  readonly forwardMs: number[] = [];
  readonly queueMs: number[] = [];
  backend = 'unknown';
  constructor(private readonly inner: ModelClient) {}
  admit(servable: Named, options?: Pick<RunOptions, 'timeoutMs'>): Promise<void> {
    return this.inner.admit(servable, options);
  }
  async run<I, O>(servable: ServableRef<I, O>, input: I, options?: RunOptions): Promise<RunResult<O>> {
    const t0 = performance.now();
    const result = await this.inner.run(servable, input, options);
    this.runMs.push(performance.now() - t0);
    this.forwardMs.push(result.runMs);
    this.queueMs.push(result.queueMs);
    this.backend = result.backend;
    return result;
  }
  health() {
    return this.inner.health();
  }
  close() {
    return this.inner.close();
  }
  reset() {
    this.runMs.length = this.forwardMs.length = this.queueMs.length = 0;
  }
}

interface Stage {
  stage: string;
  how: string;
  n: number;
  p50: number;
  p99: number;
  mean: number;
  /** Share of the mean end-to-end upload. */
  share: number;
}

async function main(): Promise<void> {
  const names = (await fs.readdir(IMAGES_DIR)).filter((n) => /\.jpe?g$/i.test(n)).sort();
  if (names.length < PHOTOS + WARMUP) throw new Error(`need ${PHOTOS + WARMUP} photos in ${IMAGES_DIR}, found ${names.length}`);
  // Spread the picks over the whole collection; warm-up photos are distinct from the timed ones.
  const step = Math.floor(names.length / (PHOTOS + WARMUP));
  const picked = Array.from({ length: PHOTOS + WARMUP }, (_, i) => names[i * step]);
  const files = await Promise.all(picked.map(async (name) => ({ name, bytes: new Uint8Array(await fs.readFile(path.join(IMAGES_DIR, name))) })));
  const warmup = files.slice(0, WARMUP);
  const photos = files.slice(WARMUP);
  const meanBytes = mean(photos.map((p) => p.bytes.byteLength));

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'latent-bench-uploads-'));
  const dbUrl = `file:${path.join(tmp, 'bench.db')}`;
  let server: ModelServer | undefined;
  let db: ReturnType<typeof createDb> | undefined;
  try {
    note(`uploads: migrating ${dbUrl} …`);
    migrateDatabase(dbUrl);
    db = createDb(dbUrl);
    const blobs = new TimedBlobStore(path.join(tmp, 'blobs'));
    server = new ModelServer({
      models: MODELS,
      workers: 1,
      backend: BACKEND,
      defaults: { maxBatch: env.MODEL_MAX_BATCH, maxWaitMs: env.MODEL_MAX_WAIT_MS, queueLimit: env.MODEL_QUEUE_LIMIT, timeoutMs: env.MODEL_TIMEOUT_MS },
      root: process.cwd(),
    });
    await server.ready(120_000);
    const spec = { ...{ maxBatch: env.MODEL_MAX_BATCH, maxWaitMs: env.MODEL_MAX_WAIT_MS }, ...MODELS.find((m) => m.name === 'image-features') };
    const models = new TimedModelClient(server);
    const uploads = new UploadService(db, blobs, models);

    note(`uploads: ${WARMUP} warm-up uploads, then ${PHOTOS} timed, one at a time …`);
    for (const { name, bytes } of warmup) await uploads.create(UPLOADER, bytes, name);
    blobs.putMs.length = 0;
    models.reset();

    const stopWatch = watchCpu();
    const totalMs: number[] = [];
    let created = 0;
    for (const { name, bytes } of photos) {
      const t0 = performance.now();
      const result = await uploads.create(UPLOADER, bytes, name);
      totalMs.push(performance.now() - t0);
      if (result.created) created++;
    }
    const cpu = stopWatch();
    const rows = await db.upload.count();

    note('uploads: prepareUpload and toModelInput alone …');
    const prepareMs: number[] = [];
    const toInputMs: number[] = [];
    for (const { bytes } of photos) {
      let t0 = performance.now();
      const prepared = await prepareUpload(bytes);
      prepareMs.push(performance.now() - t0);
      t0 = performance.now();
      await toModelInput(prepared.data);
      toInputMs.push(performance.now() - t0);
    }

    // Per photo: what is left of the upload once the four timed stages are taken out.
    const remainderMs = totalMs.map((t, i) => t - prepareMs[i] - blobs.putMs[i] - toInputMs[i] - models.runMs[i]);
    const totalMean = mean(totalMs);
    const stage = (name: string, how: string, samples: number[]): Stage => ({
      stage: name,
      how,
      n: samples.length,
      p50: round(percentile(samples, 50)),
      p99: round(percentile(samples, 99)),
      mean: round(mean(samples)),
      share: round((100 * mean(samples)) / totalMean, 1),
    });
    const stages: Stage[] = [
      stage('upload total', 'UploadService.create', totalMs),
      stage('  prepareUpload', 'alone, same photos', prepareMs),
      stage('  blob store put', 'in pipeline', blobs.putMs),
      stage('  toModelInput', 'alone, same photos', toInputMs),
      stage('  model server run', 'in pipeline, caller side', models.runMs),
      stage('    queue wait', 'in pipeline (RunResult.queueMs)', models.queueMs),
      stage('    forward pass', 'in pipeline (RunResult.runMs)', models.forwardMs),
      stage('  DB row + neighbours', '≈ total − the four above', remainderMs),
    ];

    const text = [
      `${PHOTOS} distinct Corel5k photos (mean ${Math.round(meanBytes / 1024)} KB JPEG), uploaded one at a time after ${WARMUP} warm-up; ` +
        `model server: ${models.backend}, 1 worker, maxBatch ${spec.maxBatch}, maxWaitMs ${spec.maxWaitMs}; SQLite in a temp dir`,
      table([['stage', 'measured', 'n', 'p50 ms', 'p99 ms', 'mean ms', '% of mean total'], ...stages.map((s) => [s.stage, s.how, s.n, s.p50, s.p99, s.mean, s.share])]),
      `uploads/s (sequential): ${round(1000 / totalMean, 1)}    created ${created} of ${PHOTOS} (rows in DB incl. warm-up: ${rows})` +
        (cpu ? `    cores busy: this process ${cpu.ownCores}, others ${cpu.otherCores}` : ''),
      ...noiseWarning('uploads', cpu),
    ].join('\n');

    report('uploads', text, {
      benchmark: 'uploads',
      machine: machine(),
      photos: PHOTOS,
      warmup: WARMUP,
      meanPhotoBytes: Math.round(meanBytes),
      modelServer: { backend: models.backend, workers: 1, maxBatch: spec.maxBatch, maxWaitMs: spec.maxWaitMs },
      created,
      cpu,
      uploadsPerSecond: round(1000 / totalMean, 2),
      stages: stages.map((s) => ({ ...s, stage: s.stage.trim() })),
    });
  } finally {
    await server?.close();
    await db?.$disconnect();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

await main();

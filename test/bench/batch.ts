/**
 * Benchmark: batch tagging (POST /api/tags/batch's work, `tagBatch`): N Corel-5k photos stored and
 * tagged by the default (Flickr8k) tagger as one person's, a few at once, through the embedded
 * model server on WASM with its usual settings (every core's worker) and a fresh SQLite database.
 * Reports photos per second and the time per photo, and checks they were all tagged.
 *
 *   npx tsx test/bench/batch.ts [--json] [--photos 500] [--workers 2]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { env } from '@/lib/env';
import { GenerationService } from '@/lib/generations';
import { JobRegistry } from '@/lib/jobs';
import { MODELS } from '@/lib/model-server/registry';
import { ModelServer } from '@/lib/model-server/server';
import type { Owner } from '@/lib/owners';
import { BlobStore } from '@/lib/storage';
import { TagService } from '@/lib/tags';
import { tagBatch } from '@/lib/tags/batch';
import { UploadService } from '@/lib/uploads';
import { intArg, machine, note, report, round, table, watchCpu } from './common';

const PHOTOS = intArg('photos', 500);
const WORKERS = intArg('workers', env.MODEL_WORKERS);
const IMAGES_DIR = path.resolve('../shared/data/corel5k/images');
const OWNER: Owner = { ownerId: 'benchbatch0000000000000000000001', admin: false, via: 'token' };

async function main(): Promise<void> {
  const all = (await fs.readdir(IMAGES_DIR)).filter((n) => n.endsWith('.jpg')).sort();
  const read = (names: string[]) => Promise.all(names.map(async (name) => ({ name, bytes: new Uint8Array(await fs.readFile(path.join(IMAGES_DIR, name))) })));
  const photos = await read(all.slice(0, PHOTOS));
  const warmup = await read(all.slice(PHOTOS, PHOTOS + 8));
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'latent-bench-batch-'));
  const dbUrl = `file:${path.join(tmp, 'bench.db')}`;
  await migrateDatabase(dbUrl);
  const db = createDb(dbUrl);
  const server = new ModelServer({
    models: MODELS,
    workers: WORKERS,
    backend: 'wasm',
    defaults: { maxBatch: env.MODEL_MAX_BATCH, maxWaitMs: env.MODEL_MAX_WAIT_MS, queueLimit: env.MODEL_QUEUE_LIMIT, timeoutMs: env.MODEL_TIMEOUT_MS },
    root: process.cwd(),
  });
  try {
    await server.ready(120_000);
    const blobs = new BlobStore(path.join(tmp, 'blobs'));
    const generations = new GenerationService(db, blobs);
    const tags = new TagService({ db, models: server, blobs, generations, uploads: new UploadService(db, blobs, server), jobs: new JobRegistry(), dataDir: tmp, cacheDir: tmp });
    const run = (batch: typeof photos) => tagBatch(tags, OWNER, batch, { model: 'multimodal-dbm-flickr', signal: new AbortController().signal, onProgress: () => {} });
    note(`batch: warming up on 8 photos, then ${photos.length} timed, ${WORKERS} model worker(s) …`);
    await run(warmup);
    const stopWatch = watchCpu();
    const t0 = performance.now();
    const result = await run(photos);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = stopWatch();
    const perSecond = result.tagged / seconds;
    const figures = { photos: photos.length, tagged: result.tagged, failed: result.failed, seconds: round(seconds, 1), photosPerSecond: round(perSecond, 2), msPerPhoto: round((1000 * seconds) / photos.length, 1), workers: WORKERS, cpu, machine: machine() };
    const text = table([
      ['photos', 'tagged', 'failed', 'seconds', 'photos / s', 'ms / photo', 'workers'],
      [photos.length, result.tagged, result.failed, figures.seconds, figures.photosPerSecond, figures.msPerPhoto, WORKERS],
    ]);
    report(`Batch tagging: ${photos.length} photos stored and tagged (Flickr8k tagger, ${WORKERS} worker(s), WASM)`, text, figures);
  } finally {
    await server.close();
    await db.$disconnect();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

await main();

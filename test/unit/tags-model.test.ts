/**
 * The tags service on the real multimodal DBM checkpoint, through a real model server (skipped
 * where the checkpoint or Corel-5k is missing). Only what the trained model reliably does is
 * asserted; the model's own quality figures are in its evaluation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { JobRegistry } from '@/lib/jobs';
import { ModelServer, type ProgressEvent } from '@/lib/model-server';
import { MODELS } from '@/lib/model-server/registry';
import { BlobStore } from '@/lib/storage';
import { TagService } from '@/lib/tags';
import { UploadService } from '@/lib/uploads';

const CHECKPOINT = path.resolve('models/multimodal-dbm/checkpoint');
const COREL = path.resolve('../shared/data/corel5k');
const ready = fs.existsSync(path.join(CHECKPOINT, 'weights.bin')) && fs.existsSync(path.join(COREL, 'annotations.jsonl'));
// Corel-5k's image features, as the model's training wrote them (computing them takes minutes).
const CACHE_DIR = path.resolve('data/cache');
const corelFeatures = ready && fs.existsSync(CACHE_DIR) && fs.readdirSync(CACHE_DIR).some((f) => /^corel5k-features-.*\.f32$/.test(f));
const DB_URL = 'file:./test/.tmp/tags-model.db';
const photo = (id: string) => fs.readFileSync(path.join(COREL, 'images', `${id}.jpg`));

// Corel-5k test photos (never seen in training) and their true tags.
const WATER_AND_SKY = { '1001': ['mountain', 'sky', 'sun', 'water'], '101070': ['beach', 'sand', 'sky', 'water'], '140087': ['boats', 'buildings', 'sky', 'water'] };

describe.skipIf(!ready)('tags service on the trained multimodal DBM', () => {
  let db: Db;
  let server: ModelServer;
  let tmp: string;
  let service: TagService;

  beforeAll(async () => {
    fs.rmSync('test/.tmp/tags-model.db', { force: true });
    await migrateDatabase(DB_URL);
    db = createDb(DB_URL);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tags-model-'));
    server = new ModelServer({ models: MODELS, workers: 1, backend: 'wasm', defaults: { maxBatch: 32, maxWaitMs: 2, queueLimit: 256, timeoutMs: 120_000 } });
    const uploads = new UploadService(db, new BlobStore(path.join(tmp, 'blobs')), server);
    // No Corel-5k in this DATA_DIR: the search below ranks the uploads alone.
    service = new TagService({ db, models: server, uploads, jobs: new JobRegistry(), dataDir: path.join(tmp, 'data'), cacheDir: path.join(tmp, 'cache') });
  });

  afterAll(async () => {
    await server?.close();
    await db?.$disconnect();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('tags a photo with every mean-field step reported', async () => {
    const progress: ProgressEvent[] = [];
    const result = await service.suggest({ bytes: photo('1001'), name: '1001.jpg' }, { onProgress: (e) => progress.push(e) });
    expect(result.steps).toBeGreaterThanOrEqual(1);
    expect(progress.map((e) => e.step)).toEqual(Array.from({ length: result.steps }, (_, i) => i + 1));
    expect(progress.every((e) => e.total === result.steps && (e.preview as { tags: unknown[] }).tags.length > 0)).toBe(true);
    expect(result.tags).toHaveLength(15);
    // In the model's own order (p(word | image) weighed against the word's frequency), each with its probability.
    expect(result.tags.every((t) => t.probability > 0 && t.probability < 1)).toBe(true);
    expect(result.saved.filter((t) => t.status === 'suggested')).toHaveLength(5);
    expect(result.modelVersion).toBe((await db.modelVersion.findFirstOrThrow({ where: { name: 'multimodal-dbm' } })).version);
  });

  it('finds at least one true tag among the top 10 for photos of water under a sky', async () => {
    for (const [id, truth] of Object.entries(WATER_AND_SKY)) {
      const { tags } = await service.suggest({ bytes: photo(id), name: `${id}.jpg` });
      expect(
        tags.slice(0, 10).some((t) => truth.includes(t.word)),
        `${id}: ${tags.map((t) => t.word).join(', ')}`,
      ).toBe(true);
    }
  });

  it.skipIf(!corelFeatures)('finds Corel-5k photos of tigers when asked for "tiger"', async () => {
    const corel = new TagService({ db, models: server, jobs: new JobRegistry(), dataDir: path.dirname(COREL), cacheDir: CACHE_DIR });
    const answer = await corel.search(['tiger'], { limit: 24, corelWaitMs: 120_000 });
    expect(answer.corel).toEqual({ status: 'ready', photos: 4500 });
    const found = answer.results.filter((r) => r.kind === 'corel');
    // 2% of the training photos are tagged "tiger"; the trained model puts 21 of them in its 24 nearest.
    expect(found.filter((r) => r.tags.includes('tiger')).length).toBeGreaterThanOrEqual(12);
    expect(found[0].url).toBe(`/api/corel/${found[0].id}`);
  });

  it('ranks the stored photos by the distance between the words’ code and each photo’s code', async () => {
    const answer = await service.search(['water', 'sky'], { limit: 10 });
    expect(answer.corel.status).toBe('unavailable');
    expect(answer.results.length).toBe(await db.upload.count());
    const distances = answer.results.map((r) => r.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(distances.every((d) => Number.isFinite(d) && d >= 0)).toBe(true);
  });
});

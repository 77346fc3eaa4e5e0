/**
 * The same upload path and gallery of generations on PostgreSQL. Runs where TEST_POSTGRES_URL names an empty database the
 * test may write to (CI starts one); elsewhere it is skipped, and says so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { GenerationService } from '@/lib/generations';
import { migrateDatabase } from '@/lib/db/migrate';
import { ModelServer } from '@/lib/model-server';
import { MODELS } from '@/lib/model-server/registry';
import { BlobStore } from '@/lib/storage';
import { UploadService } from '@/lib/uploads';
import { ALICE } from './helpers';
import { at, expectKept, GENERATIONS, migration, UPLOADS } from './migration-fixtures';

const url = process.env.TEST_POSTGRES_URL;
const DROP_ALL = 'DROP TABLE IF EXISTS "PhotoTag", "ImageFeature", "Upload", "Generation", "ModelVersion", "_latent_studio_migrations" CASCADE';
const photo = (id: string) => fs.readFileSync(path.resolve('../shared/data/corel5k/images', `${id}.jpg`));

describe.skipIf(!url)('PostgreSQL (TEST_POSTGRES_URL)', () => {
  let db: Db;
  let server: ModelServer;
  let blobDir: string;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(DROP_ALL);
    await admin.end();
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-blobs-'));
    server = new ModelServer({ models: MODELS, workers: 1, backend: 'cpu', defaults: { maxBatch: 8, maxWaitMs: 2, queueLimit: 16, timeoutMs: 60_000 } });
  });

  afterAll(async () => {
    await server?.close();
    await db?.$disconnect();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it('migrates a database from before 0003_generation_upload, naming each tags run’s photo in its own column and keeping every row (the legacy owner’s, after 0004_owners)', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(DROP_ALL);
      // As migrateDatabase left a database migrated before 0003.
      await client.query('CREATE TABLE "_latent_studio_migrations" (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      for (const name of ['0001_init', '0002_photo_tags']) {
        await client.query(migration('postgresql', name));
        await client.query('INSERT INTO "_latent_studio_migrations" (name) VALUES ($1)', [name]);
      }
      for (const u of UPLOADS) {
        await client.query('INSERT INTO "Upload" ("id", "sha256", "format", "width", "height", "bytes", "createdAt") VALUES ($1, $2, \'jpeg\', 1, 1, 1, $3)', [u.id, u.sha256, at(0)]);
      }
      for (const g of GENERATIONS) {
        await client.query(
          'INSERT INTO "Generation" ("id", "kind", "modelName", "modelVersion", "params", "status", "result", "createdAt") VALUES ($1, $2, \'m\', \'v\', $3, \'done\', $4, $5)',
          [g.id, g.kind, g.params, g.result, g.createdAt],
        );
      }
    } finally {
      await client.end();
    }
    expect(await migrateDatabase(url!)).toEqual(['0003_generation_upload', '0004_owners']);
    const migrated = createDb(url!);
    try {
      await expectKept(migrated);
    } finally {
      await migrated.$disconnect();
    }
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(DROP_ALL);
    await admin.end();
  });

  it('applies the migrations once, then finds nothing to do', async () => {
    expect(await migrateDatabase(url!)).toEqual(['0001_init', '0002_photo_tags', '0003_generation_upload', '0004_owners']);
    expect(await migrateDatabase(url!)).toEqual([]);
  });

  it('stores uploads with their features and finds similar photos', async () => {
    db = createDb(url!);
    const uploads = new UploadService(db, new BlobStore(blobDir), server);
    const bear = await uploads.create(ALICE, photo('100000'), 'bear.jpg');
    await uploads.create(ALICE, photo('1000'), 'sunset.jpg');
    const second = await uploads.create(ALICE, photo('100004'), 'bear-2.jpg');
    expect(second.similar[0].id).toBe(bear.upload.id);
    expect((await uploads.create(ALICE, photo('100000'), 'again.jpg')).created).toBe(false);
    expect((await uploads.list(ALICE, { limit: 10 })).uploads).toHaveLength(3);
  });

  it('keeps generations: running, then done with colour images and strips, or failed with why', async () => {
    const generations = new GenerationService(db, new BlobStore(blobDir));
    const shape = { width: 4, height: 2, channels: 3 as const };
    const image = (offset: number) => Uint8Array.from({ length: 24 }, (_, i) => (i * 29 + offset) % 256);
    const id = await generations.begin({ ownerId: ALICE.ownerId, kind: 'caption', modelName: 'align-draw-corel', seed: 7, params: { caption: 'sky water tree', samples: 2 } });
    expect(await generations.get(ALICE, id)).toMatchObject({ status: 'running', seed: 7, images: [] });
    const done = await generations.complete(id, {
      modelVersion: 'align-draw-test',
      canvases: { ...shape, images: [image(0), image(50)], frames: [[image(1), image(0)], [image(2), image(50)]] },
      output: { words: ['sky', 'water', 'tree'], alignments: [[[0.2, 0.3, 0.5]]] },
    });
    expect(done).toMatchObject({ status: 'done', canvas: shape, params: { caption: 'sky water tree' }, result: { words: ['sky', 'water', 'tree'] } });
    expect(done.images).toHaveLength(2);
    expect(done.strips.map((s) => s.frames)).toEqual([2, 2]);
    expect(await generations.get(ALICE, id)).toEqual(done);

    const failed = await generations.begin({ ownerId: ALICE.ownerId, kind: 'caption', modelName: 'align-draw-corel', seed: 8, params: { caption: 'sky', samples: 1 } });
    await generations.end(failed, 'failed', { code: 'MODEL_WORKER_CRASHED', message: 'The model worker stopped.' });
    expect(await generations.get(ALICE, failed)).toMatchObject({ status: 'failed', error: { code: 'MODEL_WORKER_CRASHED' } });
    // The gallery lists finished drawings only, newest first.
    expect((await generations.list(ALICE, { kind: 'caption', limit: 10 })).map((g) => g.id)).toEqual([id]);
    expect(await generations.count(ALICE, 'caption')).toBe(1);

    // A generation made from a stored photo is found by that photo.
    const [photo] = (await db.upload.findMany({ orderBy: { createdAt: 'asc' }, take: 1 }));
    const tags = await generations.record({ ownerId: ALICE.ownerId, kind: 'tags', modelName: 'multimodal-dbm', modelVersion: 'dbm-test', seed: null, params: { uploadId: photo.id }, uploadId: photo.id, blobRefs: [photo.sha256], output: { tags: [], steps: 3 } });
    expect(await generations.latestFromUpload(photo.id, { kind: 'tags' })).toEqual(tags);
  });
});

/**
 * The same upload path on PostgreSQL. Runs where TEST_POSTGRES_URL names an empty database the
 * test may write to (CI starts one); elsewhere it is skipped, and says so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { ModelServer } from '@/lib/model-server';
import { MODELS } from '@/lib/model-server/registry';
import { BlobStore } from '@/lib/storage';
import { UploadService } from '@/lib/uploads';

const url = process.env.TEST_POSTGRES_URL;
const photo = (id: string) => fs.readFileSync(path.resolve('../shared/data/corel5k/images', `${id}.jpg`));

describe.skipIf(!url)('PostgreSQL (TEST_POSTGRES_URL)', () => {
  let db: Db;
  let server: ModelServer;
  let blobDir: string;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('DROP TABLE IF EXISTS "PhotoTag", "ImageFeature", "Upload", "Generation", "ModelVersion", "_latent_studio_migrations" CASCADE');
    await admin.end();
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-blobs-'));
    server = new ModelServer({ models: MODELS, workers: 1, backend: 'cpu', defaults: { maxBatch: 8, maxWaitMs: 2, queueLimit: 16, timeoutMs: 60_000 } });
  });

  afterAll(async () => {
    await server?.close();
    await db?.$disconnect();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it('applies the migrations once, then finds nothing to do', async () => {
    expect(await migrateDatabase(url!)).toEqual(['0001_init', '0002_photo_tags']);
    expect(await migrateDatabase(url!)).toEqual([]);
  });

  it('stores uploads with their features and finds similar photos', async () => {
    db = createDb(url!);
    const uploads = new UploadService(db, new BlobStore(blobDir), server);
    const bear = await uploads.create(photo('100000'), 'bear.jpg');
    await uploads.create(photo('1000'), 'sunset.jpg');
    const second = await uploads.create(photo('100004'), 'bear-2.jpg');
    expect(second.similar[0].id).toBe(bear.upload.id);
    expect((await uploads.create(photo('100000'), 'again.jpg')).created).toBe(false);
    expect((await uploads.list({ limit: 10 })).uploads).toHaveLength(3);
  });
});

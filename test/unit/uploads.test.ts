import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { AppError } from '@/lib/errors';
import { ModelServer, type ModelClient } from '@/lib/model-server';
import { MODELS } from '@/lib/model-server/registry';
import { Recovery } from '@/lib/recovery';
import { BlobStore } from '@/lib/storage';
import { UploadService } from '@/lib/uploads';
import { ALICE } from './helpers';

const photo = (id: string) => fs.readFileSync(path.resolve('../shared/data/corel5k/images', `${id}.jpg`));
const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];

describe('uploading a photo', () => {
  let db: Db;
  let server: ModelServer;
  let blobDir: string;
  let uploads: UploadService;

  beforeAll(async () => {
    db = createDb('file:./test/.tmp/unit.db');
    await db.imageFeature.deleteMany();
    await db.upload.deleteMany();
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blobs-'));
    server = new ModelServer({
      models: MODELS,
      workers: 1,
      backend: 'wasm',
      defaults: { maxBatch: 8, maxWaitMs: 2, queueLimit: 16, timeoutMs: 60_000 },
    });
    uploads = new UploadService(db, new BlobStore(blobDir), server);
  });

  afterAll(async () => {
    await server.close();
    await db.$disconnect();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it('stores it once, records its features, and finds the most similar stored photos', async () => {
    const bear = await uploads.create(ALICE, photo('100000'), 'bear.jpg');
    expect(bear.created).toBe(true);
    expect(bear.similar).toEqual([]);
    expect(filesUnder(blobDir)).toEqual([`${bear.upload.sha256}.jpg`]);
    const features = await db.imageFeature.findMany({ where: { uploadId: bear.upload.id }, orderBy: { modelName: 'asc' } });
    // image-features for the Corel-5k tagger; learned-features for similar photos and the Flickr tagger.
    expect(features.map(({ modelName, dims }) => ({ modelName, dims }))).toEqual([
      { modelName: 'image-features', dims: 620 },
      { modelName: 'learned-features', dims: 3820 },
    ]);
    expect(features[0].modelVersion).toMatch(/^gist-colour-/);
    expect(features[1].modelVersion).toMatch(/^learned-[0-9a-f]{12}$/);

    const again = await uploads.create(ALICE, photo('100000'), 'bear-again.jpg');
    expect(again.created).toBe(false); // the same owner sends the same photo again: their first record
    expect(again.upload.id).toBe(bear.upload.id);

    // Another polar bear on snow should be nearer than a sunset.
    await uploads.create(ALICE, photo('1000'), 'sunset.jpg');
    const second = await uploads.create(ALICE, photo('100004'), 'bear-2.jpg');
    expect(second.similar.map((s) => s.id)[0]).toBe(bear.upload.id);
    expect(second.similar[0].distance).toBeLessThan(second.similar[1].distance);
    expect(await uploads.similar(ALICE, second.upload.id, 5)).toEqual(second.similar);
  });

  it('answers a caller that needs only image-features (the Corel-5k tagger) without waiting for learned-features; its row follows', async () => {
    const tiger = await uploads.create(ALICE, photo('108004'), 'tiger.jpg', { similar: 0, needs: ['image-features'] });
    expect(tiger.similar).toEqual([]);
    const rows = async () => (await db.imageFeature.findMany({ where: { uploadId: tiger.upload.id }, orderBy: { modelName: 'asc' } })).map((row) => row.modelName);
    expect(await rows()).toContain('image-features');
    await expect.poll(rows, { timeout: 20_000 }).toEqual(['image-features', 'learned-features']);
  });

  it('leaves no row when the model server fails; the sweep removes the stored file', async () => {
    const failing: ModelClient = {
      run: async () => {
        throw new AppError('MODEL_WORKER_CRASHED', 'The image-features model stopped unexpectedly.');
      },
      admit: async () => {},
      health: () => server.health(),
      close: async () => {},
    };
    const before = { files: filesUnder(blobDir).length, rows: await db.upload.count() };
    const broken = new UploadService(db, new BlobStore(blobDir), failing);
    await expect(broken.create(ALICE, photo('108000'), 'tiger.jpg')).rejects.toMatchObject({ code: 'MODEL_WORKER_CRASHED' });
    expect(await db.upload.count()).toBe(before.rows);
    // The file is left for the sweep (another request may be storing the same photo right now),
    // which removes it once nobody has stored it for the grace period.
    const recovery = new Recovery({ startedAt: new Date(), singleProcess: true, generationDeadlineMs: 60_000, blobGraceMs: 60_000 }, db, new BlobStore(blobDir));
    const swept = await recovery.sweepBlobs(new Date(Date.now() + 61_000));
    expect(swept.removed).toHaveLength(1);
    expect(filesUnder(blobDir).length).toBe(before.files);
  });

  it('never loses an acknowledged photo when the same photo is uploaded twice at once and one caller goes away', async () => {
    const ids = fs.readdirSync(path.resolve('../shared/data/corel5k/images')).filter((f) => f.endsWith('.jpg')).sort().slice(200, 230);
    let acknowledged = 0;
    for (const [i, file] of ids.entries()) {
      const bytes = fs.readFileSync(path.resolve('../shared/data/corel5k/images', file));
      const leaving = new AbortController();
      const [kept, aborted] = await Promise.allSettled([
        uploads.create(ALICE, bytes, 'kept.jpg'),
        uploads.create(ALICE, bytes, 'aborted.jpg', { signal: leaving.signal }),
        new Promise((r) => setTimeout(r, i % 5)).then(() => leaving.abort()),
      ]);
      for (const outcome of [kept, aborted]) {
        if (outcome.status !== 'fulfilled') continue;
        acknowledged++;
        const upload = (outcome.value as Awaited<ReturnType<UploadService['create']>>).upload;
        expect(fs.existsSync(path.join(blobDir, upload.sha256.slice(0, 2), `${upload.sha256}.jpg`)), `photo ${file}`).toBe(true);
      }
    }
    expect(acknowledged).toBeGreaterThanOrEqual(ids.length);
  });

  it('rejects a bad file before storing anything', async () => {
    const before = filesUnder(blobDir).length;
    await expect(uploads.create(ALICE, Buffer.from('not a photo at all'), 'x.jpg')).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    expect(filesUnder(blobDir).length).toBe(before);
  });

  it('says clearly when an upload does not exist', async () => {
    await expect(uploads.similar(ALICE, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(uploads.get(ALICE, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

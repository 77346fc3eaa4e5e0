/**
 * Re-featuring in the background: photos stored before `learned-features` existed (or whose
 * learned-features request failed at upload) get its row, so they stay in similar photos; a pass
 * is idempotent and safe when two overlap; a photo whose file is gone is skipped, once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { AppError } from '@/lib/errors';
import { ModelServer, type ModelClient } from '@/lib/model-server';
import { MODELS } from '@/lib/model-server/registry';
import { BlobStore } from '@/lib/storage';
import { UploadService } from '@/lib/uploads';
import { ALICE } from './helpers';
import { Refeaturing } from '@/lib/uploads/refeature';

const DB_URL = 'file:./test/.tmp/refeature.db';
const photo = (id: string) => fs.readFileSync(path.resolve('../shared/data/corel5k/images', `${id}.jpg`));

describe('re-featuring stored photos', () => {
  let db: Db;
  let server: ModelServer;
  let blobs: BlobStore;
  let blobDir: string;
  let uploads: UploadService;
  const refeaturing = (client: ModelClient = server) => new Refeaturing(db, blobs, () => client, { restRatio: 0 });
  const learnedRows = (uploadId?: string) => db.imageFeature.findMany({ where: { modelName: 'learned-features', ...(uploadId ? { uploadId } : {}) }, orderBy: { id: 'asc' } });

  beforeAll(async () => {
    fs.rmSync(DB_URL.slice('file:'.length), { force: true });
    await migrateDatabase(DB_URL);
    db = createDb(DB_URL);
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'refeature-blobs-'));
    blobs = new BlobStore(blobDir);
    server = new ModelServer({ models: MODELS, workers: 1, backend: 'wasm', defaults: { maxBatch: 8, maxWaitMs: 2, queueLimit: 16, timeoutMs: 60_000 } });
    uploads = new UploadService(db, blobs, server);
  });

  afterAll(async () => {
    await server.close();
    await db.$disconnect();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it('asks nothing of the model server while no photo is stored', async () => {
    const untouchable: ModelClient = {
      run: async () => {
        throw new Error('the model server was asked');
      },
      admit: async () => {
        throw new Error('the model server was asked');
      },
      health: () => server.health(),
      close: async () => {},
    };
    const pass = refeaturing(untouchable);
    await pass.start();
    expect(pass.status()).toEqual([]);
  });

  it('gives photos stored with image-features only a learned-features row, and similar photos use it', async () => {
    const bear = await uploads.create(ALICE, photo('100000'), 'bear.jpg');
    await uploads.create(ALICE, photo('1000'), 'sunset.jpg');
    const second = await uploads.create(ALICE, photo('100004'), 'bear-2.jpg');
    // As the photos were before learned-features existed.
    await db.imageFeature.deleteMany({ where: { modelName: 'learned-features' } });
    expect(await learnedRows()).toHaveLength(0);
    const before = await uploads.similar(ALICE, second.upload.id, 2);
    expect(before[0].id).toBe(bear.upload.id); // by image-features meanwhile

    const pass = refeaturing();
    await pass.start();

    const rows = await learnedRows();
    expect(rows.map((row) => row.uploadId).sort()).toEqual((await db.upload.findMany({ select: { id: true } })).map((u) => u.id).sort());
    for (const row of rows) {
      expect(row.dims).toBe(3820);
      expect(row.modelVersion).toMatch(/^learned-[0-9a-f]{12}$/);
    }
    expect(pass.status()).toEqual([
      expect.objectContaining({ model: 'image-features', done: 3, total: 3, skipped: 0, failed: 0, running: false }),
      expect.objectContaining({ model: 'learned-features', version: rows[0].modelVersion, done: 3, total: 3, skipped: 0, failed: 0, running: false }),
    ]);
    const after = await uploads.similar(ALICE, second.upload.id, 2);
    expect(after[0].id).toBe(bear.upload.id);
    expect(after[0].distance).not.toBe(before[0].distance); // compared by the learned vectors now
  });

  it('is idempotent: a second pass, and two passes at once, leave exactly one row per photo and model version', async () => {
    const rows = await learnedRows();
    await refeaturing().start();
    expect(await learnedRows()).toEqual(rows); // nothing rewritten

    // Two instances (or a restart overlapping the old process) re-featuring the same photos.
    await db.imageFeature.deleteMany({ where: { modelName: 'learned-features' } });
    await Promise.all([refeaturing().start(), refeaturing().start()]);
    const again = await learnedRows();
    expect(again).toHaveLength(rows.length);
    expect(new Set(again.map((row) => row.uploadId)).size).toBe(rows.length);
  });

  it('skips a photo whose file is missing with one log line, and does not try it again', async () => {
    const lost = await uploads.create(ALICE, photo('108000'), 'tiger.jpg');
    await db.imageFeature.deleteMany({ where: { uploadId: lost.upload.id, modelName: 'learned-features' } });
    await blobs.remove(lost.upload.sha256);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const pass = refeaturing();
      await pass.start();
      const aboutLost = () => warn.mock.calls.filter((args) => String(args[0]).includes(lost.upload.id));
      expect(aboutLost()).toHaveLength(1);
      expect(aboutLost()[0][0]).toMatch(/not in the blob store/);
      expect(pass.status()[1]).toMatchObject({ model: 'learned-features', done: 3, total: 4, skipped: 1, running: false });
      await pass.start();
      expect(aboutLost()).toHaveLength(1);
      expect(await learnedRows(lost.upload.id)).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  it('keeps a photo whose learned-features request fails at upload, and the next pass adds the row', async () => {
    const flaky: ModelClient = {
      run: (model, input, options) =>
        model.name === 'learned-features' ? Promise.reject(new AppError('MODEL_TIMEOUT', 'The learned-features model did not answer within 20 s.')) : server.run(model, input, options),
      admit: (model, options) => server.admit(model, options),
      health: () => server.health(),
      close: async () => {},
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const stored = await new UploadService(db, blobs, flaky).create(ALICE, photo('100001'), 'bear-3.jpg');
      expect(stored.created).toBe(true);
      expect(stored.similar.length).toBeGreaterThan(0); // by image-features
      const rows = await db.imageFeature.findMany({ where: { uploadId: stored.upload.id } });
      expect(rows.map((row) => row.modelName)).toEqual(['image-features']);

      await refeaturing().start();
      expect(await learnedRows(stored.upload.id)).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('waits while the model is busy with other requests, then carries on', async () => {
    const upload = await db.upload.findFirstOrThrow({ where: { originalName: 'sunset.jpg' } });
    await db.imageFeature.deleteMany({ where: { uploadId: upload.id, modelName: 'learned-features' } });
    let refusals = 2;
    const busy: ModelClient = {
      run: (model, input, options) => server.run(model, input, options),
      admit: async (model, options) => {
        if (refusals-- > 0) throw new AppError('SERVER_BUSY', 'The model is busy.', { retryAfter: 0 });
        return server.admit(model, options);
      },
      health: () => server.health(),
      close: async () => {},
    };
    await refeaturing(busy).start();
    expect(refusals).toBeLessThan(0);
    expect(await learnedRows(upload.id)).toHaveLength(1);
  });
});

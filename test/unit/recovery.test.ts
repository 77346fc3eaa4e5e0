/**
 * Recovery after a crash: rows a dead process left running end failed with the reason, and stored
 * images no row references are removed once nobody has stored them for the grace period — never
 * one a row uses or a request is storing at that moment.
 */
import fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { INTERRUPTED, Recovery, type RecoveryOptions } from '@/lib/recovery';
import { BlobStore, type BlobStoreFs } from '@/lib/storage';

const DB_URL = 'file:./test/.tmp/recovery.db';
const MINUTE = 60_000;
const bytes = (text: string) => new TextEncoder().encode(text);

/** Sets a stored file's mtime `ms` in the past, as if it had been stored then. */
async function age(file: string, ms: number) {
  const then = new Date(Date.now() - ms);
  await fsp.utimes(file, then, then);
}

describe('recovery', () => {
  let db: Db;
  let root: string;
  let blobs: BlobStore;
  const options = (overrides: Partial<RecoveryOptions> = {}): RecoveryOptions => ({
    startedAt: new Date(),
    singleProcess: true,
    generationDeadlineMs: 2 * MINUTE,
    blobGraceMs: 10 * MINUTE,
    ...overrides,
  });

  beforeAll(async () => {
    fs.rmSync(DB_URL.slice('file:'.length), { force: true });
    await migrateDatabase(DB_URL);
    db = createDb(DB_URL);
  });

  beforeEach(async () => {
    await db.generation.deleteMany();
    await db.upload.deleteMany();
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'recovery-blobs-'));
    blobs = new BlobStore(root);
  });

  afterAll(async () => {
    await db?.$disconnect();
  });

  const generation = (status: string, createdAt: Date, blobRefs: string[] = []) =>
    db.generation.create({ data: { kind: 'gan', modelName: 'gan-mnist', modelVersion: '', params: '{}', status, createdAt, blobRefs: JSON.stringify(blobRefs) } });

  it('ends the rows a dead process left running, with the reason; finished rows and this process’s own stay as they are', async () => {
    const startedAt = new Date();
    const left = await generation('running', new Date(startedAt.getTime() - 5_000));
    const done = await generation('done', new Date(startedAt.getTime() - 5_000));
    const mine = await generation('running', new Date(startedAt.getTime() + 1_000));
    const recovery = new Recovery(options({ startedAt }), db, blobs);
    expect((await recovery.run(new Date(startedAt.getTime() + 2_000))).interrupted).toBe(1);
    const row = await db.generation.findUniqueOrThrow({ where: { id: left.id } });
    expect(row.status).toBe('failed');
    expect(JSON.parse(row.error!)).toEqual(INTERRUPTED);
    expect(row.finishedAt).not.toBeNull();
    expect((await db.generation.findUniqueOrThrow({ where: { id: done.id } })).status).toBe('done');
    expect((await db.generation.findUniqueOrThrow({ where: { id: mine.id } })).status).toBe('running');
    // Later passes end this process's own rows only once they are past any deadline.
    expect(await recovery.endInterrupted(new Date(startedAt.getTime() + 60_000))).toBe(0);
    expect(await recovery.endInterrupted(new Date(startedAt.getTime() + 3 * MINUTE))).toBe(1);
  });

  it('with several processes on one database (PostgreSQL), ends only rows older than any deadline', async () => {
    const startedAt = new Date();
    const another = await generation('running', new Date(startedAt.getTime() - 30_000));
    const dead = await generation('running', new Date(startedAt.getTime() - 3 * MINUTE));
    const recovery = new Recovery(options({ startedAt, singleProcess: false }), db, blobs);
    expect(await recovery.endInterrupted(startedAt)).toBe(1);
    expect((await db.generation.findUniqueOrThrow({ where: { id: dead.id } })).status).toBe('failed');
    expect((await db.generation.findUniqueOrThrow({ where: { id: another.id } })).status).toBe('running');
  });

  it('removes old unreferenced images and unfinished writes; keeps referenced ones and recent ones', async () => {
    const photo = await blobs.put(bytes('a photo'), 'jpg');
    const drawn = await blobs.put(bytes('a drawing'), 'png');
    const orphan = await blobs.put(bytes('an orphan'), 'jpg');
    const fresh = await blobs.put(bytes('just stored'), 'png');
    await db.upload.create({ data: { sha256: photo.sha256, format: 'jpeg', width: 1, height: 1, bytes: 7 } });
    await generation('done', new Date(), [drawn.sha256]);
    for (const file of [photo.path, drawn.path, orphan.path]) await age(file, 11 * MINUTE);
    const unfinished = path.join(path.dirname(orphan.path), `.${orphan.sha256}.123.abcdef.tmp`);
    fs.writeFileSync(unfinished, 'half a photo');
    await age(unfinished, 11 * MINUTE);

    const swept = await new Recovery(options(), db, blobs).sweepBlobs();
    expect(swept).toEqual({ removed: [orphan.sha256], temporary: 1, kept: 3 });
    expect(await blobs.exists(photo.sha256)).toBe(true);
    expect(await blobs.exists(drawn.sha256)).toBe(true);
    expect(await blobs.exists(fresh.sha256)).toBe(true);
    expect(await blobs.exists(orphan.sha256)).toBe(false);
    expect(fs.existsSync(unfinished)).toBe(false);
  });

  it('an old unreferenced image stored again is in use: storing it touches it, and the sweep keeps it', async () => {
    const first = await blobs.put(bytes('uploaded, failed, uploaded again'), 'jpg');
    await age(first.path, 11 * MINUTE);
    expect(await blobs.put(bytes('uploaded, failed, uploaded again'), 'jpg')).toMatchObject({ created: false });
    expect((await new Recovery(options(), db, blobs).sweepBlobs()).removed).toEqual([]);
    expect(await blobs.exists(first.sha256)).toBe(true);
  });

  it('keeps an image a request stores at the very moment the sweep moves it aside', async () => {
    const data = bytes('stored during the sweep');
    const old = await blobs.put(data, 'png');
    await age(old.path, 11 * MINUTE);
    // The sweep has decided (old, unreferenced); just before it moves the file, a request stores
    // the same image, then records it.
    let raced = false;
    const racing: Partial<BlobStoreFs> = {
      rename: (async (from: fs.PathLike, to: fs.PathLike) => {
        if (!raced && String(to).endsWith('.swept')) {
          raced = true;
          await blobs.put(data, 'png');
        }
        return fsp.rename(from, to);
      }) as BlobStoreFs['rename'],
    };
    const swept = await new Recovery(options(), db, new BlobStore(root, { fs: racing })).sweepBlobs();
    expect(raced).toBe(true);
    expect(swept.removed).toEqual([]);
    expect(await blobs.exists(old.sha256)).toBe(true);
  });

  it('a request storing an image just after the sweep moved it aside writes it anew', async () => {
    const data = bytes('stored just after the move');
    const old = await blobs.put(data, 'png');
    await age(old.path, 11 * MINUTE);
    let stored: Promise<unknown> | undefined;
    const racing: Partial<BlobStoreFs> = {
      rename: (async (from: fs.PathLike, to: fs.PathLike) => {
        await fsp.rename(from, to);
        if (!stored && String(to).endsWith('.swept')) stored = blobs.put(data, 'png');
      }) as BlobStoreFs['rename'],
    };
    await new Recovery(options(), db, new BlobStore(root, { fs: racing })).sweepBlobs();
    expect(await stored).toMatchObject({ created: true });
    expect(await blobs.exists(old.sha256)).toBe(true);
  });

  it('finishes the decision of a sweep that crashed after moving an image aside', async () => {
    const kept = await blobs.put(bytes('referenced'), 'jpg');
    const gone = await blobs.put(bytes('unreferenced'), 'jpg');
    await db.upload.create({ data: { sha256: kept.sha256, format: 'jpeg', width: 1, height: 1, bytes: 10 } });
    for (const blob of [kept, gone]) {
      const aside = path.join(path.dirname(blob.path), `.${blob.sha256}.jpg.swept`);
      await fsp.rename(blob.path, aside);
      await age(aside, 11 * MINUTE);
    }
    await new Recovery(options(), db, blobs).sweepBlobs();
    expect(await blobs.exists(kept.sha256)).toBe(true);
    expect(await blobs.exists(gone.sha256)).toBe(false);
    expect(fs.readdirSync(path.dirname(gone.path)).filter((name) => name.endsWith('.swept'))).toEqual([]);
  });
});

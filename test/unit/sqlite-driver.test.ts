/**
 * SQLite through libSQL behaves as it did through better-sqlite3: one connection per process (no
 * file descriptor left behind per transaction), a 5 s busy timeout (a write waits for another
 * process's lock instead of failing at once), the rollback journal, and transactions that roll back.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { SQLITE_BUSY_TIMEOUT_MS, sqliteFile } from '@/lib/db/adapter';
import { createDb } from '@/lib/db';

const URL = 'file:./test/.tmp/unit.db';
const db = createDb(URL);
// The native driver under @libsql/client, for a second process that holds the write lock.
const require = createRequire(import.meta.url);
const libsql = createRequire(require.resolve('@libsql/client')).resolve('libsql');

afterAll(async () => {
  await db.$disconnect();
});

function newUpload() {
  return db.upload.create({ data: { sha256: crypto.randomBytes(32).toString('hex'), format: 'jpeg', width: 1, height: 1, bytes: 1 } });
}

describe('the SQLite driver (libSQL)', () => {
  it('keeps better-sqlite3’s settings: a 5 s busy timeout and the rollback journal', async () => {
    expect(SQLITE_BUSY_TIMEOUT_MS).toBe(5_000);
    expect(await db.$queryRawUnsafe('PRAGMA busy_timeout')).toEqual([{ timeout: 5_000 }]);
    // Each transaction must not move to a connection of its own without the timeout.
    await db.$transaction([db.upload.count()]);
    expect(await db.$queryRawUnsafe('PRAGMA busy_timeout')).toEqual([{ timeout: 5_000 }]);
    expect(await db.$queryRawUnsafe('PRAGMA journal_mode')).toEqual([{ journal_mode: 'delete' }]);
  });

  it('opens no connection per transaction', async () => {
    await db.$transaction([db.upload.count()]);
    const before = fs.readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 100; i++) await db.$transaction(async (tx) => tx.upload.count());
    expect(fs.readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before + 2);
  });

  it('rolls a failed transaction back and goes on working', async () => {
    const upload = await newUpload();
    await expect(
      db.$transaction(async (tx) => {
        await tx.upload.update({ where: { id: upload.id }, data: { width: 7 } });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await db.upload.findUniqueOrThrow({ where: { id: upload.id } })).width).toBe(1);
    // Concurrent transactions run one at a time on the one connection.
    await Promise.all(Array.from({ length: 20 }, (_, i) => db.$transaction(async (tx) => tx.upload.update({ where: { id: upload.id }, data: { height: i + 1 } }))));
    expect((await db.upload.findUniqueOrThrow({ where: { id: upload.id } })).height).toBeGreaterThan(0);
  });

  it('reports a duplicate as P2002 and stores bytes exactly', async () => {
    const upload = await newUpload();
    await expect(db.upload.create({ data: { sha256: upload.sha256, format: 'jpeg', width: 1, height: 1, bytes: 1 } })).rejects.toMatchObject({ code: 'P2002' });
    const vector = Buffer.from(new Float32Array([1.5, -2.25, 3]).buffer);
    const feature = await db.imageFeature.create({ data: { uploadId: upload.id, modelName: 'm', modelVersion: 'v', dims: 3, vector } });
    const back = await db.imageFeature.findUniqueOrThrow({ where: { id: feature.id } });
    expect(Buffer.from(back.vector).equals(vector)).toBe(true);
  });

  it('waits for another process’s write lock instead of failing', async () => {
    const upload = await newUpload();
    const holder = spawn(
      process.execPath,
      ['-e', `const D = require(${JSON.stringify(libsql)}); const d = new D(${JSON.stringify(sqliteFile(URL))}); d.exec('BEGIN IMMEDIATE'); console.log('locked'); setTimeout(() => d.exec('COMMIT'), 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const started = Date.now();
    await db.upload.update({ where: { id: upload.id }, data: { width: 2 } });
    expect(Date.now() - started).toBeGreaterThan(500);
    expect((await db.upload.findUniqueOrThrow({ where: { id: upload.id } })).width).toBe(2);
    await new Promise((resolve) => holder.once('exit', resolve));
  });
});

/**
 * Migrations keep what is already stored. 0003_generation_upload gives a generation the stored
 * photo it was made from as a column of its own: a tags run recorded before it (its photo named
 * only inside its params' JSON, its result not yet wrapped as `{ output }`) is found by that
 * column afterwards, for its own photo alone. 0004_owners gives every earlier row to the legacy
 * owner, private, and makes a photo's SHA-256 unique per owner. (The same on PostgreSQL:
 * test/unit/postgres.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { at, expectKept, GENERATIONS, migration, UPLOADS } from './migration-fixtures';

const DB_FILE = 'test/.tmp/migrations.db';

describe('0003_generation_upload and 0004_owners on SQLite', () => {
  let db: Db | undefined;
  afterAll(async () => {
    await db?.$disconnect();
  });

  it('names each tags run’s photo in its own column, keeping every row (and 0004_owners keeps them too, as the legacy owner’s)', async () => {
    fs.rmSync(DB_FILE, { force: true });
    fs.mkdirSync(path.dirname(DB_FILE), { recursive: true });
    db = createDb(`file:./${DB_FILE}`);
    await run(db, migration('sqlite', '0001_init'));
    await run(db, migration('sqlite', '0002_photo_tags'));
    for (const u of UPLOADS) {
      await db.$executeRawUnsafe('INSERT INTO "Upload" ("id", "sha256", "format", "width", "height", "bytes", "createdAt") VALUES (?, ?, \'jpeg\', 1, 1, 1, ?)', u.id, u.sha256, at(0));
    }
    for (const g of GENERATIONS) {
      await db.$executeRawUnsafe(
        'INSERT INTO "Generation" ("id", "kind", "modelName", "modelVersion", "params", "status", "result", "createdAt") VALUES (?, ?, \'m\', \'v\', ?, \'done\', ?, ?)',
        g.id,
        g.kind,
        g.params,
        g.result,
        g.createdAt,
      );
    }
    await run(db, migration('sqlite', '0003_generation_upload'));
    expect(await db.$queryRawUnsafe('PRAGMA foreign_key_check')).toEqual([]);
    await run(db, migration('sqlite', '0004_owners'));
    expect(await db.$queryRawUnsafe('PRAGMA foreign_key_check')).toEqual([]);
    await expectKept(db);
  });

  it('applies through migrateDatabase on a fresh database', async () => {
    await db?.$disconnect();
    fs.rmSync(DB_FILE, { force: true });
    await migrateDatabase(`file:./${DB_FILE}`);
    db = createDb(`file:./${DB_FILE}`);
    const columns = await db.$queryRawUnsafe<{ name: string }[]>('PRAGMA table_info("Generation")');
    expect(columns.map((c) => c.name)).toEqual(expect.arrayContaining(['uploadId', 'ownerId', 'visibility']));
    const uploadColumns = await db.$queryRawUnsafe<{ name: string }[]>('PRAGMA table_info("Upload")');
    expect(uploadColumns.map((c) => c.name)).toEqual(expect.arrayContaining(['ownerId', 'visibility', 'source']));
  });
});

/** A migration's statements, one at a time (each ends a line with ";"; none has one inside). */
async function run(db: Db, sql: string) {
  const statements = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);
  for (const statement of statements) await db.$executeRawUnsafe(statement);
}

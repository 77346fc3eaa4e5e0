/**
 * Applies the committed migrations for whichever database DATABASE_URL names.
 *
 * SQLite: `prisma migrate deploy`. PostgreSQL: the same committed SQL files, applied here in
 * order, each in a transaction and recorded in `_latent_studio_migrations`, because Prisma 6.19's
 * migrate cannot read PostgreSQL's catalog through the pg driver adapter ("Column type 'name'
 * could not be deserialized", prisma/orm#27403) and its native engine cannot be downloaded here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { databaseKind } from './adapter';

const require = createRequire(import.meta.url);

export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  return databaseKind(databaseUrl) === 'postgresql' ? migratePostgres(databaseUrl) : migrateSqlite(databaseUrl);
}

function migrateSqlite(databaseUrl: string): string[] {
  const cli = require.resolve('prisma/build/index.js');
  const result = spawnSync(process.execPath, [cli, 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`Database migration failed:\n${result.stdout}\n${result.stderr}`);
  return [...result.stdout.matchAll(/^\s*└─ (\S+)\//gm)].map((m) => m[1]);
}

async function migratePostgres(databaseUrl: string): Promise<string[]> {
  const dir = path.resolve('prisma/postgresql/migrations');
  const names = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS "_latent_studio_migrations" (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    // One migrator at a time, even with several app instances starting together.
    await client.query('SELECT pg_advisory_lock(2012)');
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM "_latent_studio_migrations"')).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const name of names.filter((n) => !done.has(n))) {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO "_latent_studio_migrations" (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
        applied.push(name);
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`Database migration ${name} failed: ${(error as Error).message}`);
      }
    }
    return applied;
  } finally {
    await client.end();
  }
}

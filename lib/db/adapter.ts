/** Picks the Prisma driver adapter for a DATABASE_URL: SQLite file by default, PostgreSQL by URL. */
import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';

export type DatabaseKind = 'sqlite' | 'postgresql';

export function databaseKind(url: string): DatabaseKind {
  return url.startsWith('file:') ? 'sqlite' : 'postgresql';
}

/** The SQLite file a `file:` URL names, resolved against the working directory. */
export function sqliteFile(url: string): string {
  return path.resolve(url.slice('file:'.length).replace(/^\/\/(?=\/)/, ''));
}

export function createAdapter(url: string) {
  if (databaseKind(url) === 'postgresql') return new PrismaPg({ connectionString: url });
  const file = sqliteFile(url);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return new PrismaBetterSQLite3({ url: `file:${file}` });
}

/**
 * The database: SQLite file by default, PostgreSQL when DATABASE_URL says so. Both clients are
 * generated from the same models (prisma/sqlite/schema.prisma), so they share one type.
 * Migrations are applied by `npm start` (prisma migrate deploy) before the app serves.
 */
import { env } from '@/lib/env';
import { createAdapter, databaseKind } from './adapter';
import { PrismaClient as PostgresClient } from './generated/postgresql/client';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';

export type Db = SqliteClient;
export type { Upload, ImageFeature, Generation, ModelVersion, PhotoTag } from './generated/sqlite/client';

export function createDb(url: string = env.DATABASE_URL): Db {
  const adapter = createAdapter(url);
  return databaseKind(url) === 'postgresql'
    ? (new PostgresClient({ adapter: adapter as never }) as unknown as Db)
    : new SqliteClient({ adapter: adapter as never });
}

const holder = globalThis as typeof globalThis & { __latentStudioDb?: Db };

export function getDb(): Db {
  holder.__latentStudioDb ??= createDb();
  return holder.__latentStudioDb;
}

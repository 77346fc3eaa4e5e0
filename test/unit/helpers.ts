/** Helpers shared by the service tests (not a test file itself). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import type { AppError } from '@/lib/errors';
import { parse } from '@/lib/http/respond';
import { GenerationService } from '@/lib/generations';
import { JobRegistry } from '@/lib/jobs';
import { ModelServer } from '@/lib/model-server';
import { MODELS } from '@/lib/model-server/registry';
import { OWNER_COOKIE, sealCookie, type Owner } from '@/lib/owners';
import { BlobStore } from '@/lib/storage';
import { TagService } from '@/lib/tags';
import { UploadService } from '@/lib/uploads';

/** Two anonymous owners (a browser each) and the administrator, for the service tests. */
export const ALICE: Owner = { ownerId: 'alice0000000000000000000000000001', admin: false, via: 'cookie' };
export const BOB: Owner = { ownerId: 'bob00000000000000000000000000002', admin: false, via: 'cookie' };
export const ADMIN: Owner = { ownerId: 'admin', admin: true, via: 'admin' };

/** A model server whose one model has no room in its queue: every request is SERVER_BUSY. */
export function refusingServer(name: string, module: string): ModelServer {
  return new ModelServer({
    models: [{ name, module, queueLimit: 0 }],
    workers: 1,
    backend: 'cpu',
    defaults: { maxBatch: 1, maxWaitMs: 0, queueLimit: 8, timeoutMs: 60_000 },
    root: process.cwd(),
  });
}

/** The error a call fails with; fails the test if the call succeeds. */
export async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a failure');
}

/** A service called as its route calls it: `body` checked with the route's schema first (BAD_REQUEST when it does not fit). */
export async function asRoute<S extends z.ZodType, R>(schema: S, body: unknown, call: (request: z.output<S>) => Promise<R>): Promise<R> {
  return call(parse(schema, body));
}

/** The headers of a browser request from `owner` (their sealed owner cookie), as a route reads them. */
export async function ownerHeaders(owner: Owner): Promise<{ cookie: string }> {
  return { cookie: `${OWNER_COOKIE}=${await sealCookie(owner.ownerId)}` };
}

/** The upload, generation and tag services on a fresh migrated SQLite file and the real model server (one WASM worker). */
export interface RealServices {
  db: Db;
  server: ModelServer;
  /** Blob store, data and cache directory, removed by `close`. */
  dir: string;
  uploads: UploadService;
  generations: GenerationService;
  tags: TagService;
  close(): Promise<void>;
}

export async function realServices(dbFile: string): Promise<RealServices> {
  fs.rmSync(dbFile, { force: true });
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  await migrateDatabase(`file:./${dbFile}`);
  const db = createDb(`file:./${dbFile}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'services-'));
  const server = new ModelServer({ models: MODELS, workers: 1, backend: 'wasm', defaults: { maxBatch: 8, maxWaitMs: 2, queueLimit: 64, timeoutMs: 60_000 } });
  const blobs = new BlobStore(dir);
  const uploads = new UploadService(db, blobs, server);
  const generations = new GenerationService(db, blobs);
  const tags = new TagService({ db, models: server, uploads, blobs, generations, jobs: new JobRegistry(), dataDir: dir, cacheDir: path.join(dir, 'cache') });
  const close = async () => {
    await server.close();
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { db, server, dir, uploads, generations, tags, close };
}

/**
 * What /api/health reports: database, storage, model server (with its backend), datasets, and the
 * background re-featuring of stored photos (`features`: per model, version, done of total).
 * Anyone can read it, so it names no file or folder of the server: a failure says what failed and
 * its error code, never the path (the log has the whole error).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { getDb } from '@/lib/db';
import { databaseKind } from '@/lib/db/adapter';
import { env } from '@/lib/env';
import { withoutPaths } from '@/lib/errors';
import { getModelServer, type ModelServerHealth } from '@/lib/model-server';
import { refeaturingStatus, type RefeatureProgress } from '@/lib/uploads/refeature';

export interface HealthReport {
  ok: boolean;
  database: { ok: boolean; kind: string; error?: string };
  storage: { ok: boolean; error?: string };
  modelServer: (ModelServerHealth & { error?: string }) | { ok: false; error: string };
  /** Whether the datasets folder exists; where it is stays on the server. */
  dataDir: { present: boolean };
  /** Stored photos re-featured for each upload feature model's current version (this process's last pass). */
  features: RefeatureProgress[];
}

export async function checkHealth(): Promise<HealthReport> {
  const [database, storage, modelServer, dataDir] = await Promise.all([checkDatabase(), checkStorage(), checkModelServer(), checkDataDir()]);
  return { ok: database.ok && storage.ok && modelServer.ok, database, storage, modelServer, dataDir, features: refeaturingStatus() };
}

async function checkDatabase() {
  const kind = databaseKind(env.DATABASE_URL);
  try {
    await getDb().upload.count();
    return { ok: true, kind };
  } catch (error) {
    return { ok: false, kind, error: withoutPaths((error as Error).message.split('\n')[0]) };
  }
}

async function checkStorage() {
  try {
    await fs.mkdir(env.STORAGE_DIR, { recursive: true });
    await fs.access(env.STORAGE_DIR, fs.constants.W_OK);
    return { ok: true };
  } catch (error) {
    console.error('[latent-studio] health: the blob store is not writable:', error);
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, error: `The image store cannot be written to${code ? ` (${code})` : ''}.` };
  }
}

async function checkModelServer(): Promise<HealthReport['modelServer']> {
  try {
    const health = await getModelServer().health();
    // Workers start in the background; a pool that is still starting is healthy. A model whose
    // worker is still busy for callers who have all gone is not.
    const stuck = Object.values(health.queues).some((queue) => queue.stuck);
    const starting = health.workers.length > 0 && health.restarts === 0;
    return { ...health, ...(health.lastCrash ? { lastCrash: withoutPaths(health.lastCrash) } : {}), ok: (health.ok || starting) && !stuck };
  } catch (error) {
    return { ok: false, error: withoutPaths((error as Error).message) };
  }
}

async function checkDataDir() {
  const dir = path.resolve(env.DATA_DIR);
  const present = await fs
    .access(dir)
    .then(() => true)
    .catch(() => false);
  return { present };
}

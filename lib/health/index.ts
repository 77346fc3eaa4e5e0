/**
 * What /api/health reports: database, storage, model server (with its backend), datasets, and the
 * background re-featuring of stored photos (`features`: per model, version, done of total).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { getDb } from '@/lib/db';
import { databaseKind } from '@/lib/db/adapter';
import { env } from '@/lib/env';
import { getModelServer, type ModelServerHealth } from '@/lib/model-server';
import { refeaturingStatus, type RefeatureProgress } from '@/lib/uploads/refeature';

export interface HealthReport {
  ok: boolean;
  database: { ok: boolean; kind: string; error?: string };
  storage: { ok: boolean; error?: string };
  modelServer: (ModelServerHealth & { error?: string }) | { ok: false; error: string };
  dataDir: { path: string; present: boolean };
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
    return { ok: false, kind, error: (error as Error).message.split('\n')[0] };
  }
}

async function checkStorage() {
  try {
    await fs.mkdir(env.STORAGE_DIR, { recursive: true });
    await fs.access(env.STORAGE_DIR, fs.constants.W_OK);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function checkModelServer(): Promise<HealthReport['modelServer']> {
  try {
    const health = await getModelServer().health();
    // Workers start in the background; a pool that is still starting is healthy. A model whose
    // worker is still busy for callers who have all gone is not.
    const stuck = Object.values(health.queues).some((queue) => queue.stuck);
    const starting = health.workers.length > 0 && health.restarts === 0;
    return { ...health, ok: (health.ok || starting) && !stuck };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function checkDataDir() {
  const dir = path.resolve(env.DATA_DIR);
  const present = await fs
    .access(dir)
    .then(() => true)
    .catch(() => false);
  return { path: dir, present };
}

/** Helpers shared by the service tests (not a test file itself). */
import type { AppError } from '@/lib/errors';
import { ModelServer } from '@/lib/model-server';

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

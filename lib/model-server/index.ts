/**
 * `getModelServer()`: the one model server of this process. Embedded (worker threads inside this
 * process) by default; a client of a standalone server when MODEL_SERVER_URL is set. Kept on
 * globalThis so Next's hot reload does not start a second pool.
 */
import { env } from '@/lib/env';
import { MODELS } from './registry';
import { RemoteModelClient } from './remote';
import { ModelServer } from './server';
import type { ModelClient } from './types';

export type { ModelClient, ModelServerHealth, ProgressEvent, RunOptions, RunResult } from './types';
export { ModelServer } from './server';
export { RemoteModelClient } from './remote';

export function createEmbeddedServer(): ModelServer {
  return new ModelServer({
    models: MODELS,
    workers: env.MODEL_WORKERS,
    backend: env.MODEL_BACKEND,
    defaults: {
      maxBatch: env.MODEL_MAX_BATCH,
      maxWaitMs: env.MODEL_MAX_WAIT_MS,
      queueLimit: env.MODEL_QUEUE_LIMIT,
      timeoutMs: env.MODEL_TIMEOUT_MS,
    },
  });
}

const holder = globalThis as typeof globalThis & { __latentStudioModelServer?: ModelClient };

export function getModelServer(): ModelClient {
  holder.__latentStudioModelServer ??= env.MODEL_SERVER_URL ? new RemoteModelClient(env.MODEL_SERVER_URL) : createEmbeddedServer();
  return holder.__latentStudioModelServer;
}

/**
 * One model-server worker: its own TensorFlow.js engine, the models it has loaded, one batch at a
 * time. Everything arrives and leaves as messages (see protocol.ts).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendPreference } from '@/lib/tfjs/backend';
import { transferables, type FromWorker, type ToWorker } from './protocol';
import type { ServableModel } from './types';

export interface WorkerOptions {
  backend: BackendPreference;
  root: string;
}

const port = parentPort!;
const options = workerData as WorkerOptions;
// Only finished outputs move to the server thread. A progress preview is often the model's own
// working buffer (a partial canvas it keeps drawing into): it is copied, not taken away.
const send = (message: FromWorker) => port.postMessage(message, message.type === 'done' ? transferables(message.outputs) : []);

const loaded = new Map<string, Promise<{ model: ServableModel; version: string }>>();
const cancelled = new Map<number, Set<number>>();

function loadModel(name: string, module: string) {
  let entry = loaded.get(name);
  if (!entry) {
    entry = (async () => {
      const mod = (await import(pathToFileURL(path.resolve(options.root, module)).href)) as { servable?: ServableModel };
      if (!mod.servable) throw new Error(`${module} does not export a servable model`);
      const { version } = await mod.servable.load();
      return { model: mod.servable, version };
    })();
    // A failed load is retried on the next request rather than remembered forever.
    entry.catch(() => loaded.delete(name));
    loaded.set(name, entry);
  }
  return entry;
}

async function runBatch(message: Extract<ToWorker, { type: 'run' }>) {
  const { batchId } = message;
  cancelled.set(batchId, new Set());
  try {
    const { model, version } = await loadModel(message.model, message.module);
    const started = performance.now();
    const outputs = await model.runBatch(message.inputs, {
      progress: (index, event) => send({ type: 'progress', batchId, index, event }),
      cancelled: (index) => cancelled.get(batchId)?.has(index) ?? false,
    });
    if (outputs.length !== message.inputs.length) {
      throw new Error(`${message.model} returned ${outputs.length} outputs for ${message.inputs.length} inputs`);
    }
    send({ type: 'done', batchId, outputs, version, runMs: performance.now() - started });
  } catch (error) {
    const err = error as Error & { code?: string };
    send({ type: 'failed', batchId, message: err.message, code: typeof err.code === 'string' ? err.code : undefined });
  } finally {
    cancelled.delete(batchId);
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'run') void runBatch(message);
  else if (message.type === 'cancel') cancelled.get(message.batchId)?.add(message.index);
});

const backend = await initBackend(options.backend);
send({ type: 'ready', backend: backend.name, skipped: backend.skipped });

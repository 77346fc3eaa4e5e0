/**
 * One copy of alignDRAW in a worker thread, for data-parallel training (parallel.ts): it takes
 * the current weights and a share of a batch, and answers with that share's gradients.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '@/lib/tfjs/backend';
import { AlignDraw, type AlignDrawConfig } from './model';
import type { ToGradientWorker, FromGradientWorker } from './parallel';

const port = parentPort!;
const { config, backend } = workerData as { config: AlignDrawConfig; backend: 'wasm' | 'cpu' };
await initBackend(backend);
const model = new AlignDraw(config, 0);

port.on('message', (message: ToGradientWorker) => {
  try {
    model.setWeightValues(message.weights);
    const result = model.gradients(message.images, message.tokens, { seed: message.seed });
    const reply: FromGradientWorker = { type: 'gradients', ...result };
    port.postMessage(reply, result.gradients.map((g) => g.buffer as ArrayBuffer));
  } catch (error) {
    const reply: FromGradientWorker = { type: 'failed', message: (error as Error).message };
    port.postMessage(reply);
  }
});
port.postMessage({ type: 'ready' } satisfies FromGradientWorker);

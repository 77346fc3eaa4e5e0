/**
 * Data-parallel training on several cores. The WASM backend runs one thread per engine (the
 * threaded build does not start in Node), so a second core is used by a second copy of the model
 * in a worker thread: each step, the batch is cut in equal shares, this thread computes the first
 * share's gradient while each worker, given the current weights, computes another's; the
 * average is the gradient of the whole batch's mean bound, and this thread's model takes the
 * clipped Adam step with it. Weights and gradients (≈3.4 MB each) cross threads by copy and
 * transfer, a few milliseconds against a step of about a second.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { AlignDraw, TrainStepResult } from './model';

export type ToGradientWorker = { weights: Float32Array[]; images: Float32Array; tokens: number[][]; seed: number };
export type FromGradientWorker =
  | { type: 'ready' }
  | { type: 'gradients'; gradients: Float32Array[]; bound: number; reconstruction: number; kl: number }
  | { type: 'failed'; message: string };

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'parallel-worker.mjs');

/** The noise seed of share k of a step seeded `seed`: share 0 keeps it, so one copy trains as trainStep does. */
export const shareSeed = (seed: number, k: number): number => (k === 0 ? seed : (seed + Math.imul(k, 0x9e3779b1)) >>> 0);

export class DataParallelTrainer {
  private constructor(
    private readonly model: AlignDraw,
    private readonly workers: Worker[],
  ) {}

  /** `copies` model copies in all (this thread's and copies − 1 workers). */
  static async start(model: AlignDraw, copies: number): Promise<DataParallelTrainer> {
    if (!Number.isInteger(copies) || copies < 1) throw new RangeError(`copies must be a whole number ≥ 1, got ${copies}`);
    const workers = await Promise.all(
      Array.from({ length: copies - 1 }, () => {
        // Workers run on this thread's backend, so every share's arithmetic is the same.
        const worker = new Worker(ENTRY, { workerData: { config: model.config, backend: tf.getBackend() === 'cpu' ? 'cpu' : 'wasm' } });
        return new Promise<Worker>((resolve, reject) => {
          worker.once('message', (message: FromGradientWorker) => (message.type === 'ready' ? resolve(worker) : reject(new Error('the gradient worker did not start'))));
          worker.once('error', reject);
        });
      }),
    );
    return new DataParallelTrainer(model, workers);
  }

  get copies(): number {
    return this.workers.length + 1;
  }

  /** One Adam step on the batch's mean bound, its shares computed in parallel; share k's noise is seeded by `shareSeed(seed, k)`. */
  async step(images: Float32Array, tokens: number[][], seed: number): Promise<TrainStepResult> {
    if (this.workers.length === 0) return this.model.trainStep(images, tokens, { seed });
    const size = images.length / tokens.length;
    const shares = this.copies;
    const bounds = Array.from({ length: shares + 1 }, (_, k) => Math.round((k * tokens.length) / shares));
    const share = (k: number) => ({ images: images.slice(bounds[k] * size, bounds[k + 1] * size), tokens: tokens.slice(bounds[k], bounds[k + 1]), seed: shareSeed(seed, k) });
    const weights = this.model.weightValues();
    const pending = this.workers.map((worker, w) => this.ask(worker, { weights, ...share(w + 1) }));
    const own = this.model.gradients(share(0).images, share(0).tokens, { seed });
    const results = [own, ...(await Promise.all(pending))];
    // Each share's gradient is of its own mean: weight by share size for the whole batch's mean.
    const weightOf = (k: number) => (bounds[k + 1] - bounds[k]) / tokens.length;
    const total = own.gradients.map((g) => new Float32Array(g.length));
    results.forEach((result, k) => result.gradients.forEach((g, i) => { const t = total[i]; const w = weightOf(k); for (let j = 0; j < g.length; j++) t[j] += w * g[j]; }));
    const mean = (key: 'bound' | 'reconstruction' | 'kl') => results.reduce((sum, r, k) => sum + weightOf(k) * r[key], 0);
    const gradientNorm = this.model.applyGradients(total);
    return { bound: mean('bound'), reconstruction: mean('reconstruction'), kl: mean('kl'), gradientNorm };
  }

  private ask(worker: Worker, message: ToGradientWorker): Promise<{ gradients: Float32Array[]; bound: number; reconstruction: number; kl: number }> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      worker.once('error', onError);
      worker.once('message', (reply: FromGradientWorker) => {
        worker.off('error', onError);
        if (reply.type === 'gradients') resolve(reply);
        else reject(new Error(reply.type === 'failed' ? `a gradient worker failed: ${reply.message}` : 'unexpected message from a gradient worker'));
      });
      worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

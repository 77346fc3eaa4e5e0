/**
 * The model server: one bounded queue per model in front of a pool of worker threads.
 *
 * A request waits in its model's queue. When a worker is free, the queue hands it up to `maxBatch`
 * requests that arrived within `maxWaitMs`, which run as one batched forward pass. A full queue
 * turns new requests away (SERVER_BUSY → HTTP 503 + Retry-After); a request that takes too long
 * fails with MODEL_TIMEOUT; a caller that goes away (AbortSignal) is dropped from the queue, or,
 * if already running, told to the worker so long loops can stop. A worker that dies is replaced
 * and the requests it was running fail cleanly.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError, ERRORS, type ErrorCode } from '@/lib/errors';
import type { BackendPreference } from '@/lib/tfjs/backend';
import { ModelServerMetrics } from './metrics';
import type { FromWorker, ToWorker } from './protocol';
import type { ModelClient, ModelServerHealth, ModelSpec, RunOptions, RunResult } from './types';
import type { WorkerOptions } from './worker';

export interface ModelServerOptions {
  models: ModelSpec[];
  workers: number;
  backend: BackendPreference;
  defaults: Required<Pick<ModelSpec, 'maxBatch' | 'maxWaitMs' | 'queueLimit' | 'timeoutMs'>>;
  /** Project root that model module paths are relative to. */
  root?: string;
}

interface Job {
  model: string;
  input: unknown;
  enqueuedAt: number;
  startedAt?: number;
  onProgress?: RunOptions['onProgress'];
  resolve: (result: RunResult<unknown>) => void;
  reject: (error: AppError) => void;
  settled: boolean;
  cleanup: () => void;
  batch?: Batch;
  index?: number;
  /** Runs in a batch of its own: its batch failed and is being retried request by request. */
  solo?: boolean;
}

interface Batch {
  id: number;
  model: string;
  jobs: Job[];
  slot: WorkerSlot;
}

interface WorkerSlot {
  id: number;
  worker: Worker;
  ready: boolean;
  backend: string | null;
  skipped: string[];
  batch?: Batch;
  models: Record<string, string>;
  startedAt: number;
}

type Spec = Required<ModelSpec>;

export class ModelServer implements ModelClient {
  readonly metrics = new ModelServerMetrics();
  private readonly specs = new Map<string, Spec>();
  private readonly queues = new Map<string, Job[]>();
  private readonly slots: WorkerSlot[] = [];
  private readonly root: string;
  private nextBatchId = 1;
  private nextWorkerId = 1;
  private restarts = 0;
  private lastCrash?: string;
  private crashStreak = 0;
  private pending = 0;
  private closed = false;
  private wakeTimer?: NodeJS.Timeout;

  constructor(private readonly options: ModelServerOptions) {
    this.root = options.root ?? process.cwd();
    for (const model of options.models) {
      this.specs.set(model.name, { ...options.defaults, ...model } as Spec);
      this.queues.set(model.name, []);
    }
    for (let i = 0; i < options.workers; i++) this.slots.push(this.spawn());
  }

  run<I, O>(model: string, input: I, options: RunOptions = {}): Promise<RunResult<O>> {
    const spec = this.specs.get(model);
    if (!spec) {
      return Promise.reject(new AppError('MODEL_NOT_FOUND', `There is no model called "${model}". Known models: ${[...this.specs.keys()].join(', ')}.`));
    }
    if (this.closed) return Promise.reject(new AppError('MODEL_SERVER_UNREACHABLE', 'The model server is shutting down. Please try again in a moment.'));
    if (options.signal?.aborted) return Promise.reject(new AppError('CANCELLED', 'The request was cancelled.'));
    const queue = this.queues.get(model)!;
    if (queue.length >= spec.queueLimit) {
      this.metrics.requests.inc({ model, outcome: 'busy' });
      return Promise.reject(
        new AppError('SERVER_BUSY', `The ${model} model is busy with ${queue.length} waiting requests. Please try again in a few seconds.`, {
          retryAfter: this.retryAfterSeconds(model),
        }),
      );
    }

    return new Promise<RunResult<O>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? spec.timeoutMs;
      const job: Job = {
        model,
        input,
        enqueuedAt: performance.now(),
        onProgress: options.onProgress,
        resolve: resolve as Job['resolve'],
        reject,
        settled: false,
        cleanup: () => {},
      };
      const timer = setTimeout(
        () => this.abandon(job, new AppError('MODEL_TIMEOUT', `The ${model} model did not answer within ${timeoutMs < 10_000 ? `${(timeoutMs / 1000).toFixed(1)} s` : `${Math.round(timeoutMs / 1000)} s`}. Please try again.`), 'timeout'),
        timeoutMs,
      );
      const onAbort = () => this.abandon(job, new AppError('CANCELLED', 'The request was cancelled.'), 'cancelled');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      job.cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      queue.push(job);
      this.metrics.queueDepth.set({ model }, queue.length);
      this.setPending(+1);
      this.schedule();
    });
  }

  async health(): Promise<ModelServerHealth> {
    return {
      mode: 'embedded',
      ok: !this.closed && this.slots.some((slot) => slot.ready),
      workers: this.slots.map((slot) => ({
        id: slot.id,
        backend: slot.backend,
        busy: slot.batch !== undefined,
        models: { ...slot.models },
        skipped: slot.skipped,
      })),
      queues: Object.fromEntries(
        [...this.specs.values()].map((spec) => [
          spec.name,
          {
            waiting: this.queues.get(spec.name)!.length,
            running: this.slots.reduce((n, slot) => n + (slot.batch?.model === spec.name ? slot.batch.jobs.length : 0), 0),
            limit: spec.queueLimit,
          },
        ]),
      ),
      models: [...this.specs.keys()],
      restarts: this.restarts,
      ...(this.lastCrash ? { lastCrash: this.lastCrash } : {}),
    };
  }

  /** Resolves once every worker has started its engine (useful before a benchmark). */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.slots.length < this.options.workers || !this.slots.every((slot) => slot.ready)) {
      if (Date.now() > deadline) throw new AppError('MODEL_SERVER_UNREACHABLE', 'The model server workers did not start in time.');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.wakeTimer);
    const error = new AppError('MODEL_SERVER_UNREACHABLE', 'The model server is shutting down. Please try again in a moment.');
    for (const queue of this.queues.values()) for (const job of queue.splice(0)) this.settle(job, error, 'failed');
    for (const slot of this.slots) if (slot.batch) for (const job of slot.batch.jobs) this.settle(job, error, 'failed');
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  // ---- scheduling --------------------------------------------------------------------------

  /** Hands waiting requests to idle workers: full batches at once, partial ones after maxWaitMs. */
  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    let nextWake = Infinity;
    // Oldest waiting request first, so one busy model cannot starve another.
    const queues = [...this.queues.entries()]
      .filter(([, queue]) => queue.length > 0)
      .sort(([, a], [, b]) => a[0].enqueuedAt - b[0].enqueuedAt);
    for (const [model, queue] of queues) {
      const spec = this.specs.get(model)!;
      while (queue.length > 0) {
        const slot = this.slots.find((s) => s.ready && !s.batch);
        if (!slot) return;
        const waited = performance.now() - queue[0].enqueuedAt;
        const solo = queue[0].solo === true; // retried requests sit at the head of the queue
        if (!solo && queue.length < spec.maxBatch && waited < spec.maxWaitMs) {
          nextWake = Math.min(nextWake, spec.maxWaitMs - waited);
          break;
        }
        // With several workers free, share the waiting requests between them rather than
        // giving one worker everything while the others sit idle.
        const idle = this.slots.filter((s) => s.ready && !s.batch).length;
        const size = solo ? 1 : Math.min(spec.maxBatch, Math.ceil(queue.length / idle));
        this.dispatch(slot, spec, queue.splice(0, size));
        this.metrics.queueDepth.set({ model }, queue.length);
      }
    }
    if (nextWake < Infinity) this.wakeTimer = setTimeout(() => this.schedule(), Math.max(0, nextWake));
  }

  private dispatch(slot: WorkerSlot, spec: Spec, jobs: Job[]): void {
    const batch: Batch = { id: this.nextBatchId++, model: spec.name, jobs, slot };
    const now = performance.now();
    jobs.forEach((job, index) => {
      job.batch = batch;
      job.index = index;
      job.startedAt = now;
      this.metrics.queueWait.observe({ model: spec.name }, (now - job.enqueuedAt) / 1000);
    });
    slot.batch = batch;
    this.metrics.batchSize.observe({ model: spec.name }, jobs.length);
    const message: ToWorker = { type: 'run', batchId: batch.id, model: spec.name, module: spec.module, inputs: jobs.map((j) => j.input) };
    try {
      // Copied, not transferred: the inputs belong to the callers, who may still use them (or send
      // the same array twice); transferring would leave their typed arrays detached and empty.
      slot.worker.postMessage(message);
    } catch (error) {
      // An input that cannot be copied to a thread (a function, a detached buffer): free the worker
      // again, and fail only the request that brought it.
      slot.batch = undefined;
      if (this.retryAlone(batch)) return;
      const text = `The input for the ${spec.name} model cannot be sent to it: ${(error as Error).message}`;
      for (const job of jobs) this.settle(job, new AppError('BAD_REQUEST', text, { cause: error }), 'failed');
    }
  }

  /**
   * One unusable input fails a whole batch. Rather than hand every caller in it someone else's
   * error, puts them back at the head of the queue to run one by one. False for a batch of one.
   */
  private retryAlone(batch: Batch): boolean {
    const live = batch.jobs.filter((job) => !job.settled);
    if (batch.jobs.length <= 1 || live.length === 0) return false;
    const queue = this.queues.get(batch.model)!;
    for (const job of live) {
      job.solo = true;
      job.batch = undefined;
      job.index = undefined;
    }
    queue.unshift(...live);
    this.metrics.queueDepth.set({ model: batch.model }, queue.length);
    return true;
  }

  private onWorkerMessage(slot: WorkerSlot, message: FromWorker): void {
    if (message.type === 'ready') {
      slot.ready = true;
      slot.backend = message.backend;
      slot.skipped = message.skipped;
      this.crashStreak = 0;
      this.schedule();
      return;
    }
    const batch = slot.batch;
    if (!batch || batch.id !== message.batchId) return;
    if (message.type === 'progress') {
      const job = batch.jobs[message.index];
      if (job && !job.settled) job.onProgress?.(message.event);
      return;
    }
    slot.batch = undefined;
    if (message.type === 'done') {
      slot.models[batch.model] = message.version;
      batch.jobs.forEach((job, index) => {
        this.settle(job, {
          output: message.outputs[index],
          model: batch.model,
          modelVersion: message.version,
          backend: slot.backend ?? 'unknown',
          batchSize: batch.jobs.length,
          queueMs: (job.startedAt ?? job.enqueuedAt) - job.enqueuedAt,
          runMs: message.runMs,
        });
      });
    } else if (!this.retryAlone(batch)) {
      const code = message.code && Object.hasOwn(ERRORS, message.code) ? (message.code as ErrorCode) : 'MODEL_FAILED';
      const text = code === 'MODEL_FAILED' ? `The ${batch.model} model failed: ${message.message}` : message.message;
      for (const job of batch.jobs) this.settle(job, new AppError(code, text), 'failed');
    }
    this.schedule();
  }

  // ---- requests ----------------------------------------------------------------------------

  private settle(job: Job, outcome: RunResult<unknown> | AppError, label = 'ok'): void {
    if (job.settled) return;
    job.settled = true;
    job.cleanup();
    this.setPending(-1);
    this.metrics.latency.observe({ model: job.model, outcome: label }, (performance.now() - job.enqueuedAt) / 1000);
    this.metrics.requests.inc({ model: job.model, outcome: label });
    if (outcome instanceof AppError) job.reject(outcome);
    else job.resolve(outcome);
  }

  /** Timeout or cancellation: drop a waiting request, or tell the worker running it. */
  private abandon(job: Job, error: AppError, label: string): void {
    if (job.settled) return;
    if (job.batch) {
      const message: ToWorker = { type: 'cancel', batchId: job.batch.id, index: job.index! };
      job.batch.slot.worker.postMessage(message);
    } else {
      const queue = this.queues.get(job.model)!;
      const at = queue.indexOf(job);
      if (at >= 0) queue.splice(at, 1);
      this.metrics.queueDepth.set({ model: job.model }, queue.length);
    }
    this.settle(job, error, label);
  }

  private retryAfterSeconds(model: string): number {
    const spec = this.specs.get(model)!;
    return Math.max(1, Math.ceil(spec.maxWaitMs / 1000));
  }

  // ---- workers -----------------------------------------------------------------------------

  private spawn(): WorkerSlot {
    const workerData: WorkerOptions = { backend: this.options.backend, root: this.root };
    // The path is built at run time on purpose: the bundler must not try to bundle the worker.
    const entry = path.join(this.root, ...WORKER_ENTRY);
    const worker = new Worker(entry, { workerData });
    const slot: WorkerSlot = { id: this.nextWorkerId++, worker, ready: false, backend: null, skipped: [], models: {}, startedAt: Date.now() };
    worker.on('message', (message: FromWorker) => this.onWorkerMessage(slot, message));
    worker.on('error', (error) => this.onWorkerExit(slot, error));
    worker.on('exit', (code) => this.onWorkerExit(slot, new Error(`exited with code ${code}`)));
    // Listeners first, then unref: an idle pool must not keep the process alive.
    if (this.pending === 0) worker.unref();
    return slot;
  }

  private onWorkerExit(slot: WorkerSlot, cause: Error): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return; // already replaced ('error' is followed by 'exit')
    this.slots.splice(at, 1);
    if (slot.batch) {
      const error = new AppError(
        'MODEL_WORKER_CRASHED',
        `The ${slot.batch.model} model stopped unexpectedly while working on your request. It has been restarted; please try again.`,
        { cause },
      );
      for (const job of slot.batch.jobs) this.settle(job, error, 'crashed');
      slot.batch = undefined;
    }
    if (this.closed) return;
    console.error(`[model-server] worker ${slot.id} ${slot.ready ? 'died' : 'failed to start'}: ${cause.message}`);
    this.lastCrash = cause.message;
    this.restarts++;
    this.metrics.workerRestarts.inc();
    // A worker that cannot even start would otherwise be respawned in a tight loop.
    if (!slot.ready) this.crashStreak++;
    const delay = Math.min(30_000, this.crashStreak === 0 ? 0 : 100 * 2 ** this.crashStreak);
    setTimeout(() => {
      if (this.closed) return;
      this.slots.push(this.spawn());
    }, delay).unref();
  }

  private setPending(delta: number): void {
    const before = this.pending;
    this.pending += delta;
    if (before === 0 && this.pending > 0) for (const slot of this.slots) slot.worker.ref();
    if (before > 0 && this.pending === 0) for (const slot of this.slots) slot.worker.unref();
  }
}

const WORKER_ENTRY = ['lib', 'model-server', 'worker-entry.mjs'];

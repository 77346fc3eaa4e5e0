/**
 * The model server: one bounded queue per model in front of a pool of worker threads.
 *
 * A request waits in its model's queue. When a worker is free, the queue hands it up to `maxBatch`
 * requests that arrived within `maxWaitMs`, which run as one batched forward pass. No model holds
 * more than `maxWorkers` workers at once (by default all but one), so a flood of slow requests to
 * one model leaves a worker for the others.
 *
 * Admission: a request is turned away at once (SERVER_BUSY → HTTP 503 + Retry-After) when its
 * queue is full, or when the work ahead of it, at the model's measured cost per request, could not
 * be finished within its timeout anyway; Retry-After is how long that backlog takes to drain.
 * `admit` asks the same question without queueing, so callers can refuse before writing anything.
 *
 * Deadlines: a request that takes too long fails with MODEL_TIMEOUT; a caller that goes away
 * (AbortSignal) is dropped from the queue, or, if already running, told to the worker so long loops
 * can stop. A worker still busy `stopGraceMs` after every caller of its batch has gone is
 * terminated and replaced: no request keeps a worker past its deadline. A worker that dies is
 * replaced and the requests it was running fail cleanly.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError, ERRORS, type ErrorCode } from '@/lib/errors';
import type { BackendPreference } from '@/lib/tfjs/backend';
import { ModelServerMetrics } from './metrics';
import type { FromWorker, ToWorker } from './protocol';
import type { ServableRef } from './servable';
import type { ModelClient, ModelServerHealth, ModelSpec, Named, RunOptions, RunResult } from './types';
import type { WorkerOptions } from './worker';

export interface ModelServerOptions {
  models: readonly ModelSpec[];
  workers: number;
  backend: BackendPreference;
  defaults: Required<Pick<ModelSpec, 'maxBatch' | 'maxWaitMs' | 'queueLimit' | 'timeoutMs'>>;
  /** Project root that model module paths are relative to. */
  root?: string;
  /** How long a worker may go on with a batch nobody waits for before it is terminated (default 2 s). */
  stopGraceMs?: number;
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
  startedAt: number;
  /** Set once every caller in the batch has gone (timed out or cancelled): when they went. */
  abandonedAt?: number;
  /** Terminates the worker if the batch is still running after the grace period. */
  stopTimer?: NodeJS.Timeout;
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
  /** Why the server is terminating this worker, once it is. */
  stopping?: string;
}

type Spec = Required<ModelSpec>;

/** A worker still on a batch this long after its last caller went is reported stuck. */
const STUCK_AFTER_MS = 250;

/** Weight of the newest batch in a model's measured cost per request. */
const COST_SMOOTHING = 0.3;

export class ModelServer implements ModelClient {
  readonly metrics = new ModelServerMetrics();
  private readonly specs = new Map<string, Spec>();
  private readonly queues = new Map<string, Job[]>();
  /** Measured worker time per request (ms), per model: a moving average over its batches. */
  private readonly msPerRequest = new Map<string, number>();
  private readonly slots: WorkerSlot[] = [];
  private readonly stopGraceMs: number;
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
    this.stopGraceMs = options.stopGraceMs ?? 2000;
    const maxWorkers = Math.max(1, options.workers - 1);
    for (const model of options.models) {
      this.specs.set(model.name, { ...options.defaults, maxWorkers, ...model } as Spec);
      this.queues.set(model.name, []);
    }
    for (let i = 0; i < options.workers; i++) this.slots.push(this.spawn());
  }

  run<I, O>(servable: ServableRef<I, O>, input: I, options: RunOptions = {}): Promise<RunResult<O>> {
    const model = servable.name;
    if (options.signal?.aborted) return Promise.reject(new AppError('CANCELLED', 'The request was cancelled.'));
    try {
      this.admitNow(model, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const spec = this.specs.get(model)!;
    const queue = this.queues.get(model)!;

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
        () => this.abandon(job, new AppError('MODEL_TIMEOUT', `The ${model} model did not answer within ${seconds(timeoutMs)}. Please try again.`), 'timeout'),
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

  async admit(servable: Named, options: Pick<RunOptions, 'timeoutMs'> = {}): Promise<void> {
    this.admitNow(servable.name, options);
  }

  private admitNow(model: string, options: Pick<RunOptions, 'timeoutMs'>): void {
    const spec = this.specs.get(model);
    if (!spec) throw new AppError('MODEL_NOT_FOUND', `There is no model called "${model}". Known models: ${[...this.specs.keys()].join(', ')}.`);
    if (this.closed) throw new AppError('MODEL_SERVER_UNREACHABLE', 'The model server is shutting down. Please try again in a moment.');
    const waiting = this.queues.get(model)!.length;
    const ahead = waiting + this.running(model);
    const cost = this.msPerRequest.get(model);
    const timeoutMs = options.timeoutMs ?? spec.timeoutMs;
    // The work ahead of a new request, at the measured cost, shared by the workers it may use.
    const drainMs = cost === undefined ? 0 : (ahead * cost) / this.workersFor(spec);
    const full = waiting >= spec.queueLimit;
    // With nothing ahead a request always gets its chance: its own deadline still applies.
    if (!full && (cost === undefined || ahead === 0 || drainMs + cost <= timeoutMs)) return;
    this.metrics.requests.inc({ model, outcome: 'busy' });
    const why = full ? `${waiting} requests are waiting` : `the ${ahead} requests ahead would take about ${seconds(drainMs)}`;
    throw new AppError('SERVER_BUSY', `The ${model} model is busy: ${why}. Please try again in ${seconds(retryAfterMs(drainMs))}.`, {
      retryAfter: Math.ceil(retryAfterMs(drainMs) / 1000),
    });
  }

  async health(): Promise<ModelServerHealth> {
    const now = performance.now();
    const stuck = new Set(
      this.slots.flatMap((slot) => (slot.batch?.abandonedAt !== undefined && now - slot.batch.abandonedAt > STUCK_AFTER_MS ? [slot.batch.model] : [])),
    );
    return {
      mode: 'embedded',
      ok: !this.closed && this.slots.some((slot) => slot.ready) && stuck.size === 0,
      workers: this.slots.map((slot) => ({
        id: slot.id,
        backend: slot.backend,
        busy: slot.batch !== undefined,
        ...(slot.batch ? { model: slot.batch.model } : {}),
        models: { ...slot.models },
        skipped: slot.skipped,
      })),
      queues: Object.fromEntries(
        [...this.specs.values()].map((spec) => {
          const cost = this.msPerRequest.get(spec.name);
          return [
            spec.name,
            {
              waiting: this.queues.get(spec.name)!.length,
              running: this.running(spec.name),
              limit: spec.queueLimit,
              maxWorkers: this.workersFor(spec),
              ...(cost === undefined ? {} : { msPerRequest: Number(cost.toFixed(1)) }),
              stuck: stuck.has(spec.name),
            },
          ];
        }),
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
    for (const slot of this.slots) {
      if (!slot.batch) continue;
      clearTimeout(slot.batch.stopTimer);
      for (const job of slot.batch.jobs) this.settle(job, error, 'failed');
    }
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
        if (this.busyWorkers(model) >= this.workersFor(spec)) break;
        const waited = performance.now() - queue[0].enqueuedAt;
        const solo = queue[0].solo === true; // retried requests sit at the head of the queue
        if (!solo && queue.length < spec.maxBatch && waited < spec.maxWaitMs) {
          nextWake = Math.min(nextWake, spec.maxWaitMs - waited);
          break;
        }
        // With several workers free, share the waiting requests between them rather than
        // giving one worker everything while the others sit idle.
        const idle = Math.min(this.slots.filter((s) => s.ready && !s.batch).length, this.workersFor(spec) - this.busyWorkers(model));
        const size = solo ? 1 : Math.min(spec.maxBatch, Math.ceil(queue.length / idle));
        this.dispatch(slot, spec, queue.splice(0, size));
        this.metrics.queueDepth.set({ model }, queue.length);
      }
    }
    if (nextWake < Infinity) this.wakeTimer = setTimeout(() => this.schedule(), Math.max(0, nextWake));
  }

  private dispatch(slot: WorkerSlot, spec: Spec, jobs: Job[]): void {
    const now = performance.now();
    const batch: Batch = { id: this.nextBatchId++, model: spec.name, jobs, slot, startedAt: now };
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
    clearTimeout(batch.stopTimer);
    if (message.type === 'done') {
      slot.models[batch.model] = message.version;
      // A batch cut short by cancellation says nothing about what a request costs.
      if (batch.jobs.every((job) => !job.settled)) this.measureCost(batch.model, message.runMs / batch.jobs.length);
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

  /**
   * Timeout or cancellation: drop a waiting request, or tell the worker running it. Once nobody in
   * a running batch is waiting, the worker has `stopGraceMs` to stop before it is terminated.
   */
  private abandon(job: Job, error: AppError, label: string): void {
    if (job.settled) return;
    const batch = job.batch;
    if (batch) {
      const message: ToWorker = { type: 'cancel', batchId: batch.id, index: job.index! };
      batch.slot.worker.postMessage(message);
    } else {
      const queue = this.queues.get(job.model)!;
      const at = queue.indexOf(job);
      if (at >= 0) queue.splice(at, 1);
      this.metrics.queueDepth.set({ model: job.model }, queue.length);
    }
    this.settle(job, error, label);
    if (batch && batch.slot.batch === batch && batch.abandonedAt === undefined && batch.jobs.every((j) => j.settled)) {
      batch.abandonedAt = performance.now();
      batch.stopTimer = setTimeout(() => this.stopWorker(batch), this.stopGraceMs);
      batch.stopTimer.unref();
    }
  }

  /** The worker is still on a batch nobody waits for, past the grace period: end it. */
  private stopWorker(batch: Batch): void {
    const { slot } = batch;
    if (slot.batch !== batch || this.closed) return;
    const ran = seconds(performance.now() - batch.startedAt);
    slot.stopping = `terminated: its ${batch.model} batch ran on for ${ran}, ${seconds(this.stopGraceMs)} after every caller had gone`;
    void slot.worker.terminate();
  }

  /** Requests of `model` running now. */
  private running(model: string): number {
    return this.slots.reduce((n, slot) => n + (slot.batch?.model === model ? slot.batch.jobs.length : 0), 0);
  }

  /** Workers busy with `model` now. */
  private busyWorkers(model: string): number {
    return this.slots.reduce((n, slot) => n + (slot.batch?.model === model ? 1 : 0), 0);
  }

  /** Workers `spec`'s model may hold at once. */
  private workersFor(spec: Spec): number {
    return Math.max(1, Math.min(spec.maxWorkers, this.options.workers));
  }

  private measureCost(model: string, ms: number): void {
    const before = this.msPerRequest.get(model);
    this.msPerRequest.set(model, before === undefined ? ms : before + COST_SMOOTHING * (ms - before));
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
      clearTimeout(slot.batch.stopTimer);
      const error = new AppError(
        'MODEL_WORKER_CRASHED',
        `The ${slot.batch.model} model stopped unexpectedly while working on your request. It has been restarted; please try again.`,
        { cause },
      );
      for (const job of slot.batch.jobs) this.settle(job, error, 'crashed');
      slot.batch = undefined;
    }
    if (this.closed) return;
    const why = slot.stopping ?? cause.message;
    console.error(`[model-server] worker ${slot.id} ${slot.stopping ? 'stopped' : slot.ready ? 'died' : 'failed to start'}: ${why}`);
    this.lastCrash = why;
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

/** "0.4 s", "12 s". */
const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

/** Retry-After: once the backlog has drained, at least a second. */
const retryAfterMs = (drainMs: number) => Math.max(1000, Math.ceil(drainMs / 1000) * 1000);

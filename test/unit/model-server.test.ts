/**
 * The model server as its callers meet it: worker threads running small fixture models
 * (test/fixtures/models), micro-batching, back-pressure, timeouts, cancellation, progress, crashed
 * workers, error codes, the standalone HTTP server with its remote client, the typed-array codec,
 * and the real image-features model.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '@/lib/errors';
import { decode, encode } from '@/lib/model-server/codec';
import { RemoteModelClient } from '@/lib/model-server/remote';
import { ModelServer } from '@/lib/model-server/server';
import { createModelHttpServer } from '@/lib/model-server/standalone';
import type { ModelClient, ModelSpec, ProgressEvent, RunOptions } from '@/lib/model-server/types';
import { FEATURE_DIMS, FEATURE_VERSION, gaborBank, imageFeatures, type ImageFeatureOutput } from '@/models/image-features/model';
import type { CrashInput, CrashOutput } from '../fixtures/models/crash';
import type { EchoInput, EchoOutput } from '../fixtures/models/echo';
import type { FailsInput, FailsOutput } from '../fixtures/models/fails';
import type { HangInput, HangOutput } from '../fixtures/models/hang';
import type { SlowInput, SlowOutput, SlowRecord, SlowRun } from '../fixtures/models/slow';

// ---------------------------------------------------------------------------------------------
// Helpers

const fixture = (name: string, file: string, options: Omit<ModelSpec, 'name' | 'module'> = {}): ModelSpec => ({
  name,
  module: `test/fixtures/models/${file}.ts`,
  ...options,
});

const DEFAULTS = { maxBatch: 8, maxWaitMs: 2, queueLimit: 64, timeoutMs: 10_000 };

function createServer(models: ModelSpec[], workers = 1): ModelServer {
  return new ModelServer({ models, workers, backend: 'cpu', defaults: DEFAULTS, root: process.cwd() });
}

/** The AppError a promise rejects with (fails the test if it resolves or rejects with anything else). */
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected the request to fail').toBeInstanceOf(AppError);
  return caught as AppError;
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error = await rejection(promise);
  expect(error.code, error.message).toBe(code);
  return error;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the slow model, resolving `started` at its first progress event. */
function runSlow(client: ModelClient, model: string, input: SlowRun, options: RunOptions = {}) {
  const events: ProgressEvent[] = [];
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const result = client.run<SlowInput, SlowOutput>({ name: model }, input, {
    ...options,
    onProgress: (event) => {
      events.push(event);
      markStarted();
      options.onProgress?.(event);
    },
  });
  // Keeps an expected rejection from being reported before the test awaits it.
  result.catch(() => undefined);
  return { result, started, events };
}

/** What the slow model's worker remembers about every run it started. */
async function slowRuns(client: ModelClient, model = 'slow'): Promise<Record<string, SlowRecord>> {
  const { output } = await client.run<SlowInput, SlowOutput>({ name: model }, { report: true });
  if (!('runs' in output)) throw new Error('expected a report');
  return output.runs;
}

function norm(vector: Float32Array): number {
  let sum = 0;
  for (const v of vector) sum += v * v;
  return Math.sqrt(sum);
}

/** A deterministic 128×128 RGB test image in [0, 1]: gradients, stripes and a square. */
function testImage(seed: number): Float32Array {
  const size = 128;
  const pixels = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      const inSquare = x > 30 + seed * 7 && x < 90 && y > 40 && y < 100 - seed * 5;
      pixels[i] = inSquare ? 0.9 : x / size;
      pixels[i + 1] = 0.5 + 0.5 * Math.sin((x + y * (seed + 1)) / 6);
      pixels[i + 2] = inSquare ? 0.1 : y / size;
    }
  }
  return pixels;
}

// ---------------------------------------------------------------------------------------------
// The embedded server: one worker, several fixture models

describe('embedded model server', () => {
  let server: ModelServer;

  beforeAll(async () => {
    server = createServer([
      fixture('echo', 'echo', { maxBatch: 32, maxWaitMs: 20 }),
      fixture('echo-single', 'echo', { maxBatch: 1 }),
      fixture('slow', 'slow', { maxBatch: 1 }),
      fixture('slow-limited', 'slow', { maxBatch: 1, timeoutMs: 200 }),
      fixture('slow-busy', 'slow', { maxBatch: 1, queueLimit: 2 }),
      fixture('fails', 'fails', { maxBatch: 8, maxWaitMs: 20 }),
    ]);
    await server.ready();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers every request with its own result, in order, with the model version', async () => {
    const settled: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        server.run<EchoInput, EchoOutput>({ name: 'echo' }, { value: i }).then((result) => {
          settled.push(i);
          return result;
        }),
      ),
    );
    expect(results.map((r) => r.output.value)).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(settled).toEqual([...settled].sort((a, b) => a - b));
    for (const result of results) {
      expect(result).toMatchObject({ model: 'echo', modelVersion: 'echo-v1', backend: 'cpu' });
      expect(result.batchSize).toBeGreaterThanOrEqual(1);
      expect(result.queueMs).toBeGreaterThanOrEqual(0);
      expect(result.runMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('passes typed arrays through intact, and leaves the caller’s arrays usable', async () => {
    const floats = new Float32Array([1.5, -2, 3.25, 1e-3]);
    const ints = new Int32Array([1, -2, 2 ** 20]);
    const a = await server.run<EchoInput, EchoOutput>({ name: 'echo' }, { value: floats });
    const b = await server.run<EchoInput, EchoOutput>({ name: 'echo' }, { value: ints });
    expect(a.output.value).toBeInstanceOf(Float32Array);
    expect(Array.from(a.output.value as Float32Array)).toEqual([3, -4, 6.5, Math.fround(1e-3) * 2]);
    expect(b.output.value).toBeInstanceOf(Int32Array);
    expect(Array.from(b.output.value as Int32Array)).toEqual([2, -4, 2 ** 21]);

    // The input still belongs to the caller: not detached, and it can be sent again.
    expect(Array.from(floats)).toEqual([1.5, -2, 3.25, Math.fround(1e-3)]);
    const again = await server.run<EchoInput, EchoOutput>({ name: 'echo' }, { value: floats });
    expect(Array.from(again.output.value as Float32Array)).toEqual(Array.from(a.output.value as Float32Array));
  });

  it('serves 32 concurrent requests in a few batched forward passes', async () => {
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => server.run<EchoInput, EchoOutput>({ name: 'echo' }, { value: i })));
    expect(results.map((r) => r.output.value)).toEqual(Array.from({ length: 32 }, (_, i) => i * 2));
    const passes = new Set(results.map((r) => r.output.pass));
    expect(passes.size).toBeLessThanOrEqual(4);
    expect(Math.max(...results.map((r) => r.batchSize))).toBeGreaterThan(1);
    // The server's batchSize is what the model saw.
    for (const r of results) expect(r.batchSize).toBe(r.output.batchSize);

    const metrics = await server.metrics.registry.metrics();
    expect(metrics).toMatch(/model_batch_size_count\{model="echo"\} \d+/);
  });

  it('runs every request alone with maxBatch 1', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => server.run<EchoInput, EchoOutput>({ name: 'echo-single' }, { value: i })));
    expect(results.map((r) => r.output.value)).toEqual(Array.from({ length: 8 }, (_, i) => i * 2));
    expect(results.every((r) => r.batchSize === 1 && r.output.batchSize === 1)).toBe(true);
    expect(new Set(results.map((r) => r.output.pass)).size).toBe(8);
  });

  it('reports progress in order, previews included', async () => {
    const { result, events } = runSlow(server, 'slow', { id: 'progress', steps: 5, stepMs: 5, preview: true });
    const { output } = await result;
    expect(output).toMatchObject({ id: 'progress', ran: 5, total: 5 });
    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4, 5]);
    expect(events.every((e) => e.total === 5)).toBe(true);
    expect(events[0].message).toBe('step 1 of 5');
    // Each preview is the model's canvas as it was at that step, still a Float32Array.
    expect(events.map((e) => Array.from(e.preview as Float32Array))).toEqual([[1], [2], [3], [4], [5]]);
  });

  it('turns requests away with SERVER_BUSY and a Retry-After when the queue is full', async () => {
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const running = runSlow(server, 'slow-busy', { id: 'busy-running', steps: 200, stepMs: 10 }, { signal: controllers[0].signal });
    await running.started;
    const waiting = [1, 2].map((n) => runSlow(server, 'slow-busy', { id: `busy-waiting-${n}`, steps: 1, stepMs: 1 }, { signal: controllers[n].signal }));
    expect((await server.health()).queues['slow-busy']).toMatchObject({ waiting: 2, running: 1, limit: 2 });

    const error = await expectCode(server.run({ name: 'slow-busy' }, { id: 'turned-away', steps: 1, stepMs: 1 }), 'SERVER_BUSY');
    expect(error.retryAfter).toBeGreaterThanOrEqual(1);
    expect(error.status).toBe(503);

    for (const controller of controllers) controller.abort();
    await expectCode(running.result, 'CANCELLED');
    for (const w of waiting) await expectCode(w.result, 'CANCELLED');
    // Room again once the queue has drained.
    const after = await server.run<SlowInput, SlowOutput>({ name: 'slow-busy' }, { id: 'busy-after', steps: 1, stepMs: 1 });
    expect(after.output).toMatchObject({ id: 'busy-after', ran: 1 });
    const runs = await slowRuns(server);
    expect(runs['turned-away']).toBeUndefined();
    expect(runs['busy-waiting-1']).toBeUndefined();
  });

  it('fails a request that takes too long with MODEL_TIMEOUT, and keeps serving', async () => {
    const started = performance.now();
    const error = await expectCode(server.run({ name: 'slow-limited' }, { id: 'too-slow', steps: 300, stepMs: 10 }), 'MODEL_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1500);
    expect(error.status).toBe(504);
    // A per-request limit works too.
    await expectCode(server.run({ name: 'slow' }, { id: 'too-slow-2', steps: 300, stepMs: 10 }, { timeoutMs: 100 }), 'MODEL_TIMEOUT');

    const next = await server.run<SlowInput, SlowOutput>({ name: 'slow-limited' }, { id: 'quick', steps: 2, stepMs: 5 });
    expect(next.output).toMatchObject({ id: 'quick', ran: 2 });
    // The worker was told: the timed-out loops stopped early instead of running on.
    const runs = await slowRuns(server);
    expect(runs['too-slow'].cancelledAt).toBeLessThan(300);
    expect(runs['too-slow-2'].cancelledAt).toBeLessThan(300);
  });

  it('drops a request cancelled while it waits: it never runs', async () => {
    const first = runSlow(server, 'slow', { id: 'ahead', steps: 6, stepMs: 10 });
    await first.started;
    const controller = new AbortController();
    const queued = runSlow(server, 'slow', { id: 'never-runs', steps: 3, stepMs: 1 }, { signal: controller.signal });
    expect((await server.health()).queues.slow.waiting).toBe(1);
    controller.abort();
    await expectCode(queued.result, 'CANCELLED');
    expect((await server.health()).queues.slow.waiting).toBe(0);

    expect((await first.result).output).toMatchObject({ id: 'ahead', ran: 6 });
    const runs = await slowRuns(server);
    expect(runs.ahead).toMatchObject({ ran: 6 });
    expect(runs['never-runs']).toBeUndefined();
    expect(queued.events).toEqual([]);

    // Already aborted: refused at once.
    await expectCode(server.run({ name: 'slow' }, { id: 'pre-aborted', steps: 1, stepMs: 1 }, { signal: AbortSignal.abort() }), 'CANCELLED');
  });

  it('tells the model when a running request is cancelled, so it stops early', async () => {
    const controller = new AbortController();
    const running = runSlow(
      server,
      'slow',
      { id: 'stops-early', steps: 500, stepMs: 10 },
      { signal: controller.signal, onProgress: (event) => event.step === 2 && controller.abort() },
    );
    const error = await expectCode(running.result, 'CANCELLED');
    expect(error.status).toBe(499);
    // Queued behind the cancelled loop: answers as soon as the loop has noticed.
    const started = performance.now();
    const runs = await slowRuns(server);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(runs['stops-early'].cancelledAt).toBeGreaterThanOrEqual(2);
    expect(runs['stops-early'].cancelledAt).toBeLessThan(50);
    expect(runs['stops-early'].ran).toBe(runs['stops-early'].cancelledAt);
    expect(running.events.every((e) => e.step <= 2)).toBe(true);
  });

  it('maps model errors to codes: BAD_REQUEST stays, the rest is MODEL_FAILED', async () => {
    const bad = await expectCode(server.run<FailsInput, FailsOutput>({ name: 'fails' }, { bad: true }), 'BAD_REQUEST');
    expect(bad.message).toBe('The value must be a finite number.');
    expect(bad.status).toBe(400);
    const failed = await expectCode(server.run<FailsInput, FailsOutput>({ name: 'fails' }, { fail: true }), 'MODEL_FAILED');
    expect(failed.message).toContain('the forward pass ran out of luck');
    const ok = await server.run<FailsInput, FailsOutput>({ name: 'fails' }, { value: 7 });
    expect(ok.output.value).toBe(7);
  });

  it('does not fail good requests that shared a forward pass with a bad one', async () => {
    const [good, bad, alsoGood] = await Promise.allSettled([
      server.run<FailsInput, FailsOutput>({ name: 'fails' }, { value: 1 }),
      server.run<FailsInput, FailsOutput>({ name: 'fails' }, { bad: true }),
      server.run<FailsInput, FailsOutput>({ name: 'fails' }, { value: 3 }),
    ]);
    expect(good.status === 'fulfilled' && good.value.output.value).toBe(1);
    expect(alsoGood.status === 'fulfilled' && alsoGood.value.output.value).toBe(3);
    expect(bad.status === 'rejected' && (bad.reason as AppError).code).toBe('BAD_REQUEST');
  });

  it('refuses an input that cannot reach a worker thread, and keeps the worker', async () => {
    const uncloneable = { value: 2, callback: () => 1 } as unknown as EchoInput;
    const [good, bad] = await Promise.allSettled([
      server.run<EchoInput, EchoOutput>({ name: 'echo' }, { value: 1 }),
      server.run<EchoInput, EchoOutput>({ name: 'echo' }, uncloneable),
    ]);
    expect(good.status === 'fulfilled' && good.value.output.value).toBe(2);
    expect(bad.status === 'rejected' && (bad.reason as AppError).code).toBe('BAD_REQUEST');
    await expectCode(server.run({ name: 'echo-single' }, uncloneable), 'BAD_REQUEST');
    expect((await server.run<EchoInput, EchoOutput>({ name: 'echo-single' }, { value: 5 })).output.value).toBe(10);
    expect((await server.health()).workers[0].busy).toBe(false);
  });

  it('answers MODEL_NOT_FOUND for a model it does not serve', async () => {
    const error = await expectCode(server.run({ name: 'no-such-model' }, {}), 'MODEL_NOT_FOUND');
    expect(error.message).toContain('echo');
    expect(error.status).toBe(404);
  });

  it('reports its health', async () => {
    const health = await server.health();
    expect(health).toMatchObject({ mode: 'embedded', ok: true, restarts: 0 });
    expect(health.workers).toHaveLength(1);
    expect(health.workers[0]).toMatchObject({ backend: 'cpu', busy: false });
    expect(health.workers[0].models).toMatchObject({ echo: 'echo-v1', slow: 'slow-v1' });
    expect(health.models).toContain('fails');
    expect(health.queues.echo).toMatchObject({ waiting: 0, running: 0, limit: 64, maxWorkers: 1, stuck: false });
    expect(health.queues.echo.msPerRequest).toEqual(expect.any(Number));
  });
});

// ---------------------------------------------------------------------------------------------
// Workers that die

describe('a worker that dies', () => {
  let server: ModelServer;

  afterEach(async () => {
    await server?.close();
  });

  it('fails its in-flight requests with MODEL_WORKER_CRASHED, is replaced, and the server serves on', async () => {
    server = createServer([fixture('crash', 'crash', { maxBatch: 2, maxWaitMs: 20 })]);
    await server.ready();
    const before = await server.run<CrashInput, CrashOutput>({ name: 'crash' }, {});
    expect((await server.health()).restarts).toBe(0);

    // The first two share the forward pass that dies; the third waits in the queue.
    const [crasher, bystander, waiting] = await Promise.allSettled([
      server.run<CrashInput, CrashOutput>({ name: 'crash' }, { crash: true, delayMs: 30 }),
      server.run<CrashInput, CrashOutput>({ name: 'crash' }, { delayMs: 30 }),
      server.run<CrashInput, CrashOutput>({ name: 'crash' }, {}),
    ]);
    for (const outcome of [crasher, bystander]) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as AppError;
      expect(error).toBeInstanceOf(AppError);
      expect(error.code).toBe('MODEL_WORKER_CRASHED');
      expect(error.status).toBe(503);
    }
    // The request that was only waiting ran on the replacement.
    expect(waiting.status).toBe('fulfilled');
    const replacement = (waiting as PromiseFulfilledResult<{ output: CrashOutput }>).value.output.worker;
    expect(replacement).not.toBe(before.output.worker);

    const health = await server.health();
    expect(health.restarts).toBe(1);
    expect(health.lastCrash).toContain('code 1');
    expect(health.ok).toBe(true);
    expect(health.workers).toHaveLength(1);
    const next = await server.run<CrashInput, CrashOutput>({ name: 'crash' }, {});
    expect(next.output).toEqual({ ok: true, worker: replacement });
  });
});

// ---------------------------------------------------------------------------------------------
// Deadlines, per-model limits and admission

describe('a model that will not stop', () => {
  let server: ModelServer;

  afterEach(async () => {
    await server?.close();
  });

  it('has its worker terminated and replaced soon after its caller’s deadline; health says so meanwhile', async () => {
    server = new ModelServer({
      models: [fixture('hang', 'hang', { maxBatch: 1 }), fixture('echo', 'echo')],
      workers: 1,
      backend: 'cpu',
      defaults: DEFAULTS,
      root: process.cwd(),
      stopGraceMs: 500,
    });
    await server.ready();
    const first = await server.run<HangInput, HangOutput>({ name: 'hang' }, { ms: 1 });
    const started = performance.now();
    // Deaf to cancellation for a minute: only terminating its worker ends it.
    await expectCode(server.run({ name: 'hang' }, { ms: 60_000 }, { timeoutMs: 300 }), 'MODEL_TIMEOUT');
    await sleep(350);
    const during = await server.health();
    expect(during.ok).toBe(false);
    expect(during.queues.hang.stuck).toBe(true);

    // The next request (another model) is answered by the replacement worker, well before the minute.
    const after = await server.run<EchoInput, EchoOutput>({ name: 'echo' }, { value: 4 });
    expect(after.output.value).toBe(8);
    expect(performance.now() - started).toBeLessThan(10_000);
    const health = await server.health();
    expect(health).toMatchObject({ ok: true, restarts: 1 });
    expect(health.queues.hang.stuck).toBe(false);
    expect(health.lastCrash).toContain('terminated');
    const again = await server.run<HangInput, HangOutput>({ name: 'hang' }, { ms: 1 });
    expect(again.output.worker).not.toBe(first.output.worker);
  });

  it('never holds every worker: the other models keep answering while it is flooded', async () => {
    server = createServer([fixture('hang', 'hang', { maxBatch: 1, timeoutMs: 30_000 }), fixture('echo', 'echo')], 2);
    await server.ready();
    const flood = Array.from({ length: 4 }, () => server.run<HangInput, HangOutput>({ name: 'hang' }, { ms: 1500 }));
    await sleep(100);
    const health = await server.health();
    expect(health.queues.hang).toMatchObject({ running: 1, waiting: 3, maxWorkers: 1 });
    const started = performance.now();
    expect((await server.run<EchoInput, EchoOutput>({ name: 'echo' }, { value: 1 })).output.value).toBe(2);
    expect(performance.now() - started).toBeLessThan(1000);
    await Promise.all(flood);
  });
});

describe('admission', () => {
  let server: ModelServer;

  afterEach(async () => {
    await server?.close();
  });

  it('turns a request away at once, writing nothing, when the work ahead cannot finish within its timeout', async () => {
    server = createServer([fixture('slow', 'slow', { maxBatch: 1, queueLimit: 100, timeoutMs: 1000 })]);
    await server.ready();
    // Measures the cost of a request: about 200 ms.
    await server.run({ name: 'slow' }, { id: 'measure', steps: 4, stepMs: 50 });
    // Callers with more patience than the 1 s default are admitted one after another.
    const ahead = Array.from({ length: 6 }, (_, i) => runSlow(server, 'slow', { id: `ahead-${i}`, steps: 4, stepMs: 50 }, { timeoutMs: 5000 }));
    // Six requests of 200 ms ahead, one worker: 1.2 s of work, more than the 1 s timeout allows.
    await expect(server.admit({ name: 'slow' })).rejects.toMatchObject({ code: 'SERVER_BUSY' });
    const started = performance.now();
    const error = await expectCode(server.run({ name: 'slow' }, { id: 'turned-away', steps: 4, stepMs: 50 }), 'SERVER_BUSY');
    expect(performance.now() - started).toBeLessThan(50);
    // Retry-After: the backlog's measured drain time (≈ 1.2 s), rounded up.
    expect(error.retryAfter).toBe(2);
    expect(error.message).toMatch(/the 6 requests ahead would take about 1\.\d s/);
    await expect(server.admit({ name: 'slow' }, { timeoutMs: 5000 })).resolves.toBeUndefined();
    for (const a of ahead) await a.result;
    await expect(server.admit({ name: 'slow' })).resolves.toBeUndefined();
    expect((await slowRuns(server))['turned-away']).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Not keeping the process alive

describe('an idle pool', () => {
  it('closes promptly, and refuses work afterwards', async () => {
    const server = createServer([fixture('echo', 'echo')], 2);
    await server.ready();
    await server.run({ name: 'echo' }, { value: 1 });
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(2000);
    await expectCode(server.run({ name: 'echo' }, { value: 1 }), 'MODEL_SERVER_UNREACHABLE');
    await server.close(); // twice is fine
  });

  it('fails requests still waiting at close with MODEL_SERVER_UNREACHABLE', async () => {
    const server = createServer([fixture('slow', 'slow', { maxBatch: 1 })]);
    await server.ready();
    const running = runSlow(server, 'slow', { id: 'at-close', steps: 100, stepMs: 10 });
    const waiting = runSlow(server, 'slow', { id: 'at-close-2', steps: 1, stepMs: 1 });
    await running.started;
    await server.close();
    await expectCode(running.result, 'MODEL_SERVER_UNREACHABLE');
    await expectCode(waiting.result, 'MODEL_SERVER_UNREACHABLE');
  });

  it('does not keep a process alive once its requests are answered', async () => {
    // A script file rather than --eval: worker threads inherit the parent's execArgv, and
    // --input-type would stop them from starting.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'model-server-exit-'));
    const script = path.join(dir, 'idle.mjs');
    await fs.writeFile(
      script,
      `
      import { ModelServer } from ${JSON.stringify(pathToFileURL(path.resolve('lib/model-server/server.ts')).href)};
      const server = new ModelServer({
        models: [{ name: 'echo', module: 'test/fixtures/models/echo.ts' }],
        workers: 2, backend: 'cpu', root: process.cwd(),
        defaults: { maxBatch: 4, maxWaitMs: 2, queueLimit: 8, timeoutMs: 10000 },
      });
      const result = await server.run({ name: 'echo' }, { value: 21 });
      console.log('answer', result.output.value);
      // No close(): the process must still end by itself.
      `,
    );
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), timeout: 30_000 });
      expect(stdout).toContain('answer 42');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The standalone HTTP server and its client

describe('standalone HTTP server with RemoteModelClient', () => {
  let server: ModelServer;
  let httpServer: http.Server;
  let client: RemoteModelClient;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer([fixture('echo', 'echo'), fixture('slow', 'slow', { maxBatch: 1 }), fixture('fails', 'fails')]);
    httpServer = createModelHttpServer(server);
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    client = new RemoteModelClient(baseUrl);
    await server.ready();
  });

  afterAll(async () => {
    httpServer?.closeAllConnections();
    await new Promise((resolve) => httpServer?.close(resolve));
    await server?.close();
  });

  it('runs a model, typed arrays and all', async () => {
    const input = new Float32Array([0.5, -1, 8]);
    const result = await client.run<EchoInput, EchoOutput>({ name: 'echo' }, { value: input });
    expect(result).toMatchObject({ model: 'echo', modelVersion: 'echo-v1', backend: 'cpu', batchSize: 1 });
    expect(result.output.value).toBeInstanceOf(Float32Array);
    expect(Array.from(result.output.value as Float32Array)).toEqual([1, -2, 16]);
  });

  it('streams progress events in order', async () => {
    const { result, events } = runSlow(client, 'slow', { id: 'remote-progress', steps: 4, stepMs: 5, preview: true });
    expect((await result).output).toMatchObject({ id: 'remote-progress', ran: 4 });
    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    expect(events[0].preview).toBeInstanceOf(Float32Array);
    expect(events.map((e) => Array.from(e.preview as Float32Array))).toEqual([[1], [2], [3], [4]]);
  });

  it('keeps error codes across the wire', async () => {
    const bad = await expectCode(client.run({ name: 'fails' }, { bad: true }), 'BAD_REQUEST');
    expect(bad.message).toBe('The value must be a finite number.');
    await expectCode(client.run({ name: 'fails' }, { fail: true }), 'MODEL_FAILED');
    await expectCode(client.run({ name: 'no-such-model' }, {}), 'MODEL_NOT_FOUND');
    await expectCode(client.run({ name: 'slow' }, { id: 'remote-timeout', steps: 300, stepMs: 10 }, { timeoutMs: 100 }), 'MODEL_TIMEOUT');
    // A body that is not JSON: a 400 with a code, not a crash.
    const response = await fetch(`${baseUrl}/v1/models/echo/run`, { method: 'POST', body: '{not json' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });

  it('answers /health and /metrics', async () => {
    const health = await client.health();
    expect(health).toMatchObject({ mode: 'remote', ok: true, restarts: 0 });
    expect(health.models).toEqual(['echo', 'slow', 'fails']);
    const metrics = await client.metricsText();
    expect(metrics).toContain('model_batch_size');
    expect(metrics).toContain('model_queue_depth');
    expect(metrics).toMatch(/model_requests_total\{model="echo",outcome="ok"\} \d+/);
  });

  it('cancels the job on the server when the client aborts', async () => {
    const controller = new AbortController();
    const running = runSlow(
      client,
      'slow',
      { id: 'remote-abort', steps: 500, stepMs: 10 },
      { signal: controller.signal, onProgress: (event) => event.step === 2 && controller.abort() },
    );
    await expectCode(running.result, 'CANCELLED');
    // Queued on the server behind the aborted loop: it answers once the loop has stopped.
    const started = performance.now();
    const runs = await slowRuns(server);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(runs['remote-abort'].cancelledAt).toBeGreaterThanOrEqual(2);
    expect(runs['remote-abort'].cancelledAt).toBeLessThan(100);
    expect(await server.metrics.registry.metrics()).toMatch(/model_requests_total\{model="slow",outcome="cancelled"\} 1/);
  });
});

// ---------------------------------------------------------------------------------------------
// The codec

describe('codec', () => {
  it('round-trips typed arrays nested in objects and arrays, through JSON', () => {
    const value = {
      name: 'sample',
      count: 3,
      empty: null,
      vector: new Float32Array([0.1, -2.5, Number.MAX_VALUE, Number.NEGATIVE_INFINITY]),
      nested: { ids: new Int32Array([-1, 0, 2 ** 31 - 1]), list: [new Uint8Array([0, 255, 7]), 'text', { deep: new Float32Array(0) }] },
    };
    const back = decode(JSON.parse(JSON.stringify(encode(value)))) as typeof value;
    expect(back.name).toBe('sample');
    expect(back.count).toBe(3);
    expect(back.empty).toBeNull();
    expect(back.vector).toBeInstanceOf(Float32Array);
    expect(Array.from(back.vector)).toEqual(Array.from(value.vector));
    expect(back.nested.ids).toBeInstanceOf(Int32Array);
    expect(Array.from(back.nested.ids)).toEqual([-1, 0, 2 ** 31 - 1]);
    expect(back.nested.list[0]).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.nested.list[0] as Uint8Array)).toEqual([0, 255, 7]);
    expect(back.nested.list[1]).toBe('text');
    expect((back.nested.list[2] as { deep: Float32Array }).deep).toEqual(new Float32Array(0));
  });

  it('encodes only the part of the buffer a view covers', () => {
    const whole = new Float32Array([1, 2, 3, 4, 5]);
    const back = decode(JSON.parse(JSON.stringify(encode({ part: whole.subarray(1, 3) })))) as { part: Float32Array };
    expect(Array.from(back.part)).toEqual([2, 3]);
  });

  it('leaves ordinary objects alone, even ones with a key like an inherited property', () => {
    const plain = { constructor: 'AAAA', other: { toString: 'x' }, tagLike: { $f32: 'AAAA', extra: 1 } };
    expect(decode(JSON.parse(JSON.stringify(encode(plain))))).toEqual(plain);
  });
});

// ---------------------------------------------------------------------------------------------
// The real image-features model

describe('image-features model', () => {
  it('returns a 620-dim unit vector, the same one for the same image, without leaking tensors', async () => {
    await tf.setBackend('cpu');
    await tf.ready();
    const bank = gaborBank();
    const image = testImage(0);
    const [first] = imageFeatures([{ pixels: image }], bank);
    expect(FEATURE_DIMS).toBe(620);
    expect(first).toBeInstanceOf(Float32Array);
    expect(first).toHaveLength(620);
    expect(norm(first)).toBeCloseTo(1, 4);

    const tensorsBefore = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const [again] = imageFeatures([{ pixels: image }], bank);
      expect(Array.from(again)).toEqual(Array.from(first));
    }
    // A batch gives each image the features it gets alone.
    const other = testImage(3);
    const [batchedFirst, batchedOther] = imageFeatures([{ pixels: image }, { pixels: other }], bank);
    const [alone] = imageFeatures([{ pixels: other }], bank);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    for (let d = 0; d < 620; d++) {
      expect(batchedFirst[d]).toBeCloseTo(first[d], 5);
      expect(batchedOther[d]).toBeCloseTo(alone[d], 5);
    }
    expect(Array.from(alone)).not.toEqual(Array.from(first));
    bank.dispose();

    expect(() => imageFeatures([{ pixels: new Float32Array(10) }], gaborBank())).toThrow(/128×128/);
  });

  it('serves the same vectors through the model server', async () => {
    const server = createServer([{ name: 'image-features', module: 'models/image-features/model.ts' }]);
    try {
      const image = testImage(1);
      const a = await server.run<{ pixels: Float32Array }, ImageFeatureOutput>({ name: 'image-features' }, { pixels: image });
      const b = await server.run<{ pixels: Float32Array }, ImageFeatureOutput>({ name: 'image-features' }, { pixels: image });
      expect(a.modelVersion).toBe(FEATURE_VERSION);
      expect(a.output.vector).toBeInstanceOf(Float32Array);
      expect(a.output.vector).toHaveLength(620);
      expect(norm(a.output.vector)).toBeCloseTo(1, 4);
      expect(Array.from(b.output.vector)).toEqual(Array.from(a.output.vector));
      await expectCode(server.run({ name: 'image-features' }, { pixels: new Float32Array(12) }), 'BAD_REQUEST');
    } finally {
      await server.close();
    }
  });
});

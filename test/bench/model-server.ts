/**
 * Benchmark: throughput and latency of the image-features model through the ModelServer, with
 * micro-batching (maxBatch 32, maxWaitMs 4) vs one request per forward pass (maxBatch 1), on the
 * WASM backend with 1 and with 2 worker threads.
 *
 * 32 concurrent callers each loop sending requests (random 128×128×3 inputs drawn from a
 * pre-generated pool, so making inputs costs nothing during the timed part) until the fixed total
 * has been sent. A warm-up of the same shape runs first on every server (model load, first
 * kernels), and is not counted.
 *
 *   npx tsx test/bench/model-server.ts [--json] [--requests 512] [--warmup 64] [--callers 32] [--workers 1,2] [--backend wasm|cpu]
 */
import { ModelServer } from '@/lib/model-server/server';
import { IMAGE_FEATURES } from '@/models/image-features';
import { type CpuShare, argValue, intArg, machine, mean, noiseWarning, note, percentile, randomPixels, report, round, table, watchCpu } from './common';

/** tfjs backend of the workers (default wasm). */
const BACKEND = (argValue('backend') ?? 'wasm') as 'wasm' | 'cpu';
const MODEL = IMAGE_FEATURES.name;
const MODULE = 'models/image-features/model.ts';
const CALLERS = intArg('callers', 32);
const REQUESTS = intArg('requests', 512);
const WARMUP = intArg('warmup', 64);
const POOL = 64;
const WORKERS = (argValue('workers') ?? '1,2').split(',').map((w) => Number.parseInt(w, 10));
const MODES = [
  { mode: 'batched', maxBatch: 32, maxWaitMs: 4 },
  { mode: 'unbatched', maxBatch: 1, maxWaitMs: 0 },
] as const;

interface Outcome {
  latencyMs: number;
  batchSize: number;
  queueMs: number;
  runMs: number;
}

interface ConfigResult {
  workers: number;
  mode: string;
  maxBatch: number;
  maxWaitMs: number;
  backend: string;
  startupMs: number;
  requests: number;
  wallMs: number;
  requestsPerSecond: number;
  latencyMs: { mean: number; p50: number; p99: number; max: number };
  queueMsP50: number;
  /** Forward passes during the timed part, and the mean number of requests each served. */
  forwardPasses: number;
  meanBatchSize: number;
  /** Forward passes by batch size, e.g. { "32": 10, "22": 3 }. */
  batchSizes: Record<string, number>;
  /** Mean time of one forward pass inside the worker. */
  meanPassMs: number;
  /** Share of the timed wall time the workers spent in forward passes (100 = never idle). */
  workerBusyPercent: number;
  /** CPU use during the timed part: this process (all threads) and everything else. */
  cpu: CpuShare | null;
}

const pool = randomPixels(POOL, 42);

/** `total` requests from `callers` concurrent loops; returns what each request saw. */
async function drive(server: ModelServer, total: number, callers: number): Promise<{ outcomes: Outcome[]; wallMs: number; backend: string }> {
  let issued = 0;
  let backend = 'unknown';
  const outcomes: Outcome[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      let k = caller * 7;
      while (issued < total) {
        issued++;
        const pixels = pool[k++ % POOL];
        const t0 = performance.now();
        const result = await server.run(IMAGE_FEATURES, { pixels });
        outcomes.push({ latencyMs: performance.now() - t0, batchSize: result.batchSize, queueMs: result.queueMs, runMs: result.runMs });
        backend = result.backend;
      }
    }),
  );
  return { outcomes, wallMs: performance.now() - started, backend };
}

async function measure(workers: number, config: (typeof MODES)[number]): Promise<ConfigResult> {
  note(`model-server: ${workers} worker(s), ${config.mode} (maxBatch ${config.maxBatch}, maxWaitMs ${config.maxWaitMs}) …`);
  const t0 = performance.now();
  const server = new ModelServer({
    // The pool itself, so the one model may use every worker (the app's models keep one free).
    models: [{ name: MODEL, module: MODULE, maxBatch: config.maxBatch, maxWaitMs: config.maxWaitMs, maxWorkers: workers }],
    workers,
    backend: BACKEND,
    defaults: { maxBatch: config.maxBatch, maxWaitMs: config.maxWaitMs, queueLimit: 4 * CALLERS + REQUESTS, timeoutMs: 300_000 },
    root: process.cwd(),
  });
  try {
    await server.ready(120_000);
    const startupMs = performance.now() - t0;
    await drive(server, WARMUP, CALLERS);
    const stopWatch = watchCpu();
    const { outcomes, wallMs, backend } = await drive(server, REQUESTS, CALLERS);
    const cpu = stopWatch();

    const latencies = outcomes.map((o) => o.latencyMs);
    // A batch of b requests shows up b times, each with batchSize b: Σ 1/b counts forward passes.
    const passes = outcomes.reduce((n, o) => n + 1 / o.batchSize, 0);
    const bySize = new Map<number, number>();
    for (const o of outcomes) bySize.set(o.batchSize, (bySize.get(o.batchSize) ?? 0) + 1 / o.batchSize);
    const batchSizes = Object.fromEntries([...bySize].sort(([a], [b]) => b - a).map(([size, n]) => [String(size), Math.round(n)]));
    const passMs = outcomes.reduce((n, o) => n + o.runMs / o.batchSize, 0) / passes;
    return {
      workers,
      mode: config.mode,
      maxBatch: config.maxBatch,
      maxWaitMs: config.maxWaitMs,
      backend,
      startupMs: round(startupMs, 0),
      requests: outcomes.length,
      wallMs: round(wallMs, 0),
      requestsPerSecond: round((outcomes.length * 1000) / wallMs, 1),
      latencyMs: { mean: round(mean(latencies)), p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(Math.max(...latencies)) },
      queueMsP50: round(percentile(outcomes.map((o) => o.queueMs), 50)),
      forwardPasses: Math.round(passes),
      meanBatchSize: round(outcomes.length / passes, 2),
      batchSizes,
      meanPassMs: round(passMs),
      workerBusyPercent: round((100 * passMs * passes) / (workers * wallMs), 1),
      cpu,
    };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const results: ConfigResult[] = [];
  for (const workers of WORKERS) for (const mode of MODES) results.push(await measure(workers, mode));

  const ratios = Object.fromEntries(
    WORKERS.map((workers) => {
      const of = (mode: string) => results.find((r) => r.workers === workers && r.mode === mode)!;
      return [`${workers}w`, round(of('batched').requestsPerSecond / of('unbatched').requestsPerSecond, 2)];
    }),
  );

  const rows: (string | number)[][] = [
    ['workers', 'mode', 'maxBatch', 'maxWaitMs', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'queue p50 ms', 'passes', 'mean batch', 'ms/pass', 'workers busy %', 'startup ms', 'own cores', 'other cores'],
    ...results.map((r) => [
      r.workers,
      r.mode,
      r.maxBatch,
      r.maxWaitMs,
      r.requestsPerSecond,
      r.latencyMs.p50,
      r.latencyMs.p99,
      r.latencyMs.max,
      r.queueMsP50,
      r.forwardPasses,
      r.meanBatchSize,
      r.meanPassMs,
      r.workerBusyPercent,
      r.startupMs,
      r.cpu?.ownCores ?? Number.NaN,
      r.cpu?.otherCores ?? Number.NaN,
    ]),
  ];
  const backends = [...new Set(results.map((r) => r.backend))];
  const text = [
    `image-features through the ModelServer, ${CALLERS} concurrent callers, ${REQUESTS} timed requests per row (after ${WARMUP} warm-up), backend: ${backends.join(', ')}`,
    table(rows),
    ...results
      .filter((r) => r.maxBatch > 1)
      .map((r) => `batch sizes, ${r.workers} worker${r.workers > 1 ? 's' : ''} ${r.mode} (size×passes): ${Object.entries(r.batchSizes).sort(([a], [b]) => Number(b) - Number(a)).map(([size, n]) => `${size}×${n}`).join(' ')}`),
    `batched / unbatched throughput: ${WORKERS.map((w) => `${w} worker${w > 1 ? 's' : ''} ${ratios[`${w}w`]}×`).join(', ')}`,
    ...results.flatMap((r) => noiseWarning(`${r.workers}w ${r.mode}`, r.cpu)),
    ...(backends.some((b) => b !== BACKEND) ? [`WARNING: asked for ${BACKEND}, workers ran on ${backends.join(', ')}`] : []),
  ].join('\n');

  report('model-server', text, {
    benchmark: 'model-server',
    machine: machine(),
    callers: CALLERS,
    requests: REQUESTS,
    warmup: WARMUP,
    results,
    batchedOverUnbatched: ratios,
  });
}

await main();

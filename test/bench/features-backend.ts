/**
 * Benchmark: the image-features computation (`imageFeatures` on a batch of 32 random 128×128 RGB
 * images) in-process, on the WASM backend vs the pure-JS CPU backend.
 *
 * tfjs has one engine per process and `initBackend` runs once, so each backend is measured in a
 * child process of its own (this same file with `--child <backend>`), one after the other.
 *
 *   npx tsx test/bench/features-backend.ts [--json] [--batch 32] [--min-ms 4000]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type CpuShare, argValue, intArg, machine, mean, noiseWarning, note, watchCpu, percentile, randomPixels, report, round, table } from './common';

const BATCH = intArg('batch', 32);
/** A fast backend runs batches until at least this long has passed (and at least MIN_ITERS batches). */
const MIN_MS = intArg('min-ms', 4000);
const MIN_ITERS = 3;
const MAX_ITERS = 200;
const BACKENDS = ['wasm', 'cpu'] as const;
type Backend = (typeof BACKENDS)[number];

interface ChildResult {
  backend: Backend;
  /** What initBackend chose (it falls back to cpu when WASM cannot load). */
  chosen: string;
  tfBackend: string;
  skipped: string[];
  initMs: number;
  firstBatchMs: number;
  batches: number;
  batchMs: { mean: number; p50: number; min: number; max: number };
  /** Share of a batch spent in the colour histogram (plain JS, the same on every backend). */
  colourMsPerBatch: number;
  imagesPerSecond: number;
  /** CPU use during the timed batches: this process and everything else. */
  cpu: CpuShare | null;
  /** The first two feature vectors, to compare the backends' numbers. */
  sample: number[][];
}

async function child(backend: Backend): Promise<void> {
  const t0 = performance.now();
  const { initBackend } = await import('@/lib/tfjs/backend');
  const info = await initBackend(backend);
  const tf = await import('@tensorflow/tfjs');
  const { gaborBank, imageFeatures, colourHistogram } = await import('@/models/image-features/model');
  const bank = gaborBank();
  const initMs = performance.now() - t0;

  const inputs = randomPixels(BATCH, 7).map((pixels) => ({ pixels }));
  let started = performance.now();
  const first = imageFeatures(inputs, bank);
  const firstBatchMs = performance.now() - started;
  // A slow backend (pure-JS cpu: over 10 s a batch) gets no second warm-up and one timed batch,
  // to keep the whole benchmark short; its first batch (shown) tells how much a batch varies.
  const slow = firstBatchMs > 5000;
  if (!slow) imageFeatures(inputs, bank); // second warm-up: kernels and buffers are all in place now
  const minIters = slow ? 1 : MIN_ITERS;
  const maxIters = slow ? 1 : MAX_ITERS;

  const stopWatch = watchCpu();
  const times: number[] = [];
  const begin = performance.now();
  while (times.length < maxIters && (times.length < minIters || performance.now() - begin < MIN_MS)) {
    started = performance.now();
    imageFeatures(inputs, bank);
    times.push(performance.now() - started);
  }
  const cpu = stopWatch();

  started = performance.now();
  const colourRounds = 5;
  for (let r = 0; r < colourRounds; r++) for (const input of inputs) colourHistogram(input.pixels);
  const colourMsPerBatch = (performance.now() - started) / colourRounds;

  const result: ChildResult = {
    backend,
    chosen: info.name,
    tfBackend: tf.getBackend(),
    skipped: info.skipped,
    initMs: round(initMs),
    firstBatchMs: round(firstBatchMs),
    batches: times.length,
    batchMs: { mean: round(mean(times)), p50: round(percentile(times, 50)), min: round(Math.min(...times)), max: round(Math.max(...times)) },
    colourMsPerBatch: round(colourMsPerBatch),
    imagesPerSecond: round((BATCH * 1000) / mean(times), 1),
    cpu,
    sample: first.slice(0, 2).map((v) => Array.from(v)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(backend: Backend): ChildResult {
  note(`features-backend: ${backend} backend, batch ${BATCH}, ≥${MIN_MS} ms …`);
  const file = fileURLToPath(import.meta.url);
  const out = spawnSync(process.execPath, ['--import', 'tsx', file, '--child', backend, '--batch', String(BATCH), '--min-ms', String(MIN_MS)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`the ${backend} child failed (exit ${out.status ?? out.signal})`);
  const line = out.stdout.trim().split('\n').findLast((l) => l.startsWith('{'));
  if (!line) throw new Error(`the ${backend} child printed no result:\n${out.stdout}`);
  return JSON.parse(line) as ChildResult;
}

async function main(): Promise<void> {
  const childBackend = argValue('child');
  if (childBackend) {
    if (!BACKENDS.includes(childBackend as Backend)) throw new Error(`unknown backend ${childBackend}`);
    return child(childBackend as Backend);
  }

  const results = BACKENDS.map(runChild);
  const [wasm, cpu] = results;
  let maxAbsDiff = 0;
  wasm.sample.forEach((vector, i) => vector.forEach((x, d) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(x - cpu.sample[i][d])))));
  const ratio = round(wasm.imagesPerSecond / cpu.imagesPerSecond, 2);

  const rows: (string | number)[][] = [
    ['backend', 'engine', 'batches', 'ms/batch p50', 'ms/batch mean', 'min', 'max', 'first batch ms', 'colour ms/batch', 'images/s', 'own cores', 'other cores'],
    ...results.map((r) => [
      r.backend,
      r.tfBackend,
      r.batches,
      r.batchMs.p50,
      r.batchMs.mean,
      r.batchMs.min,
      r.batchMs.max,
      r.firstBatchMs,
      r.colourMsPerBatch,
      r.imagesPerSecond,
      r.cpu?.ownCores ?? Number.NaN,
      r.cpu?.otherCores ?? Number.NaN,
    ]),
  ];
  const warnings = results.filter((r) => r.tfBackend !== r.backend).map((r) => `WARNING: asked for ${r.backend}, ran on ${r.tfBackend} (${r.skipped.join('; ')})`);
  const text = [
    `imageFeatures() on a batch of ${BATCH} random 128×128×3 images, in-process, one child process per backend`,
    table(rows),
    `wasm / cpu throughput: ${ratio}×    max |wasm − cpu| over 2 feature vectors: ${maxAbsDiff.toExponential(2)}`,
    ...warnings,
    ...results.flatMap((r) => noiseWarning(r.backend, r.cpu)),
  ].join('\n');

  report('features-backend', text, {
    benchmark: 'features-backend',
    machine: machine(),
    batch: BATCH,
    minMsPerBackend: MIN_MS,
    backends: Object.fromEntries(results.map(({ sample: _sample, ...r }) => [r.backend, r])),
    wasmOverCpu: ratio,
    maxAbsDiff,
  });
}

await main();

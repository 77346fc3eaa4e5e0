/**
 * Helpers shared by the benchmarks: argument flags, percentiles, seeded random inputs, a plain
 * text table, and the one place that decides between a table and `--json` output.
 * Not a benchmark itself (test/bench/run.ts runs only the files it names).
 */
import fs from 'node:fs';
import os from 'node:os';
import { ModelServer } from '@/lib/model-server/server';
import { mulberry32 } from '@/lib/random';

export const JSON_MODE = process.argv.includes('--json');

/** Value of `--name value` or `--name=value` on the command line, if given. */
export function argValue(name: string): string | undefined {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) return args[i + 1];
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3);
  }
  return undefined;
}

export function intArg(name: string, fallback: number): number {
  const raw = argValue(name);
  if (raw === undefined) return fallback;
  const value = Number.parseInt(raw, 10);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

/** Nearest-rank percentile (p in [0, 100]) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function mean(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / samples.length;
}

export interface Summary {
  n: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
}

export function summarise(samplesMs: readonly number[]): Summary {
  return {
    n: samplesMs.length,
    meanMs: round(mean(samplesMs)),
    p50Ms: round(percentile(samplesMs, 50)),
    p99Ms: round(percentile(samplesMs, 99)),
    minMs: round(Math.min(...samplesMs)),
    maxMs: round(Math.max(...samplesMs)),
  };
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Seeded, so every run and every backend sees the same inputs. */
export const rng = mulberry32;

/** `count` distinct random 128×128×3 images in [0, 1]. */
export function randomPixels(count: number, seed = 1, size = 128): Float32Array[] {
  const next = rng(seed);
  return Array.from({ length: count }, () => {
    const pixels = new Float32Array(size * size * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = next();
    return pixels;
  });
}

/**
 * A monospace table: the first row is the header. Numbers are right-aligned; a column whose
 * numbers are all whole is printed without decimals, any other with 2 (1 from 100 up).
 */
export function table(rows: (string | number)[][]): string {
  const body = rows.slice(1);
  const columns = rows[0].length;
  const numeric = Array.from({ length: columns }, (_, c) => body.every((row) => typeof row[c] === 'number'));
  const whole = Array.from({ length: columns }, (_, c) => body.every((row) => typeof row[c] !== 'number' || Number.isInteger(row[c])));
  const cells = rows.map((row, r) => row.map((cell, c) => (typeof cell === 'number' && r > 0 ? formatNumber(cell, whole[c]) : String(cell))));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]) => row.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function formatNumber(value: number, whole: boolean): string {
  if (!Number.isFinite(value)) return '—';
  const digits = whole ? 0 : Math.abs(value) >= 100 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Where the figures were taken: enough to compare two runs fairly. */
export function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
  };
}

export interface CpuShare {
  /** Cores this process (all its threads) kept busy on average. */
  ownCores: number;
  /** Cores everything else on the machine kept busy on average: other people's work is noise. */
  otherCores: number;
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat; null elsewhere. */
function machineBusySeconds(): number | null {
  try {
    const [user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * Starts watching CPU use; the returned function says how many cores this process and everything
 * else kept busy meanwhile. The figures are only fair when `otherCores` is near 0.
 */
export function watchCpu(): () => CpuShare | null {
  const start = machineBusySeconds();
  const own = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const end = machineBusySeconds();
    if (start === null || end === null) return null;
    const wall = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(own);
    const ownSeconds = (used.user + used.system) / 1e6;
    return { ownCores: round(ownSeconds / wall), otherCores: round(Math.max(0, (end - start - ownSeconds) / wall)) };
  };
}

/** A line warning that other work on the machine disturbed the figures, or nothing. */
export function noiseWarning(label: string, share: CpuShare | null): string[] {
  if (!share || share.otherCores < 0.2) return [];
  return [`NOTE (${label}): other processes (or VM steal) kept ${share.otherCores} of ${os.availableParallelism()} cores busy meanwhile; these figures are disturbed`];
}

/** Prints `text` (table mode) or `figures` as one JSON object on stdout (`--json`). */
export function report(title: string, text: string, figures: unknown): void {
  if (JSON_MODE) {
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } else {
    process.stdout.write(`\n== ${title} ==\n${text}\n`);
  }
}

/** Progress lines go to stderr, so `--json` stdout stays one JSON object. */
export function note(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * Runs `body` against a model server with one worker (one core, WASM) serving one model, then
 * closes the server: how the latency benchmarks measure a model "through the model server".
 */
export async function withOneWorker<T>(model: { name: string; module: string; maxBatch: number }, body: (server: ModelServer) => Promise<T>, timeoutMs = 120_000): Promise<T> {
  note(`${model.name}: starting a model server with one worker …`);
  const server = new ModelServer({
    models: [model],
    workers: 1,
    backend: 'wasm',
    defaults: { maxBatch: model.maxBatch, maxWaitMs: 0, queueLimit: 8, timeoutMs },
    root: process.cwd(),
  });
  try {
    await server.ready(120_000);
    return await body(server);
  } finally {
    await server.close();
  }
}

/**
 * Benchmark: one-shot variants and classification with the committed one-shot model, warm,
 * through the ModelServer with one worker (one core), next to the same variants made in this
 * process without the server. The target: 16 variants in ≤ 1 s on one core.
 *
 * The drawing is a real character: run 1's first test image, parsed into pen paths as an upload is.
 * Rows: 1, 9 and 16 variants through the server (one progress event, with its packed bitmap, per
 * variant); 16 in-process; "which character" over run 1's 20 characters. Each row: a warm-up
 * request, then `--repeats` requests with fresh seeds, one at a time.
 *
 *   npx tsx test/bench/oneshot.ts [--json] [--repeats 20]
 */
import { decodeOmniglotPng, loadOneShotRuns, OMNIGLOT_SIZE } from '@/lib/datasets';
import type { Drawing } from '@/lib/strokes';
import { ONESHOT, type ClassifyOutput, type VariantsOutput } from '@/models/oneshot';
import { parseImage } from '@/models/oneshot/parse';
import { loadServedModel, makeVariants } from '@/models/oneshot/serve';
import { type CpuShare, intArg, machine, noiseWarning, note, percentile, report, round, summarise, table, watchCpu, type Summary, withOneWorker } from './common';

const MODEL = ONESHOT;
const REPEATS = intArg('repeats', 20);
const TARGET_MS = 1000;

interface Row {
  what: string;
  where: 'model server, 1 worker' | 'in process';
  count: number;
  /** Progress events (one per variant) that reached the caller. */
  progressEvents: number;
  latency: Summary & { p95Ms: number };
  cpu: CpuShare | null;
}

async function timed(once: (seed: number) => Promise<number>): Promise<Pick<Row, 'latency' | 'progressEvents' | 'cpu'>> {
  await once(0); // warm-up
  const times: number[] = [];
  let progressEvents = 0;
  const stopWatch = watchCpu();
  for (let r = 1; r <= REPEATS; r++) {
    const t0 = performance.now();
    progressEvents = await once(r);
    times.push(performance.now() - t0);
  }
  return { latency: { ...summarise(times), p95Ms: round(percentile(times, 95)) }, progressEvents, cpu: stopWatch() };
}

async function throughServer(drawing: Drawing): Promise<Row[]> {
  return withOneWorker({ ...MODEL, maxBatch: 1 }, async (server) => {
    const rows: Row[] = [];
    for (const count of [1, 9, 16]) {
      note(`oneshot: ${count} variant(s) through the server …`);
      const result = await timed(async (seed) => {
        let events = 0;
        const run = await server.run(MODEL, { task: 'variants', drawing, count, seed }, { onProgress: () => events++ });
        const output = run.output as VariantsOutput;
        if (output.bitmaps.length !== count) throw new Error(`asked for ${count} variants, got ${output.bitmaps.length}`);
        return events;
      });
      rows.push({ what: 'variants', where: 'model server, 1 worker', count, ...result });
    }
    note('oneshot: which character (run 1) through the server …');
    const classified = await timed(async () => {
      const run = await server.run(MODEL, { task: 'classify', drawing, run: 1 });
      if ((run.output as ClassifyOutput).ranking.length !== 20) throw new Error('expected a ranking of 20 characters');
      return 0;
    });
    rows.push({ what: 'which character (20 of run 1)', where: 'model server, 1 worker', count: 20, ...classified });
    return rows;
  });
}

async function inProcess(drawing: Drawing): Promise<Row> {
  note('oneshot: 16 variants in this process …');
  const { model } = await loadServedModel();
  const result = await timed(async (seed) => {
    let events = 0;
    await makeVariants(model, { drawing, count: 16, seed }, { onVariant: () => void events++ });
    return events;
  });
  return { what: 'variants', where: 'in process', count: 16, ...result };
}

async function main(): Promise<void> {
  const [run] = await loadOneShotRuns();
  const drawing = parseImage(await decodeOmniglotPng(run.test[0].png), OMNIGLOT_SIZE);
  const rows = [...(await throughServer(drawing)), await inProcess(drawing)];
  const served16 = rows.find((r) => r.what === 'variants' && r.where !== 'in process' && r.count === 16)!;
  const local16 = rows.find((r) => r.where === 'in process')!;
  const ratio = round(served16.latency.p50Ms / TARGET_MS, 3);
  const overhead = round(served16.latency.p50Ms / local16.latency.p50Ms, 2);
  const text = [
    `One-shot model (committed checkpoint), run 1's item01 parsed into ${drawing.length} pen paths, ${REPEATS} requests per row after one warm-up, one worker`,
    table([
      ['what', 'where', 'count', 'progress events', 'p50 ms', 'p95 ms', 'mean ms', 'max ms', 'p50 / target', 'own cores', 'other cores'],
      ...rows.map((r) => [
        r.what,
        r.where,
        r.count,
        r.progressEvents,
        r.latency.p50Ms,
        r.latency.p95Ms,
        r.latency.meanMs,
        r.latency.maxMs,
        r.what === 'variants' ? round(r.latency.p50Ms / TARGET_MS, 3) : Number.NaN,
        r.cpu?.ownCores ?? Number.NaN,
        r.cpu?.otherCores ?? Number.NaN,
      ]),
    ]),
    `16 variants through the server: p50 ${served16.latency.p50Ms} ms, p95 ${served16.latency.p95Ms} ms against the ${TARGET_MS} ms target (${ratio}× the target: ${served16.latency.p95Ms <= TARGET_MS ? 'met' : 'NOT met'}); server / in-process: ${overhead}×`,
    ...rows.flatMap((r) => noiseWarning(`${r.what}, ${r.count}`, r.cpu)),
  ].join('\n');
  report('oneshot', text, { benchmark: 'oneshot', machine: machine(), repeats: REPEATS, targetMs: TARGET_MS, rows, p50OverTarget: ratio, serverOverInProcess: overhead });
}

await main();

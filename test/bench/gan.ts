/**
 * Benchmark: GAN samples with the committed MNIST generator, warm, through the ModelServer with one
 * worker (one core), next to the same forward pass in this process. The target: 64 samples
 * in ≤ 150 ms on one core.
 *
 * Rows: 1, 16 and 64 samples, an 8-step walk and 8 variations through the server; 64 in-process.
 * Each row: a warm-up request, then `--repeats` requests with fresh seeds, one at a time.
 *
 *   npx tsx test/bench/gan.ts [--json] [--repeats 20]
 */
import { initBackend } from '@/lib/tfjs/backend';
import { checkpointDir, loadGenerator } from '@/models/gan/checkpoint';
import { GAN_SERVABLES, type GanInput } from '@/models/gan';
import { latentsFromSeeds } from '@/models/gan/model';
import { type CpuShare, intArg, machine, noiseWarning, note, percentile, report, round, summarise, table, watchCpu, type Summary, withOneWorker } from './common';

const MODEL = GAN_SERVABLES['gan-mnist'];
const REPEATS = intArg('repeats', 20);
const TARGET_MS = 150;

interface Row {
  what: string;
  where: 'model server, 1 worker' | 'in process';
  images: number;
  latency: Summary & { p95Ms: number };
  cpu: CpuShare | null;
}

async function timed(once: (seed: number) => Promise<void>): Promise<Pick<Row, 'latency' | 'cpu'>> {
  await once(0); // warm-up
  const times: number[] = [];
  const stopWatch = watchCpu();
  for (let r = 1; r <= REPEATS; r++) {
    const t0 = performance.now();
    await once(r * 1000);
    times.push(performance.now() - t0);
  }
  return { latency: { ...summarise(times), p95Ms: round(percentile(times, 95)) }, cpu: stopWatch() };
}

async function throughServer(): Promise<Row[]> {
  return withOneWorker({ ...MODEL, maxBatch: 16 }, async (server) => {
    const rows: Row[] = [];
    const run = async (what: string, images: number, input: (seed: number) => GanInput) => {
      note(`gan: ${what} through the server …`);
      const result = await timed(async (seed) => {
        const answer = await server.run(MODEL, input(seed));
        if (answer.output.images.length !== images) throw new Error(`asked for ${images} images, got ${answer.output.images.length}`);
      });
      rows.push({ what, where: 'model server, 1 worker', images, ...result });
    };
    for (const count of [1, 16, 64]) await run('samples', count, (seed) => ({ task: 'samples', count, seed }));
    await run('walk, 8 steps', 8, (seed) => ({ task: 'interpolate', from: { seed }, to: { seed: seed + 1 }, steps: 8 }));
    await run('8 variations', 8, (seed) => ({ task: 'vary', latent: { seed }, count: 8, seed: seed + 1, amount: 0.3 }));
    return rows;
  }, 60_000);
}

async function inProcess(): Promise<Row> {
  note('gan: 64 samples in this process …');
  await initBackend('wasm');
  const { gan } = await loadGenerator(checkpointDir('mnist'));
  const result = await timed(async (seed) => {
    gan.sample(latentsFromSeeds(seed, 64, gan.config.latent));
  });
  gan.dispose();
  return { what: 'samples', where: 'in process', images: 64, ...result };
}

const rows = [...(await throughServer()), await inProcess()];
const served64 = rows.find((r) => r.what === 'samples' && r.where !== 'in process' && r.images === 64)!;
const local64 = rows.find((r) => r.where === 'in process')!;
const ratio = round(served64.latency.p50Ms / TARGET_MS, 3);
const overhead = round(served64.latency.p50Ms / local64.latency.p50Ms, 2);
const text = [
  `DCGAN on MNIST (committed checkpoint), ${REPEATS} requests per row after one warm-up, one worker`,
  table([
    ['what', 'where', 'images', 'p50 ms', 'p95 ms', 'mean ms', 'max ms', 'own cores', 'other cores'],
    ...rows.map((r) => [r.what, r.where, r.images, r.latency.p50Ms, r.latency.p95Ms, r.latency.meanMs, r.latency.maxMs, r.cpu?.ownCores ?? Number.NaN, r.cpu?.otherCores ?? Number.NaN]),
  ]),
  `64 samples through the server: p50 ${served64.latency.p50Ms} ms, p95 ${served64.latency.p95Ms} ms against the ${TARGET_MS} ms target (${ratio}× the target: ${served64.latency.p95Ms <= TARGET_MS ? 'met' : 'NOT met'}); server / in-process: ${overhead}×`,
  ...rows.flatMap((r) => noiseWarning(`${r.what}, ${r.images}`, r.cpu)),
].join('\n');
report('gan', text, { benchmark: 'gan', machine: machine(), repeats: REPEATS, targetMs: TARGET_MS, rows, p50OverTarget: ratio, serverOverInProcess: overhead });

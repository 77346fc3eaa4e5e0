/**
 * Benchmark: alignDRAW training throughput (MNIST with Captions, DEFAULT_CONFIG, batches of 32 a
 * core) on one core, and data-parallel on two (parallel.ts: this thread and a worker, a batch
 * each, one update from their averaged gradients; what `train.ts --copies 2` does), next to one
 * core with the doubled batch of 64, to tell the parallel gain from the larger batch's.
 * Every row trains a fresh model from the same seed for `--steps` updates after two warm-up ones.
 *
 *   npx tsx test/bench/caption-training.ts [--json] [--steps 8]
 */
import { initBackend } from '@/lib/tfjs/backend';
import { AlignDraw, DEFAULT_CONFIG } from '@/models/align-draw/model';
import { captionedMnist, loadMnistDigitSplits } from '@/models/align-draw/data';
import { DataParallelTrainer } from '@/models/align-draw/parallel';
import { CaptionTokenizer, MNIST_CHECKPOINT_DIR } from '@/models/align-draw/tokenizer';
import { type CpuShare, intArg, machine, noiseWarning, note, report, round, table, watchCpu } from './common';

const STEPS = intArg('steps', 8);
const BATCH = 32;

await initBackend('wasm');
const tokenizer = CaptionTokenizer.load(MNIST_CHECKPOINT_DIR);
const digits = await loadMnistDigitSplits();
const batchesOf = (count: number) => Promise.all(
  Array.from({ length: STEPS + 2 }, async (_, i) => {
    const batch = captionedMnist(digits, { split: 'train', count, seed: 1000 + i });
    return { images: batch.images, tokens: await Promise.all(batch.captions.map(async (c) => (await tokenizer.encode(c)).ids)) };
  }),
);

const single = await batchesOf(BATCH);
const double = await batchesOf(2 * BATCH);

interface Row {
  cores: number;
  batch: number;
  msPerStep: number;
  examplesPerSecond: number;
  cpu: CpuShare | null;
}

async function measure(copies: number, batches: typeof single): Promise<Row> {
  const batch = batches[0].tokens.length;
  note(`caption-training: ${copies} core(s), batch ${batch} …`);
  const model = new AlignDraw({ ...DEFAULT_CONFIG, vocabularySize: tokenizer.size }, 1);
  const trainer = await DataParallelTrainer.start(model, copies);
  try {
    for (let i = 0; i < 2; i++) await trainer.step(batches[i].images, batches[i].tokens, i);
    const stopWatch = watchCpu();
    const t0 = performance.now();
    for (let i = 2; i < STEPS + 2; i++) await trainer.step(batches[i].images, batches[i].tokens, i);
    const ms = (performance.now() - t0) / STEPS;
    return { cores: copies, batch, msPerStep: round(ms, 0), examplesPerSecond: round((1000 * batch) / ms, 1), cpu: stopWatch() };
  } finally {
    await trainer.close();
    model.dispose();
  }
}

const rows = [await measure(1, single), await measure(1, double), await measure(2, double)];
const speedup = round(rows[2].examplesPerSecond / rows[0].examplesPerSecond, 2);
const overLargerBatch = round(rows[2].examplesPerSecond / rows[1].examplesPerSecond, 2);
const text = [
  `alignDRAW training updates (${STEPS} timed after 2 warm-up), WASM, one thread per core; with 2 cores each takes ${BATCH} of the batch`,
  table([['cores', 'batch', 'ms / update', 'examples / s', 'own cores', 'other cores'], ...rows.map((r) => [r.cores, r.batch, r.msPerStep, r.examplesPerSecond, r.cpu?.ownCores ?? Number.NaN, r.cpu?.otherCores ?? Number.NaN])]),
  `two cores (2 × ${BATCH}) / one core (${BATCH}): ${speedup}×; / one core with the batch of ${2 * BATCH}: ${overLargerBatch}×`,
  ...rows.flatMap((r) => noiseWarning(`${r.cores} core(s)`, r.cpu)),
].join('\n');
report('caption-training', text, { benchmark: 'caption-training', machine: machine(), batch: BATCH, steps: STEPS, rows, speedup, overLargerBatch });

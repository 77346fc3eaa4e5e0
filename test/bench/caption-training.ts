/**
 * Benchmark: alignDRAW training throughput (MNIST with Captions, DEFAULT_CONFIG, batches of 32) on
 * one core, and data-parallel on two (parallel.ts: this thread and a worker, half a batch each).
 * Every row trains a fresh model from the same seed for `--steps` steps after two warm-up steps.
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
const batches = await Promise.all(
  Array.from({ length: STEPS + 2 }, async (_, i) => {
    const batch = captionedMnist(digits, { split: 'train', count: BATCH, seed: 1000 + i });
    return { images: batch.images, tokens: await Promise.all(batch.captions.map(async (c) => (await tokenizer.encode(c)).ids)) };
  }),
);

interface Row {
  cores: number;
  msPerStep: number;
  examplesPerSecond: number;
  cpu: CpuShare | null;
}

async function measure(copies: number): Promise<Row> {
  note(`caption-training: ${copies} core(s) …`);
  const model = new AlignDraw({ ...DEFAULT_CONFIG, vocabularySize: tokenizer.size }, 1);
  const trainer = await DataParallelTrainer.start(model, copies);
  try {
    for (let i = 0; i < 2; i++) await trainer.step(batches[i].images, batches[i].tokens, i);
    const stopWatch = watchCpu();
    const t0 = performance.now();
    for (let i = 2; i < STEPS + 2; i++) await trainer.step(batches[i].images, batches[i].tokens, i);
    const ms = (performance.now() - t0) / STEPS;
    return { cores: copies, msPerStep: round(ms, 0), examplesPerSecond: round((1000 * BATCH) / ms, 1), cpu: stopWatch() };
  } finally {
    await trainer.close();
    model.dispose();
  }
}

const rows = [await measure(1), await measure(2)];
const speedup = round(rows[1].examplesPerSecond / rows[0].examplesPerSecond, 2);
const text = [
  `alignDRAW training steps (batch ${BATCH}, ${STEPS} timed steps after 2 warm-up), WASM, one thread per core`,
  table([['cores', 'ms / step', 'examples / s', 'own cores', 'other cores'], ...rows.map((r) => [r.cores, r.msPerStep, r.examplesPerSecond, r.cpu?.ownCores ?? Number.NaN, r.cpu?.otherCores ?? Number.NaN])]),
  `two cores / one: ${speedup}×`,
  ...rows.flatMap((r) => noiseWarning(`${r.cores} core(s)`, r.cpu)),
].join('\n');
report('caption-training', text, { benchmark: 'caption-training', machine: machine(), batch: BATCH, steps: STEPS, rows, speedup });

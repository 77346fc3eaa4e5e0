/**
 * Benchmark: time to draw 16 samples of one caption with a committed alignDRAW checkpoint (MNIST:
 * 60×60 grey canvas; `--model align-draw-flickr`: 32×32 colour, a Flickr8k sentence; all drawing
 * steps), warm, through the ModelServer with one WASM worker, next to the same drawing in this
 * process without the server (what the server, the step previews and the worker messages add).
 * The target is ≤ 1 s on one core for either.
 *
 * Rows: samples 1, 4 and 16 through the server; 16 in-process. Each row: a warm-up drawing, then
 * `--repeats` drawings with fresh seeds, one at a time.
 *
 *   npx tsx test/bench/caption.ts [--json] [--repeats 10] [--model align-draw-mnist|align-draw-corel|align-draw-flickr]
 */
import { parseFlags } from '@/lib/cli/progress';
import type { RunResult } from '@/lib/model-server/types';
import { initBackend } from '@/lib/tfjs/backend';
import { CAPTION_MODELS, CAPTION_SERVABLES, type CaptionModel, type DrawInput, type Drawing } from '@/models/align-draw';
import { draw, loadCaptionModel } from '@/models/align-draw/serve';
import { type CpuShare, intArg, machine, noiseWarning, note, report, round, summarise, table, watchCpu, type Summary, withOneWorker } from './common';

/** A caption each model reads whole, of a typical length for it. */
const CAPTIONS: Record<CaptionModel, string> = {
  'align-draw-mnist': 'the digit 3 is on the left of the digit 5',
  'align-draw-corel': 'sky water tree',
  'align-draw-flickr': 'A little girl in a pink dress is climbing up a set of stairs',
};
const modelName = String(parseFlags().get('model') ?? 'align-draw-mnist') as CaptionModel;
if (!CAPTION_MODELS.includes(modelName)) throw new Error(`--model must be one of ${CAPTION_MODELS.join(', ')}`);
const MODEL = CAPTION_SERVABLES[modelName];
const CAPTION = CAPTIONS[modelName];
/**
 * The longest caption the free-text model takes, in the most tokens: 200 characters, each
 * punctuation mark its own piece (200 pieces for the language LSTM and every alignment to read).
 */
const WORST_CAPTION = `a${'.,'.repeat(99)}.`;
const REPEATS = intArg('repeats', 10);
const TARGET_MS = 1000;

interface Row {
  where: 'model server, 1 worker' | 'in process' | 'server, longest caption';
  samples: number;
  steps: number;
  /** Progress events (one per drawing step) that reached the caller. */
  progressEvents: number;
  latency: Summary;
  cpu: CpuShare | null;
}

async function timed(samples: number, drawOnce: (input: DrawInput) => Promise<number>, caption = CAPTION): Promise<{ latency: Summary; progressEvents: number; cpu: CpuShare | null }> {
  await drawOnce({ caption, samples, seed: 0 }); // warm-up: kernels, first allocation
  const times: number[] = [];
  let progressEvents = 0;
  const stopWatch = watchCpu();
  for (let r = 1; r <= REPEATS; r++) {
    const t0 = performance.now();
    progressEvents = await drawOnce({ caption, samples, seed: r });
    times.push(performance.now() - t0);
  }
  return { latency: summarise(times), progressEvents, cpu: stopWatch() };
}

async function throughServer(): Promise<Row[]> {
  return withOneWorker({ ...MODEL, maxBatch: 1 }, async (server) => {
    const rows: Row[] = [];
    for (const samples of [1, 4, 16]) {
      note(`caption: ${samples} sample(s) through the server …`);
      let steps = 0;
      const result = await timed(samples, async (input) => {
        let events = 0;
        const run: RunResult<Drawing> = await server.run(MODEL, input, { onProgress: () => events++ });
        steps = run.output.steps;
        return events;
      });
      rows.push({ where: 'model server, 1 worker', samples, steps, ...result });
    }
    if (modelName === 'align-draw-flickr') {
      note('caption: 16 samples of the longest caption through the server …');
      let steps = 0;
      const result = await timed(
        16,
        async (input) => {
          let events = 0;
          const run: RunResult<Drawing> = await server.run(MODEL, input, { onProgress: () => events++ });
          steps = run.output.steps;
          if (run.output.words.length !== WORST_CAPTION.length) throw new Error(`the longest caption read as ${run.output.words.length} pieces, not ${WORST_CAPTION.length}`);
          return events;
        },
        WORST_CAPTION,
      );
      rows.push({ where: 'server, longest caption', samples: 16, steps, ...result });
    }
    return rows;
  });
}

async function inProcess(): Promise<Row> {
  note('caption: 16 samples in this process …');
  await initBackend('wasm');
  const loaded = await loadCaptionModel(MODEL.checkpoint);
  const result = await timed(16, async (input) => {
    let events = 0;
    await draw(loaded, input, { onStep: () => void events++ });
    return events;
  });
  return { where: 'in process', samples: 16, steps: loaded.model.config.steps, ...result };
}

async function main(): Promise<void> {
  const rows = [...(await throughServer()), await inProcess()];
  const served16 = rows.find((r) => r.where === 'model server, 1 worker' && r.samples === 16)!;
  const local16 = rows.find((r) => r.where === 'in process')!;
  const overhead = round(served16.latency.p50Ms / local16.latency.p50Ms, 2);
  const text = [
    `alignDRAW (${modelName}, committed checkpoint), caption "${CAPTION}", ${REPEATS} drawings per row after one warm-up, WASM backend, one thread`,
    table([
      ['where', 'samples', 'steps', 'step events', 'p50 ms', 'mean ms', 'max ms', 'ms / sample', 'own cores', 'other cores'],
      ...rows.map((r) => [r.where, r.samples, r.steps, r.progressEvents, r.latency.p50Ms, r.latency.meanMs, r.latency.maxMs, round(r.latency.p50Ms / r.samples, 1), r.cpu?.ownCores ?? Number.NaN, r.cpu?.otherCores ?? Number.NaN]),
    ]),
    `16 samples through the server: p50 ${served16.latency.p50Ms} ms against the ${TARGET_MS} ms target (${served16.latency.p50Ms <= TARGET_MS ? 'met' : 'NOT met'}); server / in-process: ${overhead}×`,
    ...rows.flatMap((r) => noiseWarning(`${r.where}, ${r.samples}`, r.cpu)),
  ].join('\n');
  report('caption', text, { benchmark: 'caption', machine: machine(), model: modelName, caption: CAPTION, repeats: REPEATS, targetMs: TARGET_MS, rows, serverOverInProcess: overhead });
}

await main();

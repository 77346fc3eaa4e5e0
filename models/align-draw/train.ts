/**
 * Trains alignDRAW by maximising the variational lower bound (Adam), on MNIST with Captions (fresh
 * canvases every batch from the training digit images only), with `--data corel` on Corel-5k
 * photos at 32×32 captioned by their tags, or with `--data flickr` on Flickr8k photos at 32×32 with
 * their sentences (training split only; the WordPiece tokenizer is learned from the training
 * sentences when a run starts and kept in the run directory). Resumable: the run directory keeps
 * float32 weights and Adam's moments, saved every few minutes and on Ctrl-C; running the same
 * command again continues where it stopped. `--export [DIR]` writes the float16 weights a page
 * serves (by default to the model's checkpoint folder), with meta.json, next to the tokenizer.
 *
 *   npx tsx models/align-draw/train.ts [--data mnist|corel|flickr] [--run data/runs/align-draw[-corel|-flickr]]
 *                                      [--minutes 120] [--batch 32] [--seed 1] [--copies 2] [--learning-rate 3e-4]
 *                                      [--export [DIR]]
 *
 * `--copies 2` trains on two cores when the machine has nothing else to do (data-parallel, parallel.ts:
 * each update averages the gradients of two batches, one a core). `--learning-rate` sets Adam's step
 * size from here on (default: the run's own, 1e-3 for a new one): lower it once the held-out bound
 * stops improving.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { log, parseFlags, ProgressBar, formatSeconds } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { mean } from '@/models/blocks/statistics';
import { corelExamples, corelSplit, corelTrainingBatch, loadCorelCanvases } from './corel-data';
import { flickrExamples, flickrSplit, flickrTrainingBatch, loadFlickrCanvases, trainingSentences } from './flickr-data';
import { batchSeed, captionedMnist, loadMnistDigitSplits } from './data';
import { DataParallelTrainer } from './parallel';
import { AlignDraw, COREL_CONFIG, DEFAULT_CONFIG, FLICKR_CONFIG, META_FILE, type AlignDrawConfig } from './model';
import {
  CaptionTokenizer,
  COREL_CHECKPOINT_DIR,
  corelCaptionTokenizer,
  FLICKR_CHECKPOINT_DIR,
  FLICKR_VOCABULARY_SIZE,
  MNIST_CHECKPOINT_DIR,
  TOKENIZER_FILE,
  trainWordPieceTokenizer,
} from './tokenizer';

const flags = parseFlags();
const dataName = String(flags.get('data') ?? 'mnist');
if (dataName !== 'mnist' && dataName !== 'corel' && dataName !== 'flickr') throw new Error(`--data must be mnist, corel or flickr, got ${dataName}`);
const runDir = String(flags.get('run') ?? (dataName === 'mnist' ? 'data/runs/align-draw' : `data/runs/align-draw-${dataName}`));
const minutes = Number(flags.get('minutes') ?? 120);
const batchSize = Number(flags.get('batch') ?? 32);
const seed = Number(flags.get('seed') ?? 1);
const saveEveryMinutes = Number(flags.get('save-every') ?? 5);
/**
 * Model copies training in parallel, one a core (data-parallel): each computes the gradient of a
 * batch of its own and an update averages them, so an update sees `copies × batch` examples.
 * (Splitting one batch instead gains little: a step's cost is mostly per-operation overhead,
 * so half a batch costs about 70% of a whole one.)
 */
const copies = Number(flags.get('copies') ?? 1);
const learningRate = flags.has('learning-rate') ? Number(flags.get('learning-rate')) : undefined;
if (learningRate !== undefined && !(learningRate > 0 && learningRate < 1)) throw new Error(`--learning-rate must be in (0, 1), got ${flags.get('learning-rate')}`);

const backend = await initBackend('auto');
log(`backend: ${backend.name}`);

/** What training needs of a dataset. */
interface TrainingData {
  tokenizer: CaptionTokenizer;
  /** Where the served checkpoint goes. */
  checkpointDir: string;
  /** The model of a new run. */
  config: Partial<AlignDrawConfig>;
  /** Batch `index` of a run: a function of (seed, index, count) alone. */
  batch(index: number, seed: number, count: number): { images: Float32Array; captions: string[] };
  /** A fixed held-out batch to watch the bound on. */
  watch: { images: Float32Array; captions: string[] };
  /** For meta.json. */
  description: string;
}

async function mnistData(): Promise<TrainingData> {
  const digits = await loadMnistDigitSplits();
  return {
    tokenizer: CaptionTokenizer.load(MNIST_CHECKPOINT_DIR),
    checkpointDir: MNIST_CHECKPOINT_DIR,
    config: DEFAULT_CONFIG,
    batch: (index, seed, count) => captionedMnist(digits, { split: 'train', count, seed: batchSeed(seed, index) }),
    // Test digit images, seen-style captions.
    watch: captionedMnist(digits, { split: 'test', kind: 'seen', count: 200, seed: 7 }),
    description:
      'MNIST with Captions (models/align-draw/data.ts): 60×60 canvases drawn afresh every batch from the 9,000 training digit images of a fixed 9k/1k split of MNIST\'s 10,000 test images; held-out scenes never drawn',
  };
}

async function corelData(): Promise<TrainingData> {
  const corel = await loadCorelCanvases({ onProgress: (done, total) => done % 1000 === 0 && log(`shrinking Corel-5k photos to 32×32: ${done}/${total}`) });
  const train = corelSplit(corel, 'train');
  return {
    tokenizer: corelCaptionTokenizer(corel.dataset.vocabulary),
    checkpointDir: COREL_CHECKPOINT_DIR,
    config: COREL_CONFIG,
    batch: (index, seed, count) => corelTrainingBatch(corel, train, { count, seed: batchSeed(seed, index) }),
    watch: corelExamples(corel, corelSplit(corel, 'test').slice(0, 200)),
    description:
      'Corel-5k with Captions (models/align-draw/corel-data.ts): the 4,500 training photos of Corel-5k shrunk to 32×32, captioned by their tags in a random order, mirrored half of the time',
  };
}

async function flickrData(): Promise<TrainingData> {
  const flickr = await loadFlickrCanvases({ onProgress: (done, total) => done % 1000 === 0 && log(`shrinking Flickr8k photos to 32×32: ${done}/${total}`) });
  const train = flickrSplit(flickr, 'train');
  // The trainer breaks ties in hash-map order, so a resumed run reads the tokenizer it started with.
  let tokenizer: CaptionTokenizer;
  try {
    tokenizer = CaptionTokenizer.load(runDir);
  } catch {
    tokenizer = await trainWordPieceTokenizer(trainingSentences(flickr), { vocabularySize: FLICKR_VOCABULARY_SIZE });
    await tokenizer.save(runDir);
    log(`learned a WordPiece tokenizer of ${tokenizer.size} pieces from the ${train.length * 5} training sentences`);
  }
  return {
    tokenizer,
    checkpointDir: FLICKR_CHECKPOINT_DIR,
    config: FLICKR_CONFIG,
    batch: (index, seed, count) => flickrTrainingBatch(flickr, train, { count, seed: batchSeed(seed, index) }),
    // Dev photos (never test), each with its first sentence.
    watch: flickrExamples(flickr, flickrSplit(flickr, 'dev').slice(0, 200)),
    description:
      'Flickr8k with Captions (models/align-draw/flickr-data.ts): the 6,000 training photos of Flickr8k shrunk to 32×32, each example one of the photo’s five sentences at random, mirrored half of the time unless the sentence says left or right; WordPiece tokenizer learned from the 30,000 training sentences',
  };
}

const data = dataName === 'mnist' ? await mnistData() : dataName === 'corel' ? await corelData() : await flickrData();
const { tokenizer } = data;
const exportDir = flags.has('export') ? String(flags.get('export') === true ? data.checkpointDir : flags.get('export')) : null;

interface RunState {
  seed: number;
  batchSize: number;
  /** Batches trained so far (the next batch's index): updates of the model. */
  batches: number;
  /** Training examples seen so far (an update with --copies N sees N batches). */
  examples?: number;
  trainingSeconds: number;
  /** Bound on the fixed held-out batch, by batch index. */
  history: { batch: number; seconds: number; trainBound: number; testBound: number; kl: number; learningRate?: number }[];
}

const statePath = path.join(runDir, 'run.json');
const resumed = await fs.readFile(path.join(runDir, META_FILE), 'utf8').then(() => true, () => false);
const model = resumed
  ? await AlignDraw.load(runDir, { optimizer: true, seed, learningRate })
  : new AlignDraw({ ...data.config, vocabularySize: tokenizer.size, ...(learningRate === undefined ? {} : { learningRate }) }, seed);
const state: RunState = resumed
  ? JSON.parse(await fs.readFile(statePath, 'utf8'))
  : { seed, batchSize, batches: 0, trainingSeconds: 0, history: [] };
if (resumed) log(`resuming ${runDir} after ${state.batches} batches (${formatSeconds(state.trainingSeconds)} of training), Adam step ${model.config.learningRate}`);
else log(`new run in ${runDir}: ${JSON.stringify(model.config)}`);

/** Word ids of every caption seen so far (the MNIST grammar has a few hundred; Flickr8k 30,000). */
const idsOf = new Map<string, number[]>();
async function tokens(captions: string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (const caption of captions) {
    let ids = idsOf.get(caption);
    if (!ids) {
      ids = (await tokenizer.encode(caption, { dropUnknown: true })).ids;
      idsOf.set(caption, ids);
    }
    out.push(ids);
  }
  return out;
}

const { watch } = data;
const watchTokens = await tokens(watch.captions);
const testBound = () => mean(model.lowerBound(watch.images, watchTokens, { seed: 11, batchSize: 100 }));

async function save(): Promise<void> {
  await fs.mkdir(runDir, { recursive: true });
  await model.save(runDir, { dtype: 'float32', optimizer: true, meta: { run: true } });
  await fs.writeFile(statePath, `${JSON.stringify(state, null, 2)}\n`);
}

let stopping = false;
process.on('SIGINT', () => {
  if (stopping) process.exit(130);
  stopping = true;
  log('stopping after this batch (Ctrl-C again to quit without saving)');
});

const trainer = await DataParallelTrainer.start(model, copies);
if (copies > 1) log(`training on ${copies} cores: each update averages ${copies} batches of ${state.batchSize}, one a core`);
const started = Date.now();
const budget = minutes * 60_000;
const bar = new ProgressBar('alignDRAW'.padEnd(12), Math.round(minutes * 60));
let lastSave = Date.now();
let lastWatch = Date.now();
let recent: { bound: number; kl: number }[] = [];

while (!stopping && Date.now() - started < budget) {
  // Batch i is a function of (seed, i) alone, so a resumed run draws what an uninterrupted one would.
  const batch = data.batch(state.batches, state.seed, state.batchSize * copies);
  const result = await trainer.step(batch.images, await tokens(batch.captions), state.seed * 1_000_003 + state.batches);
  state.batches++;
  state.examples = (state.examples ?? (state.batches - 1) * state.batchSize) + batch.captions.length;
  recent.push({ bound: result.bound, kl: result.kl });
  if (!Number.isFinite(result.bound)) throw new Error(`the bound became ${result.bound} at batch ${state.batches}; restart from the last save`);
  const elapsed = Date.now() - started;
  const now = Date.now();
  if (now - lastWatch > 60_000 || state.batches === 1) {
    const trainBound = mean(recent.map((r) => r.bound));
    const kl = mean(recent.map((r) => r.kl));
    // state.trainingSeconds already holds the time up to the last save.
    const seconds = state.trainingSeconds + (now - lastSave) / 1000;
    state.history.push({ batch: state.batches, seconds: Math.round(seconds), trainBound, testBound: testBound(), kl, learningRate: model.config.learningRate });
    recent = [];
    lastWatch = now;
  }
  const last = state.history.at(-1)!;
  bar.update(Math.min(Math.round(elapsed / 1000), Math.round(minutes * 60)), `batch ${state.batches} · bound ${result.bound.toFixed(1)} · held-out ${last.testBound.toFixed(1)} nats · KL ${result.kl.toFixed(1)}`);
  if (now - lastSave > saveEveryMinutes * 60_000) {
    state.trainingSeconds += (now - lastSave) / 1000;
    lastSave = now;
    await save();
  }
  // On one core every step can finish without a turn of the event loop, which would keep Ctrl-C unheard.
  await new Promise((resolve) => setImmediate(resolve));
}
await trainer.close();
state.trainingSeconds += (Date.now() - lastSave) / 1000;
state.history.push({ batch: state.batches, seconds: Math.round(state.trainingSeconds), trainBound: mean(recent.map((r) => r.bound)), testBound: testBound(), kl: mean(recent.map((r) => r.kl)), learningRate: model.config.learningRate });
await save();
log(`saved ${runDir}: ${state.batches} batches, ${formatSeconds(state.trainingSeconds)} of training, held-out bound ${state.history.at(-1)!.testBound.toFixed(2)} nats`);

if (exportDir) {
  await fs.mkdir(exportDir, { recursive: true });
  await model.save(exportDir, {
    dtype: 'float16',
    meta: {
      data: data.description,
      // A run is resumed across sessions, so the command that reproduces it names the total time.
      command: `npx tsx models/align-draw/train.ts${dataName === 'mnist' ? '' : ` --data ${dataName}`} --minutes ${Math.round(state.trainingSeconds / 60)} --export`,
      note: `trained in resumed sessions of the same command in one run directory; batch i is the same whichever session draws it${stepSizes()}`,
      seed: state.seed,
      batchSize: state.batchSize,
      batches: state.batches,
      examplesSeen: state.examples ?? state.batches * state.batchSize,
      backend: backend.name,
      trainingSeconds: Math.round(state.trainingSeconds),
      heldOutBoundNats: state.history.at(-1)!.testBound,
      history: state.history,
      tokenizer: TOKENIZER_FILE,
      trainedAt: new Date().toISOString(),
    },
  });
  await tokenizer.save(exportDir);
  log(`exported float16 weights to ${exportDir}`);
}

/** Where the run changed Adam's step size (--learning-rate), for meta.json's note; history before the flag existed ran at 1e-3. */
function stepSizes(): string {
  const changes: string[] = [];
  let current = 1e-3;
  for (const point of state.history) {
    const rate = point.learningRate ?? 1e-3;
    if (rate !== current) changes.push(`from batch ${point.batch} at Adam step ${rate} (--learning-rate ${rate})`);
    current = rate;
  }
  return changes.length ? `; Adam step 1e-3, then ${changes.join(', then ')}` : '';
}

/**
 * alignDRAW on MNIST with Captions, in one command:
 *
 * 1. the variational lower bound on held-out canvases (test digit images, seen-style captions),
 *    nats per 60×60 image, next to independent Bernoulli pixels fitted on training canvases
 *    (an exact log-likelihood);
 * 2. is the picture right? For captions of the test split — seen-style ones, and separately every
 *    held-out (novel) scene — draw images and let a separate digit classifier (never used in
 *    training the generator) judge whether the right digits are where the caption puts them
 *    (judge.ts). In the same run the judge reads real test canvases of the same captions (how
 *    far the judge itself can be trusted) and the model's drawings for a different caption
 *    (what chance looks like). Drawings are sampled at the page's default temperature (0.5: each
 *    step's latent is μ + 0.5·σ·ε under the learned prior); a second table draws the seen-style
 *    captions again at temperatures 1 (the model's own prior), 0.7, 0.5, 0.3 and 0, with the
 *    drawings' diversity: the mean distance between two drawings of one caption over the mean
 *    distance between two real canvases of it (1: as varied as real ones; 0: copies).
 *
 *   npm run eval:caption                  the table (progress on stderr)
 *   npm run eval:caption -- --json        {"lowerBoundNats", "correct": {"seen", "novel"}} on stdout
 *   npm run eval:caption -- --write       also saves checkpoint/evaluation.json for the model card
 *   npm run eval:caption -- --checkpoint DIR [--bound-images 1000] [--captions 200] [--samples 4] [--temperature 0.5]
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseFlags } from '@/lib/cli/progress';
import { env } from '@/lib/env';
import { EVALUATION_FILE, type Evaluation } from '@/lib/model-cards';
import { initBackend } from '@/lib/tfjs/backend';
import { mulberry32 } from '@/lib/random';
import { mean } from '@/models/blocks/statistics';
import { independentPixels, pct, round } from './baselines';
import { DEFAULT_TEMPERATURE } from './contract';
import { CANVAS, CANVAS_PIXELS, captionedMnist, captionedMnistFor, captionText, HELD_OUT_CAPTIONS, loadMnistDigitSplits, type CaptionStructure } from './data';
import { loadDigitClassifier, type DigitClassifier } from './digit-classifier';
import { verdict, type Verdict } from './judge';
import { MNIST_CHECKPOINT_DIR } from './tokenizer';
import { loadCaptionModel, type LoadedCaptionModel } from './serve';

const flags = parseFlags();
const json = flags.has('json');
const write = flags.has('write');
const checkpointDir = String(flags.get('checkpoint') ?? MNIST_CHECKPOINT_DIR);
const boundImages = Number(flags.get('bound-images') ?? 1000);
const seenCaptions = Number(flags.get('captions') ?? 200);
const samplesPerCaption = Number(flags.get('samples') ?? 4);
const temperature = Number(flags.get('temperature') ?? DEFAULT_TEMPERATURE['align-draw-mnist']);
if (!(temperature >= 0 && temperature <= 1)) throw new Error(`--temperature must be from 0 to 1, got ${flags.get('temperature')}`);
if (!(samplesPerCaption >= 2)) throw new Error('--samples must be at least 2 (diversity compares drawings of one caption)');
const SWEEP = [1, 0.7, 0.5, 0.3, 0];
const progress = (message: string) => process.stderr.write(`${message}\n`);

const backend = await initBackend(env.MODEL_BACKEND);
progress(`backend: ${backend.name}`);
const digits = await loadMnistDigitSplits();
const loaded = await loadCaptionModel(checkpointDir);
const classifier = await loadDigitClassifier();
const read = (cutOuts: Float32Array, n: number) => classifier.classify(cutOuts, n);

// ── 1. Lower bound on held-out canvases, and independent pixels ───────────────────────────────
const heldOut = captionedMnist(digits, { split: 'test', kind: 'seen', count: boundImages, seed: 20161 });
const tokensOf = async (captions: string[]) => Promise.all(captions.map(async (c) => (await loaded.tokenizer.encode(c)).ids));
const started = performance.now();
const bounds = loaded.model.lowerBound(heldOut.images, await tokensOf(heldOut.captions), { seed: 1, batchSize: 100 });
const lowerBoundNats = mean(bounds);
progress(`lower bound on ${boundImages} held-out canvases: ${lowerBoundNats.toFixed(2)} nats (${((performance.now() - started) / 1000).toFixed(0)} s)`);
const pixelsBaseline = independentPixels(captionedMnist(digits, { split: 'train', count: 20000, seed: 20162 }).images, heldOut.images, CANVAS_PIXELS);
progress(`independent Bernoulli pixels: ${pixelsBaseline.toFixed(2)} nats`);

// ── 2. Is the picture right? ───────────────────────────────────────────────────────────────────
const seenStructures = captionedMnist(digits, { split: 'test', kind: 'seen', count: seenCaptions, seed: 20163 }).examples.map((e) => e.structure);
const novelStructures = [...HELD_OUT_CAPTIONS];

interface Tally {
  images: number;
  correct: number;
  digitsRight: number;
  layoutRight: number;
}
const tally = (verdicts: Verdict[]): Tally => ({
  images: verdicts.length,
  correct: verdicts.filter((v) => v.correct).length / verdicts.length,
  digitsRight: verdicts.filter((v) => v.digitsRight).length / verdicts.length,
  layoutRight: verdicts.filter((v) => v.layoutRight).length / verdicts.length,
});

/** Root-mean-square pixel distance between every two canvases of a group of `n` in `images`. */
function meanPairDistance(images: Float32Array, n: number): number {
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++, pairs++) {
      let d = 0;
      for (let i = 0; i < CANVAS_PIXELS; i++) d += (images[a * CANVAS_PIXELS + i] - images[b * CANVAS_PIXELS + i]) ** 2;
      sum += Math.sqrt(d / CANVAS_PIXELS);
    }
  }
  return sum / pairs;
}

/**
 * The model's drawings of `drawn` captions at `temp`, judged against the `judged` captions, and
 * the mean distance between two drawings of one caption.
 */
async function judgeDrawings(
  model: LoadedCaptionModel,
  drawn: CaptionStructure[],
  judged: CaptionStructure[],
  seed: number,
  temp = temperature,
): Promise<{ verdicts: Verdict[]; spread: number }> {
  const verdicts: Verdict[] = [];
  const spreads: number[] = [];
  for (const [i, structure] of drawn.entries()) {
    const { ids } = await model.tokenizer.encode(captionText(structure));
    const generation = await model.model.generate({ tokens: ids, samples: samplesPerCaption, seed: seed + i, temperature: temp });
    for (let s = 0; s < samplesPerCaption; s++) verdicts.push(verdict(generation.images.subarray(s * CANVAS_PIXELS, (s + 1) * CANVAS_PIXELS), CANVAS, judged[i], read));
    spreads.push(meanPairDistance(generation.images, samplesPerCaption));
    if ((i + 1) % 50 === 0) progress(`  drew ${i + 1}/${drawn.length} captions`);
  }
  return { verdicts, spread: mean(spreads) };
}

/** Mean distance between two real test canvases of the same caption (the diversity scale). */
function realSpread(structures: CaptionStructure[], seed: number): number {
  const real = captionedMnistFor(digits, structures.flatMap((s) => Array(samplesPerCaption).fill(s)), { split: 'test', seed });
  return mean(structures.map((_, i) => meanPairDistance(real.images.subarray(i * samplesPerCaption * CANVAS_PIXELS), samplesPerCaption)));
}

/** The judge on real test canvases of the same captions. */
function judgeReal(structures: CaptionStructure[], seed: number, judge: DigitClassifier): Verdict[] {
  const real = captionedMnistFor(digits, structures.flatMap((s) => Array(samplesPerCaption).fill(s)), { split: 'test', seed });
  return real.examples.map((e, i) => verdict(real.images.subarray(i * CANVAS_PIXELS, (i + 1) * CANVAS_PIXELS), CANVAS, e.structure, (c, n) => judge.classify(c, n)));
}

/** A different caption of the same form for each one (a derangement), to judge drawings against. */
function mismatched(structures: CaptionStructure[], seed: number): CaptionStructure[] {
  const random = mulberry32(seed);
  return structures.map((s, i) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const other = structures[Math.floor(random() * structures.length)];
      if (other !== s && captionText(other) !== captionText(s) && other.type === s.type) return other;
    }
    return structures[(i + 1) % structures.length];
  });
}

/** Seen-style and novel captions drawn at one temperature, judged, with the seen drawings' spread. */
async function atTemperature(t: number): Promise<{ seen: Tally; novel: Tally; spread: number }> {
  progress(`drawing ${samplesPerCaption} images for each of ${seenStructures.length} seen-style and ${novelStructures.length} novel captions at temperature ${t}`);
  const drawnSeen = await judgeDrawings(loaded, seenStructures, seenStructures, 1000, t);
  const drawnNovel = await judgeDrawings(loaded, novelStructures, novelStructures, 5000, t);
  return { seen: tally(drawnSeen.verdicts), novel: tally(drawnNovel.verdicts), spread: drawnSeen.spread };
}

// ── 3. Temperature: right pictures against varied ones (the chosen one drawn once, with the rest) ──
const drawn = new Map<number, Awaited<ReturnType<typeof atTemperature>>>();
for (const t of new Set([temperature, ...SWEEP])) drawn.set(t, await atTemperature(t));
const { seen, novel } = drawn.get(temperature)!;
const realSeen = tally(judgeReal(seenStructures, 31, classifier));
const realNovel = tally(judgeReal(novelStructures, 32, classifier));
const shuffledSeen = tally((await judgeDrawings(loaded, mismatched(seenStructures, 41), seenStructures, 9000)).verdicts);
const realDistance = realSpread(seenStructures, 33);
const sweep = SWEEP.map((t) => {
  const at = drawn.get(t)!;
  return { temperature: t, seen: at.seen.correct, novel: at.novel.correct, diversity: at.spread / realDistance };
});
const atPrior = sweep[0];
const diversity = drawn.get(temperature)!.spread / realDistance;
const meta = JSON.parse(await fsp.readFile(path.join(checkpointDir, 'meta.json'), 'utf8'));

if (json) {
  process.stdout.write(
    `${JSON.stringify({
      lowerBoundNats: round(lowerBoundNats),
      correct: { seen: round(seen.correct), novel: round(novel.correct) },
      temperature,
      diversity: round(diversity),
      byTemperature: sweep.map((r) => ({ temperature: r.temperature, seen: round(r.seen), novel: round(r.novel), diversity: round(r.diversity) })),
    })}\n`,
  );
} else {
  console.log(`alignDRAW on MNIST with Captions (${loaded.version}, ${meta.batches ?? '?'} training batches)`);
  console.log();
  console.table([
    { measure: 'lower bound, held-out canvases (nats/image)', alignDRAW: lowerBoundNats.toFixed(2), baseline: `${pixelsBaseline.toFixed(2)} (independent pixels)` },
  ]);
  const row = (label: string, t: Tally) => ({ images: label, n: t.images, correct: pct(t.correct), 'right digits': pct(t.digitsRight), 'right layout': pct(t.layoutRight) });
  console.table([
    row(`alignDRAW at temperature ${temperature}, seen-style captions`, seen),
    row(`alignDRAW at temperature ${temperature}, novel (held-out) captions`, novel),
    row('real canvases, seen-style captions (judge check)', realSeen),
    row('real canvases, novel captions (judge check)', realNovel),
    row('alignDRAW drawing another caption (chance)', shuffledSeen),
  ]);
  console.log('Sampling temperature: correct drawings against their diversity (distance between two drawings of a caption ÷ between two real canvases of it)');
  console.table(sweep.map((r) => ({ temperature: r.temperature, 'correct, seen-style': pct(r.seen), 'correct, novel': pct(r.novel), diversity: r.diversity.toFixed(2) })));
  console.log(
    `Goal ≥ 95% correct on seen-style captions: ${seen.correct >= 0.95 ? 'met' : 'not met'} at temperature ${temperature} (${pct(seen.correct)}, diversity ${diversity.toFixed(2)}); ` +
      `${atPrior.seen >= 0.95 ? 'met' : 'not met'} at temperature 1, the model's own prior (${pct(atPrior.seen)}).`,
  );
}

if (write) {
  const evaluation: Evaluation = {
    model: 'align-draw',
    date: new Date().toISOString(),
    command: `npm run eval:caption -- ${process.argv.slice(2).join(' ')}`.trim(),
    data: `MNIST with Captions from the 1,000 test digit images: ${boundImages} canvases for the bound; ${seenStructures.length} seen-style and ${novelStructures.length} held-out captions, ${samplesPerCaption} drawings each`,
    protocol:
      `Lower bound: the variational bound (one posterior sample) averaged over held-out canvases, nats per image. Correct: a separate digit classifier reads the blobs found on the canvas; correct when the caption’s digits stand in its relation (or corner). Drawings at temperature ${temperature} (the page's default) unless the row says otherwise; diversity: distance between two drawings of a caption over the distance between two real canvases of it.`,
    modelVersion: loaded.version,
    columns: [
      { key: 'bound', label: 'Lower bound (nats)', format: 'number', help: 'held-out canvases, higher is better' },
      { key: 'seen', label: 'Correct, seen-style', format: 'percent' },
      { key: 'novel', label: 'Correct, novel', format: 'percent', help: 'scenes never drawn in training' },
      { key: 'diversity', label: 'Diversity', format: 'number', help: 'two drawings of a caption apart, over two real canvases of it apart (1: as varied)' },
    ],
    rows: [
      { key: 'align-draw', label: `alignDRAW, temperature ${temperature} (the page's default)`, kind: 'ours', values: { bound: lowerBoundNats, seen: seen.correct, novel: novel.correct, diversity } },
      ...sweep
        .filter((r) => r.temperature !== temperature)
        .map((r) => ({
          key: `temperature-${r.temperature}`,
          label: r.temperature === 1 ? 'alignDRAW, temperature 1 (the model’s own prior)' : `alignDRAW, temperature ${r.temperature}`,
          kind: 'ours' as const,
          values: { bound: null, seen: r.seen, novel: r.novel, diversity: r.diversity },
        })),
      { key: 'real', label: 'Real canvases (judge check)', kind: 'baseline', values: { bound: null, seen: realSeen.correct, novel: realNovel.correct, diversity: 1 } },
      { key: 'pixels', label: 'Independent pixels', kind: 'baseline', values: { bound: pixelsBaseline, seen: null, novel: null, diversity: null } },
      { key: 'chance', label: 'alignDRAW drawing another caption', kind: 'baseline', values: { bound: null, seen: shuffledSeen.correct, novel: null, diversity: null } },
    ],
    goal: {
      text: 'At least 95% of drawings of seen-style captions correct.',
      met: seen.correct >= 0.95,
      detail: `${pct(seen.correct)} seen, ${pct(novel.correct)} novel at temperature ${temperature} (diversity ${diversity.toFixed(2)}); ${pct(atPrior.seen)} seen at temperature 1`,
    },
  };
  const file = path.join(checkpointDir, EVALUATION_FILE);
  await fsp.writeFile(file, `${JSON.stringify(evaluation, null, 2)}\n`);
  progress(`Wrote ${path.relative(process.cwd(), file)}`);
}
classifier.dispose();
loaded.model.dispose();

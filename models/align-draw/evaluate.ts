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
 *    (what chance looks like).
 *
 *   npm run eval:caption                  the table (progress on stderr)
 *   npm run eval:caption -- --json        {"lowerBoundNats", "correct": {"seen", "novel"}} on stdout
 *   npm run eval:caption -- --write       also saves checkpoint/evaluation.json for the model card
 *   npm run eval:caption -- --checkpoint DIR [--bound-images 1000] [--captions 200] [--samples 4]
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseFlags } from '@/lib/cli/progress';
import { env } from '@/lib/env';
import { EVALUATION_FILE, type Evaluation } from '@/lib/model-cards';
import { initBackend } from '@/lib/tfjs/backend';
import { mulberry32 } from '@/lib/random';
import { independentPixels, mean, pct, round } from './baselines';
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

/** The model's drawings of `drawn` captions, judged against the `judged` captions. */
async function judgeDrawings(model: LoadedCaptionModel, drawn: CaptionStructure[], judged: CaptionStructure[], seed: number): Promise<Verdict[]> {
  const out: Verdict[] = [];
  for (const [i, structure] of drawn.entries()) {
    const { ids } = await model.tokenizer.encode(captionText(structure));
    const generation = await model.model.generate({ tokens: ids, samples: samplesPerCaption, seed: seed + i });
    for (let s = 0; s < samplesPerCaption; s++) out.push(verdict(generation.images.subarray(s * CANVAS_PIXELS, (s + 1) * CANVAS_PIXELS), CANVAS, judged[i], read));
    if ((i + 1) % 50 === 0) progress(`  drew ${i + 1}/${drawn.length} captions`);
  }
  return out;
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

progress(`drawing ${samplesPerCaption} images for each of ${seenStructures.length} seen-style and ${novelStructures.length} novel captions`);
const seen = tally(await judgeDrawings(loaded, seenStructures, seenStructures, 1000));
const novel = tally(await judgeDrawings(loaded, novelStructures, novelStructures, 5000));
const realSeen = tally(judgeReal(seenStructures, 31, classifier));
const realNovel = tally(judgeReal(novelStructures, 32, classifier));
const shuffledSeen = tally(await judgeDrawings(loaded, mismatched(seenStructures, 41), seenStructures, 9000));
const meta = JSON.parse(await fsp.readFile(path.join(checkpointDir, 'meta.json'), 'utf8'));

if (json) {
  process.stdout.write(`${JSON.stringify({ lowerBoundNats: round(lowerBoundNats), correct: { seen: round(seen.correct), novel: round(novel.correct) } })}\n`);
} else {
  console.log(`alignDRAW on MNIST with Captions (${loaded.version}, ${meta.batches ?? '?'} training batches)`);
  console.log();
  console.table([
    { measure: 'lower bound, held-out canvases (nats/image)', alignDRAW: lowerBoundNats.toFixed(2), baseline: `${pixelsBaseline.toFixed(2)} (independent pixels)` },
  ]);
  const row = (label: string, t: Tally) => ({ images: label, n: t.images, correct: pct(t.correct), 'right digits': pct(t.digitsRight), 'right layout': pct(t.layoutRight) });
  console.table([
    row('alignDRAW, seen-style captions', seen),
    row('alignDRAW, novel (held-out) captions', novel),
    row('real canvases, seen-style captions (judge check)', realSeen),
    row('real canvases, novel captions (judge check)', realNovel),
    row('alignDRAW drawing another caption (chance)', shuffledSeen),
  ]);
  console.log(`Goal ≥ 95% correct on seen-style captions: ${seen.correct >= 0.95 ? 'met' : 'not met'} (${pct(seen.correct)}).`);
}

if (write) {
  const evaluation: Evaluation = {
    model: 'align-draw',
    date: new Date().toISOString(),
    command: `npm run eval:caption -- ${process.argv.slice(2).join(' ')}`.trim(),
    data: `MNIST with Captions from the 1,000 test digit images: ${boundImages} canvases for the bound; ${seenStructures.length} seen-style and ${novelStructures.length} held-out captions, ${samplesPerCaption} drawings each`,
    protocol:
      'Lower bound: the variational bound (one posterior sample) averaged over held-out canvases, nats per image. Correct: a separate digit classifier reads the blobs found on the canvas; correct when the caption’s digits stand in its relation (or corner).',
    modelVersion: loaded.version,
    columns: [
      { key: 'bound', label: 'Lower bound (nats)', format: 'number', help: 'held-out canvases, higher is better' },
      { key: 'seen', label: 'Correct, seen-style', format: 'percent' },
      { key: 'novel', label: 'Correct, novel', format: 'percent', help: 'scenes never drawn in training' },
    ],
    rows: [
      { key: 'align-draw', label: 'alignDRAW', kind: 'ours', values: { bound: lowerBoundNats, seen: seen.correct, novel: novel.correct } },
      { key: 'real', label: 'Real canvases (judge check)', kind: 'baseline', values: { bound: null, seen: realSeen.correct, novel: realNovel.correct } },
      { key: 'pixels', label: 'Independent pixels', kind: 'baseline', values: { bound: pixelsBaseline, seen: null, novel: null } },
      { key: 'chance', label: 'alignDRAW drawing another caption', kind: 'baseline', values: { bound: null, seen: shuffledSeen.correct, novel: null } },
    ],
    goal: { text: 'At least 95% of drawings of seen-style captions correct.', met: seen.correct >= 0.95, detail: `${pct(seen.correct)} seen, ${pct(novel.correct)} novel` },
  };
  const file = path.join(checkpointDir, EVALUATION_FILE);
  await fsp.writeFile(file, `${JSON.stringify(evaluation, null, 2)}\n`);
  progress(`Wrote ${path.relative(process.cwd(), file)}`);
}
classifier.dispose();
loaded.model.dispose();

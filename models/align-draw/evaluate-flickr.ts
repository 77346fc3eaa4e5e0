/**
 * alignDRAW on Flickr8k with Captions (32×32 colour photos, each with five human sentences), in one
 * command, on the 1,000 test photos (`--split dev`: the 1,000 dev photos, for choosing settings):
 *
 * 1. the variational lower bound of every test photo with each of its own five sentences, nats per
 *    image, next to (a) the same photos each with the five sentences of an unrelated test photo —
 *    a seeded derangement pairing every photo with one whose captions share no content word with
 *    its own (flickr-judge.ts's `unrelatedPhotos`), so the same 5,000 sentences, only moved; the
 *    gap is what the sentence tells the model about the picture — and (b) independent pixels fitted
 *    on the 6,000 training photos. All three use the model's likelihood: cross-entropy of σ(c_T)
 *    against the colour levels in [0, 1] (a bound on a score, not an exact likelihood of colour
 *    photos; comparable across the three rows);
 * 2. do the drawings show what their sentence says? A judge that owes nothing to the model
 *    (flickr-judge.ts): each drawing, enlarged to 128×128, is described by the app's learned
 *    features; its 30 nearest training photos (shrunk to 32×32 and enlarged the same way) vote with
 *    their caption tags, each tag's votes divided by the square root of its share of training
 *    photos (chosen on the dev photos themselves, flickr-judge.ts), and the score is the share of
 *    the 5 tags with the highest weighted votes that are words of the
 *    sentence. Reported for one drawing of the first sentence of every test photo (1,000 sentences
 *    rather than 2 drawings of 500: the scores differ by a few points, and the sentences' variety
 *    narrows them more than a second sample would), for the real test photos at 32×32 against the
 *    same sentence (how far the judge can see at all), and for drawings of the unrelated photo's
 *    sentence judged against this one (chance). Two more rows calibrate the judge: the real photos
 *    against the unrelated sentence (its own chance) and the five commonest tags offered for every
 *    picture ("man, dog, woman, boy, girl" already find a sixth of the sentences' words: the
 *    drawings are read against chance, not against zero).
 *
 * Goals: the sentence is worth at least 10 nats a photo (own − unrelated bound); the judge finds
 * the sentence in the drawings at least half as often as in the real photos and at least twice as
 * often as in drawings of an unrelated sentence.
 *
 * About 5 minutes on one core once the judge's features of the training photos are cached (the
 * first run computes them: 5 more minutes); `--temperatures` with three temperatures about 9.
 *
 *   npm run eval:caption-flickr                        the tables and the goals (progress on stderr)
 *   npm run eval:caption-flickr -- --json              {"boundOwn", "boundOther", "boundPixels", "judge": {"drawings", "real", "chance"}}
 *   npm run eval:caption-flickr -- --write             also saves checkpoint-flickr/evaluation.json for the model card
 *   npm run eval:caption-flickr -- --split dev --temperatures 1,0.7,0.5
 *                                                      the judge at each temperature (no bounds), for choosing the default
 *   npm run eval:caption-flickr -- [--checkpoint DIR] [--photos 1000] [--samples 1] [--temperature T]
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { formatSeconds, parseFlags } from '@/lib/cli/progress';
import { env } from '@/lib/env';
import { EVALUATION_FILE, type Evaluation } from '@/lib/model-cards';
import { initBackend } from '@/lib/tfjs/backend';
import { mean } from '@/models/blocks/statistics';
import { independentPixels, pct, round } from './baselines';
import { DEFAULT_TEMPERATURE } from './contract';
import { FLICKR_CANVAS_SIZE, flickrExamples, flickrSplit, loadFlickrCanvases } from './flickr-data';
import { canvasFeatures, commonestTags, JUDGE_NEIGHBOURS, JUDGE_VOTED, judgeReadings, judgeReference, judgeScore, loadJudgeTools, sentenceScore, unrelatedPhotos } from './flickr-judge';
import { loadCaptionModel } from './serve';
import { FLICKR_CHECKPOINT_DIR } from './tokenizer';

const flags = parseFlags();
const json = flags.has('json');
const write = flags.has('write');
const checkpointDir = String(flags.get('checkpoint') ?? FLICKR_CHECKPOINT_DIR);
const split = String(flags.get('split') ?? 'test');
const photoCount = Number(flags.get('photos') ?? 1000);
const samplesPerSentence = Number(flags.get('samples') ?? 1);
const temperature = Number(flags.get('temperature') ?? DEFAULT_TEMPERATURE['align-draw-flickr']);
const temperatures = flags.has('temperatures') ? String(flags.get('temperatures')).split(',').map(Number) : null;
/** The bar this model is held to. */
const GOAL = { sentenceNats: 10, ofReal: 0.5, timesChance: 2 };
const started = Date.now();
const progress = (message: string) => process.stderr.write(`[${formatSeconds((Date.now() - started) / 1000)}] ${message}\n`);

if (split !== 'test' && split !== 'dev') throw new Error(`--split is test or dev, not ${split}`);
if (write && (split !== 'test' || temperatures)) throw new Error('--write saves the test evaluation: leave out --split dev and --temperatures');
if (temperatures?.some((t) => !(t >= 0 && t <= 1)) || !(temperature >= 0 && temperature <= 1)) throw new Error('temperatures are numbers from 0 to 1');

const backend = await initBackend(env.MODEL_BACKEND);
progress(`backend: ${backend.name}`);
const flickr = await loadFlickrCanvases({ onProgress: (done, total) => progress(`  shrinking photos to 32×32: ${done}/${total}`) });
const train = flickrSplit(flickr, 'train');
const heldOut = flickrSplit(flickr, split);
const loaded = await loadCaptionModel(checkpointDir);
const sentencesOf = (photo: number) => flickr.photos[photo].captions;

const idsOf = new Map<string, number[]>();
async function tokensOf(sentences: string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (const sentence of sentences) {
    let ids = idsOf.get(sentence);
    if (!ids) idsOf.set(sentence, (ids = (await loaded.tokenizer.encode(sentence, { dropUnknown: true })).ids));
    out.push(ids);
  }
  return out;
}

/** For each held-out photo (by position in `heldOut`), the unrelated photo whose sentences it is paired with. */
const unrelated = unrelatedPhotos(heldOut.map(sentencesOf), 7).map((i) => heldOut[i]);

// ── 1. Lower bounds ──────────────────────────────────────────────────────────────────────────────
let bounds: { own: number; other: number; pixels: number } | null = null;
if (!temperatures) {
  const own = flickrExamples(flickr, heldOut, 'all');
  const otherSentences = unrelated.flatMap(sentencesOf);
  progress(`lower bound of ${heldOut.length} ${split} photos × 5 own sentences …`);
  const boundOwn = mean(loaded.model.lowerBound(own.images, await tokensOf(own.captions), { seed: 1, batchSize: 100 }));
  progress(`  own sentences: ${boundOwn.toFixed(2)} nats`);
  const boundOther = mean(loaded.model.lowerBound(own.images, await tokensOf(otherSentences), { seed: 1, batchSize: 100 }));
  progress(`  an unrelated photo's sentences: ${boundOther.toFixed(2)} nats`);
  const boundPixels = independentPixels(flickrExamples(flickr, train, 0).images, flickrExamples(flickr, heldOut, 0).images, FLICKR_CANVAS_SIZE);
  progress(`  independent pixels: ${boundPixels.toFixed(2)} nats`);
  bounds = { own: boundOwn, other: boundOther, pixels: boundPixels };
}

// ── 2. The judge: the sentence's words among the tags of the drawing's nearest training photos ───
const tools = await loadJudgeTools();
progress(`judge: features of the ${train.length} training photos at 32×32 …`);
const reference = await judgeReference(flickr, tools, { onProgress: (done, total) => done % 640 === 0 && progress(`  ${done}/${total}`) });
const judged = heldOut.slice(0, photoCount);
const judgedSentences = judged.map((photo) => sentencesOf(photo)[0]);
/** Every drawing is judged against the sentence of the photo it stands for. */
const drawingsEach = `${samplesPerSentence} drawing${samplesPerSentence === 1 ? '' : 's'} each`;
const perDrawing = judgedSentences.flatMap((s) => Array<string>(samplesPerSentence).fill(s));

/** `samplesPerSentence` drawings of each sentence, drawing i with seed 1000 + i whatever the sentence. */
async function drawings(sentences: string[], at: number): Promise<Float32Array> {
  const out = new Float32Array(sentences.length * samplesPerSentence * FLICKR_CANVAS_SIZE);
  const tokens = await tokensOf(sentences);
  for (const [i, ids] of tokens.entries()) {
    const generation = await loaded.model.generate({ tokens: ids, samples: samplesPerSentence, seed: 1000 + i, temperature: at });
    out.set(generation.images, i * samplesPerSentence * FLICKR_CANVAS_SIZE);
    if ((i + 1) % 50 === 0) progress(`  drew ${i + 1}/${sentences.length} sentences`);
  }
  return out;
}
const judgeDrawings = async (sentences: string[], at: number) => judgeScore(reference, await canvasFeatures(await drawings(sentences, at), tools.features), perDrawing);

progress(`judge: the real ${split} photos at 32×32 …`);
const unrelatedSentences = judged.map((_, i) => sentencesOf(unrelated[i])[0]);
const realReadings = judgeReadings(reference, await canvasFeatures(flickrExamples(flickr, judged, 0).images, tools.features));
const real = mean(realReadings.map((voted, i) => sentenceScore(voted, judgedSentences[i])));
/** Not a goal's number: the real photos against the unrelated sentence, how far apart the judge can tell sentences at best. */
const realUnrelated = mean(realReadings.map((voted, i) => sentenceScore(voted, unrelatedSentences[i])));
/** Nor this: the same five commonest tags for every picture. */
const commonest = commonestTags(reference);
const prior = mean(judgedSentences.map((sentence) => sentenceScore(commonest, sentence)));
const judge: { temperature: number; drawings: number; chance: number }[] = [];
for (const at of temperatures ?? [temperature]) {
  progress(`judge: ${judged.length} ${split} sentences, ${drawingsEach}, at temperature ${at} …`);
  const drawn = await judgeDrawings(judgedSentences, at);
  progress('judge: drawings of the unrelated photos’ sentences (chance) …');
  judge.push({ temperature: at, drawings: drawn, chance: await judgeDrawings(unrelatedSentences, at) });
}
const meta = JSON.parse(await fsp.readFile(path.join(checkpointDir, 'meta.json'), 'utf8')) as { batches?: number };
const runFile = path.join(checkpointDir, 'run.json');
const batches = meta.batches ?? (fs.existsSync(runFile) ? (JSON.parse(await fsp.readFile(runFile, 'utf8')) as { batches?: number }).batches : undefined);
loaded.model.dispose();
progress(`took ${formatSeconds((Date.now() - started) / 1000)}`);

// ── Report ───────────────────────────────────────────────────────────────────────────────────────
const heading = `alignDRAW on Flickr8k (${loaded.version}, ${batches ?? '?'} training batches), ${split} split`;
if (!bounds) {
  if (json) {
    process.stdout.write(`${JSON.stringify({ real: round(real), temperatures: judge.map((j) => ({ temperature: j.temperature, drawings: round(j.drawings), chance: round(j.chance) })) })}\n`);
  } else {
    console.log(heading);
    console.log();
    console.table(
      judge.map((j) => ({
        temperature: j.temperature,
        [`drawings (${judged.length} × ${samplesPerSentence})`]: pct(j.drawings),
        'unrelated sentence (chance)': pct(j.chance),
        'real photos': pct(real),
        'real photos, unrelated sentence': pct(realUnrelated),
        'commonest tags': pct(prior),
        'drawings / real': (j.drawings / real).toFixed(2),
        'drawings / chance': (j.drawings / j.chance).toFixed(2),
      })),
    );
  }
} else {
  const { drawings: drawn, chance } = judge[0];
  const gap = bounds.own - bounds.other;
  const sentenceMet = gap >= GOAL.sentenceNats;
  const judgeMet = drawn >= GOAL.ofReal * real && drawn >= GOAL.timesChance * chance;
  const mark = (met: boolean) => (met ? 'met' : 'not met');
  const sentenceGoal = `the sentence is worth ≥ ${GOAL.sentenceNats} nats a photo (own − unrelated bound): ${gap.toFixed(2)} nats`;
  const judgeGoal = `drawings ≥ ½ real and ≥ ${GOAL.timesChance}× chance: ${pct(drawn)} against ${pct(real)} real (${(drawn / real).toFixed(2)}×) and ${pct(chance)} chance (${(drawn / chance).toFixed(2)}×)`;
  if (json) {
    process.stdout.write(`${JSON.stringify({ boundOwn: round(bounds.own), boundOther: round(bounds.other), boundPixels: round(bounds.pixels), judge: { drawings: round(drawn), real: round(real), chance: round(chance) } })}\n`);
  } else {
    console.log(heading);
    console.log();
    console.table([
      { [`${split} photos (nats/image)`]: 'alignDRAW, own sentences', bound: bounds.own.toFixed(2) },
      { [`${split} photos (nats/image)`]: 'alignDRAW, an unrelated photo’s sentences', bound: bounds.other.toFixed(2) },
      { [`${split} photos (nats/image)`]: 'independent pixels', bound: bounds.pixels.toFixed(2) },
    ]);
    console.table([
      { images: `alignDRAW drawings of the sentence (${judged.length} × ${samplesPerSentence}, temperature ${temperature})`, 'sentence words in top 5': pct(drawn) },
      { images: 'alignDRAW drawings of an unrelated sentence (chance)', 'sentence words in top 5': pct(chance) },
      { images: `the real ${split} photos at 32×32`, 'sentence words in top 5': pct(real) },
      { images: `the real ${split} photos against an unrelated sentence (the judge’s own chance)`, 'sentence words in top 5': pct(realUnrelated) },
      { images: `no picture: the 5 commonest tags (${commonest.join(', ')})`, 'sentence words in top 5': pct(prior) },
    ]);
    console.log(`Goal: ${sentenceGoal} — ${mark(sentenceMet)}.`);
    console.log(`Goal: ${judgeGoal} — ${mark(judgeMet)}.`);
  }

  if (write) {
    const evaluation: Evaluation = {
      model: 'align-draw-flickr',
      date: new Date().toISOString(),
      command: `npm run eval:caption-flickr -- ${process.argv.slice(2).join(' ')}`.trim(),
      data: `Flickr8k test split at 32×32: ${heldOut.length} photos × their 5 sentences for the bounds; the first sentence of ${judged.length} of them, ${drawingsEach} at temperature ${temperature}, judged by the ${JUDGE_NEIGHBOURS} nearest of the ${train.length} training photos`,
      protocol:
        'Bound: the variational bound (one posterior sample, fixed seed), cross-entropy against colour levels, nats per photo; “unrelated” pairs each photo with the five sentences of a test photo whose captions share no content word with its own. Judge: share of the 5 caption tags most voted by the drawing’s 30 nearest training photos (learned features of 32×32 canvases enlarged to 128×128, cosine; votes divided by the square root of the tag’s share of training photos, at least 2 votes) that are words of the sentence.',
      modelVersion: loaded.version,
      featureVersion: tools.features.version,
      columns: [
        { key: 'bound', label: 'Bound (nats)', format: 'number', help: 'test photos, higher is better' },
        { key: 'judge', label: `Sentence words in top ${JUDGE_VOTED}`, format: 'percent', help: 'tags of the nearest training photos' },
      ],
      rows: [
        { key: 'align-draw', label: 'alignDRAW', kind: 'ours', values: { bound: bounds.own, judge: drawn } },
        { key: 'unrelated-sentence', label: 'alignDRAW, an unrelated photo’s sentences', kind: 'baseline', values: { bound: bounds.other, judge: chance } },
        { key: 'pixels', label: 'Independent pixels', kind: 'baseline', values: { bound: bounds.pixels, judge: null } },
        { key: 'real', label: 'Real test photos at 32×32', kind: 'baseline', values: { bound: null, judge: real } },
        {
          key: 'real-unrelated',
          label: 'Real test photos, an unrelated photo’s sentence',
          kind: 'baseline',
          values: { bound: null, judge: realUnrelated },
          note: 'how far apart the judge tells sentences at best',
        },
        { key: 'commonest-tags', label: `The 5 commonest tags (${commonest.join(', ')}), whatever the picture`, kind: 'baseline', values: { bound: null, judge: prior } },
      ],
      goal: {
        text: `The sentence is worth at least ${GOAL.sentenceNats} nats a photo (bound with its own sentences − with an unrelated photo’s), and the judge finds the sentence in the drawings at least half as often as in the real photos and at least ${GOAL.timesChance}× as often as in drawings of an unrelated sentence.`,
        met: sentenceMet && judgeMet,
        detail: `${gap.toFixed(2)} nats a photo; drawings ${pct(drawn)}, real photos ${pct(real)} (${(drawn / real).toFixed(2)}×), unrelated sentence ${pct(chance)} (${(drawn / chance).toFixed(2)}×)`,
      },
    };
    const file = path.join(checkpointDir, EVALUATION_FILE);
    await fsp.writeFile(file, `${JSON.stringify(evaluation, null, 2)}\n`);
    progress(`Wrote ${path.relative(process.cwd(), file)}`);
  }
}

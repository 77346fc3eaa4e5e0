/**
 * Chooses how the DBM's p(word | image) is turned into a ranking, on training photos held out from
 * training (never on the test set): words are ranked by p(word | image) / p(word)^α, where p(word)
 * is the word's training frequency. α = 0 ranks by the model's probability, which favours frequent
 * words ("water", "sky") for every photo; α = 1 ranks by how much more likely the photo makes a
 * word than it is a priori, which gives rare words a chance. Prints the annotation metrics for
 * each α next to kNN label transfer on the same held-out photos.
 *
 *   npx tsx models/multimodal-dbm/train.ts --validation 500 --out /tmp/dbm-val
 *   npx tsx models/multimodal-dbm/scripts/tune.ts --checkpoint /tmp/dbm-val
 *   npx tsx models/multimodal-dbm/scripts/tune.ts --checkpoint DIR --write f1|captions
 *       also records in DIR/meta.json the α with the best held-out F1, or (Flickr8k) the best
 *       precision@5 against the captions
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { log, parseFlags } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { KNN_CONFIG, knnTagScores, tagFrequencies } from '../baselines';
import { holdOut } from '../data';
import { loadTrainingSet } from '../training-sets';
import * as tf from '@tensorflow/tfjs';
import { precisionAtCaptions } from '../flickr-eval';
import { averagePrecision, tagMetrics } from '../metrics';
import { loadMultimodalDbm, priorCorrected } from '../model';

const flags = parseFlags();
const dir = String(flags.get('checkpoint') ?? '');
if (!dir) throw new Error('--checkpoint DIR (trained with --validation) is required');
await initBackend('auto');
const model = await loadMultimodalDbm(dir);
const meta = model.meta as unknown as { seed: number; validation?: number };
const set = await loadTrainingSet(model.meta.dataset ?? 'corel5k');
const all = set.train;
const dims = set.dims;
const words = set.vocabulary.length;
const size = Number(flags.get('validation') ?? meta.validation ?? 0);
if (size === 0) throw new Error('this checkpoint was trained on every training photo; train with --validation N');
const { kept, heldOut } = holdOut(all, meta.seed, size);
const query = { image: heldOut.image, text: heldOut.text, n: heldOut.items.length };
const reference = { image: kept.image, text: kept.text, n: kept.items.length };
const truth = { counts: query.text, n: query.n, words };
const frequency = tagFrequencies(reference);

const probabilities = await model.tagScores(query.image, query.n, undefined, true);
// Flickr8k's photos carry their captions: precision@5 against them is printed beside (flickr-eval.ts).
const captions = heldOut.items.map((item) => (item as { captions?: string[] }).captions);
const atCaptions = (scores: Float32Array) =>
  captions.every((c) => c) ? { 'P@5 captions': precisionAtCaptions({ scores, n: query.n, words }, set.vocabulary, captions as string[][]).precision.toFixed(3) } : {};
const rows: Record<string, unknown>[] = [];
const chosen = { f1: { alpha: 0, value: -1 }, captions: { alpha: 0, value: -1 } };
for (const alpha of [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]) {
  const scores = priorCorrected(probabilities, frequency, alpha);
  const m = tagMetrics({ scores, n: query.n, words }, truth);
  const extra = atCaptions(scores);
  rows.push({ method: `DBM α=${alpha}`, ...fmt(m), ...extra });
  if (m.f1 > chosen.f1.value) chosen.f1 = { alpha, value: m.f1 };
  const p5 = Number((extra as Record<string, string>)['P@5 captions'] ?? -1);
  if (p5 > chosen.captions.value) chosen.captions = { alpha, value: p5 };
}
const knn = knnTagScores(query.image, query.n, reference, KNN_CONFIG);
rows.push({ method: 'kNN', ...fmt(tagMetrics({ scores: knn, n: query.n, words }, truth)), ...atCaptions(knn) });
console.table(rows);

// Tags → photos as the page does it: one-word queries, photos ranked by the distance between the
// query's image-pathway code (inferred from the word) and each photo's (inferred from the photo).
const testWords = Array.from({ length: words }, (_, w) => w).filter((w) => heldOut.items.some((_, i) => query.text[i * words + w] > 0));
for (const route of ['image pathway inferred from the words', 'generated words (the product)'] as const) {
const crossModal = route.startsWith('image pathway');
const imageCodes = crossModal ? await model.imagePathwayFromImage(tfTensor(query.image, query.n, dims)) : await model.imageCodes(tfTensor(query.image, query.n, dims));
const textCodes = crossModal ? await model.imagePathwayFromText(testWords.map((w) => [set.vocabulary[w]])) : await model.textCodes(testWords.map((w) => [set.vocabulary[w]]));
const size = imageCodes.length / query.n;
let apSum = 0;
testWords.forEach((w, q) => {
  const scores = Array.from({ length: query.n }, (_, i) => {
    let d = 0;
    for (let j = 0; j < size; j++) d += (imageCodes[i * size + j] - textCodes[q * size + j]) ** 2;
    return -d;
  });
  apSum += averagePrecision(scores, Array.from({ length: query.n }, (_, i) => query.text[i * words + w] > 0));
});
log(`tags → photos by ${route}: MAP over ${testWords.length} one-word queries ${(apSum / testWords.length).toFixed(3)}`);
}
log(`held-out training photos: ${query.n}`);

const write = flags.get('write');
if (write !== undefined) {
  const by = String(write) as 'f1' | 'captions';
  if (by !== 'f1' && by !== 'captions') throw new Error('--write f1 or --write captions');
  if (chosen[by].value < 0) throw new Error(`no ${by} measure on these photos`);
  const file = path.join(dir, 'meta.json');
  const saved = JSON.parse(await fs.readFile(file, 'utf8')) as { ranking?: { alpha: number; frequency: number[] } } & Record<string, unknown>;
  if (!saved.ranking) throw new Error(`${file} has no ranking to set`);
  saved.ranking.alpha = chosen[by].alpha;
  saved.rankingChoice = {
    command: `npx tsx models/multimodal-dbm/scripts/tune.ts ${process.argv.slice(2).join(' ')}`,
    by: by === 'f1' ? 'F1' : 'precision@5 against captions',
    value: chosen[by].value,
    heldOutPhotos: query.n,
  };
  await fs.writeFile(file, `${JSON.stringify(saved, null, 2)}\n`);
  log(`α = ${chosen[by].alpha} (best held-out ${by === 'f1' ? 'F1' : 'precision@5 against captions'}, ${chosen[by].value.toFixed(3)}) written to ${file}`);
}

function tfTensor(values: Float32Array, n: number, width: number) {
  return tf.tensor2d(values, [n, width]);
}

function fmt(m: { precision: number; recall: number; f1: number; nplus: number; map: number }) {
  return { P: m.precision.toFixed(3), R: m.recall.toFixed(3), F1: m.f1.toFixed(3), 'N+': m.nplus, MAP: m.map.toFixed(3) };
}

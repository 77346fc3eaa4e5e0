/**
 * Which image features tell Flickr8k's caption tags best: the candidates of evaluate.ts (GIST+colour,
 * the learned features at each extraction stride, the two joined) under kNN label transfer and
 * ridge, measured on Flickr8k's 1,000 **dev** photos (settings are chosen here; test is for
 * eval:tags). Tags and vocabulary come from the training captions (`lib/text/caption-tags.ts`);
 * the measures are `models/multimodal-dbm/flickr-eval.ts`'s: per-word P/R/F1/N+/MAP against the
 * caption tags, and precision@5 against the raw captions.
 *
 *   npx tsx models/learned-features/scripts/evaluate-flickr.ts [--checkpoint DIR] [--strides 1,2] [--power 0.5] [--json]
 *
 * Ridge's λ is chosen by F1 on 1,000 of the training photos (seeded), fitted on the other 5,000,
 * then refitted on all 6,000; every β (0: as fitted, 1: z-scores per word) is reported, since β
 * moves F1 and precision@5 in opposite directions.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '@/lib/env';
import { initBackend } from '@/lib/tfjs/backend';
import { buildFlickrVocabulary, captionLemmaSet } from '@/lib/text/caption-tags';
import { seededShuffle } from '@/lib/random';
import { KNN_CONFIG, type TaggedPhotos } from '@/models/multimodal-dbm/baselines';
import { captionTagCounts, flickrTagMetrics, type FlickrTagMetrics } from '@/models/multimodal-dbm/flickr-eval';
import { flickrSplitRows, loadFlickrFeatures } from '@/models/multimodal-dbm/flickr-data';
import { tagMetrics } from '@/models/multimodal-dbm/metrics';
import { photoPixels } from '../data';
import { CHECKPOINT_DIR, createExtractor, deserialiseWeights, extractFeatures, featureDims, serialiseWeights, type LearnedFeatureConfig } from '../model';
import { euclideanKnnScores, fitRidge, joinRows, l2NormaliseRows, option, ridgeScores, rowsOf, spreadNormalised } from '../readout';

const progress = (m: string) => process.stderr.write(`${m}\n`);
const LAMBDAS = [0.1, 0.3, 1, 3, 10, 30];
const BETAS = [0, 0.5, 1];
const VALIDATION = { size: 1000, seed: 8000 };
const VOTE = KNN_CONFIG.transfer.rule === 'vote' ? KNN_CONFIG.transfer.weighting : ({ kind: 'distance', gamma: 10 } as const);

/** [n × words]: the share of each photo's captions whose lemmas include the word. */
function captionShares(captionsPerPhoto: string[][], vocabulary: readonly string[]): Float32Array {
  const out = new Float32Array(captionsPerPhoto.length * vocabulary.length);
  captionsPerPhoto.forEach((captions, i) => {
    for (const caption of captions) {
      const lemmas = captionLemmaSet([caption]);
      vocabulary.forEach((w, j) => {
        if (lemmas.has(w)) out[i * vocabulary.length + j] += 1 / captions.length;
      });
    }
  });
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const checkpoint = path.resolve(option(args, 'checkpoint') ?? CHECKPOINT_DIR);
  const power = Number(option(args, 'power') ?? 0.5);
  const strides = (option(args, 'strides') ?? '1,2').split(',').map(Number);
  const backend = await initBackend('wasm');
  progress(`backend ${backend.name}`);

  const meta = JSON.parse(await fsp.readFile(path.join(checkpoint, 'meta.json'), 'utf8')) as { config: LearnedFeatureConfig };
  const weights = deserialiseWeights(new Uint8Array(await fsp.readFile(path.join(checkpoint, 'weights.bin'))), meta.config);
  const weightsHash = crypto.createHash('sha256').update(serialiseWeights(weights)).digest('hex').slice(0, 12);

  const flickr = await loadFlickrFeatures({ onProgress: (d, t) => d === t && progress(`GIST+colour ${d}/${t}`) });
  const train = flickrSplitRows(flickr, 'train');
  const dev = flickrSplitRows(flickr, 'dev');
  const vocabulary = buildFlickrVocabulary(train.photos);
  const words = vocabulary.length;
  // The read-outs learn either the caption tags (a word in ≥ 2 of the 5 captions: 0/1) or, with
  // --target captions, the share of the photo's captions that use the word (0, 0.2, …, 1).
  const target = option(args, 'target') ?? 'tags';
  const trainText =
    target === 'captions'
      ? captionShares(
          train.photos.map((p) => p.captions),
          vocabulary,
        )
      : captionTagCounts(
          train.photos.map((p) => p.captions),
          vocabulary,
        );
  const devCaptions = dev.photos.map((p) => p.captions);
  const devTruth = { counts: captionTagCounts(devCaptions, vocabulary), n: dev.photos.length, words };
  const nTrain = train.photos.length;
  const nDev = dev.photos.length;
  const allPhotos = [...train.photos, ...dev.photos];

  const sets: Array<{ key: string; label: string; x: Float32Array; d: number; extractionMs?: number }> = [];
  const gistColour = new Float32Array([...train.image, ...dev.image]);
  sets.push({ key: 'gistColour', label: 'GIST+colour (today)', x: gistColour, d: flickr.dims });

  const pixels = await photoPixels(
    allPhotos.map((p) => p.file),
    meta.config.size,
    'flickr8k-train-dev',
    { onProgress: (d, t) => d % 1024 === 0 && progress(`decoded ${d}/${t}`) },
  );
  for (const stride of strides) {
    const config = { ...meta.config, stride };
    const extractor = createExtractor({ ...weights, config });
    const dims = featureDims(config);
    const cache = path.join(env.CACHE_DIR, `flickr8k-train-dev-learned-${config.size}-${config.patch}-${config.centroids}-${config.grid}-s${stride}-${weightsHash}.f32`);
    let learned: Float32Array;
    if (fs.existsSync(cache) && fs.statSync(cache).size === allPhotos.length * dims * 4) {
      const b = await fsp.readFile(cache);
      learned = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    } else {
      learned = new Float32Array(allPhotos.length * dims);
      for (let s = 0; s < pixels.length; s += 256) {
        extractFeatures(pixels.slice(s, s + 256), extractor).forEach((v, i) => learned.set(v, (s + i) * dims));
        progress(`stride ${stride}: learned features ${Math.min(s + 256, pixels.length)}/${pixels.length}`);
      }
      await fsp.writeFile(cache, new Uint8Array(learned.buffer));
    }
    const times: number[] = [];
    for (let r = 0; r < 25; r++) {
      const t0 = performance.now();
      extractFeatures([pixels[r]], extractor, 1);
      if (r >= 5) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    extractor.dispose();
    const unit = l2NormaliseRows(learned.map((v) => Math.pow(Math.max(v, 0), power)), dims);
    const label = `learned (K ${config.centroids}, ${config.grid}×${config.grid}, ${config.size} px, stride ${stride})`;
    const extractionMs = +times[times.length >> 1].toFixed(1);
    sets.push({ key: `learnedS${stride}`, label, x: unit, d: dims, extractionMs });
    sets.push({ key: `joinedS${stride}`, label: `${label} + GIST+colour`, x: joinRows(unit, dims, gistColour, flickr.dims), d: dims + flickr.dims, extractionMs });
  }

  const trainRows = Array.from({ length: nTrain }, (_, i) => i);
  const devRows = Array.from({ length: nDev }, (_, i) => nTrain + i);
  const order = seededShuffle(trainRows, VALIDATION.seed);
  const validationRows = order.slice(0, VALIDATION.size).sort((a, b) => a - b);
  const referenceRows = order.slice(VALIDATION.size).sort((a, b) => a - b);
  const textRows = (rows: number[]) => rowsOf(trainText, words, rows);

  type Row = { set: string; label: string; d: number; readout: string; metrics: FlickrTagMetrics };
  const table: Row[] = [];
  for (const set of sets) {
    const t0 = performance.now();
    const trainPhotos: TaggedPhotos = { image: rowsOf(set.x, set.d, trainRows), text: trainText, n: nTrain };
    const devX = rowsOf(set.x, set.d, devRows);
    const knn = flickrTagMetrics({ scores: euclideanKnnScores(devX, nDev, trainPhotos, KNN_CONFIG.k, VOTE), n: nDev, words }, vocabulary, devCaptions, devTruth);
    table.push({ set: set.key, label: set.label, d: set.d, readout: 'kNN (L2, k 10)', metrics: knn });
    const reference: TaggedPhotos = { image: rowsOf(set.x, set.d, referenceRows), text: textRows(referenceRows), n: referenceRows.length };
    const validation = { image: rowsOf(set.x, set.d, validationRows), counts: textRows(validationRows), n: validationRows.length };
    const fits = fitRidge(reference, LAMBDAS, target !== 'captions');
    const f1s = fits.map((m) => tagMetrics({ scores: spreadNormalised(m, ridgeScores(m, validation.image, validation.n), 1), n: validation.n, words }, { counts: validation.counts, n: validation.n, words }).f1);
    const lambda = LAMBDAS[f1s.indexOf(Math.max(...f1s))];
    const [model] = fitRidge(trainPhotos, [lambda], target !== 'captions');
    const raw = ridgeScores(model, devX, nDev);
    for (const beta of BETAS) {
      const metrics = flickrTagMetrics({ scores: spreadNormalised(model, raw, beta), n: nDev, words }, vocabulary, devCaptions, devTruth);
      table.push({ set: set.key, label: set.label, d: set.d, readout: `ridge (λ ${lambda}, β ${beta})`, metrics });
    }
    progress(`${set.label}: ${((performance.now() - t0) / 1000).toFixed(0)} s; validation F1 by λ ${f1s.map((f) => (100 * f).toFixed(1)).join(' / ')}`);
  }

  if (json) {
    process.stdout.write(`${JSON.stringify({ table, extractionMs: Object.fromEntries(sets.filter((s) => s.extractionMs).map((s) => [s.key, s.extractionMs])) })}\n`);
    return;
  }
  const pct = (x: number) => (100 * x).toFixed(1);
  console.log(`Flickr8k dev (${nDev} photos, ${words}-word vocabulary from the training captions; 5 words each); learned features: ${path.relative(process.cwd(), checkpoint)}, power ${power}`);
  console.log();
  console.log('| features | dims | read-out | P % | R % | F1 % | N+ | MAP % | P@5 captions % |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of table) {
    const m = r.metrics;
    console.log(`| ${r.label} | ${r.d} | ${r.readout} | ${pct(m.precision)} | ${pct(m.recall)} | ${pct(m.f1)} | ${m.nplus} | ${pct(m.map)} | ${pct(m.precisionAt5Captions)} |`);
  }
  console.log();
  for (const s of sets.filter((s) => s.extractionMs)) console.log(`${s.label}: ${s.extractionMs} ms per photo (p50 of 20, batch of one, warm, ${backend.name}).`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * Which image features tell Corel-5k's tags best: each candidate feature set under two read-outs,
 * on the 499 test photos with the literature's protocol (`models/multimodal-dbm/metrics.ts`: 5
 * words per photo, per-word P/R/F1, N+, MAP).
 *
 *   npx tsx models/learned-features/evaluate.ts [--checkpoint DIR] [--power 0.5] [--json] [--write]
 *
 * Feature sets: GIST+colour (today's, the baseline), its colour histogram alone, the learned
 * features of `checkpoint/` (pooled activations raised to `--power`, then unit length), and the
 * learned features joined with GIST+colour (each unit length, equal weight).
 * Read-outs (readout.ts): kNN label transfer (Euclidean, the DBM baseline's vote, k = 10) and
 * ridge regression to the tag indicators with λ chosen on the validation split the DBM's kNN
 * baseline uses (500 of the training photos; never a test photo), then refitted on all 4,500.
 * The tuned kNN of `eval:tags` on GIST+colour is one more row, for reference.
 * Also: feature extraction time per photo (batch of one, warm, one thread).
 * `--json` prints only `{"<set>": {"knn": {...}, "ridge": {...}}, "extractionMs": ...}`; `--write`
 * adds the table to the checkpoint's meta.json.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { env } from '@/lib/env';
import { initBackend } from '@/lib/tfjs/backend';
import { COLOUR_DIMS } from '@/models/image-features/model';
import { KNN_CONFIG, knnTagScores, validationSplit, type TaggedPhotos } from '@/models/multimodal-dbm/baselines';
import { loadCorelFeatures, splitOf } from '@/models/multimodal-dbm/data';
import { tagMetrics, type TagMetrics } from '@/models/multimodal-dbm/metrics';
import { photoPixels } from './data';
import { CHECKPOINT_DIR, createExtractor, deserialiseWeights, extractFeatures, featureDims, serialiseWeights, type LearnedFeatureConfig } from './model';
import { euclideanKnnScores, fitRidge, joinRows, l2NormaliseRows, option, ridgeScores, rowsOf, spreadNormalised } from './readout';

const progress = (m: string) => process.stderr.write(`${m}\n`);
const LAMBDAS = [0.1, 0.3, 1, 3];
const BETAS = [0, 0.5, 1];
/** Features are extracted once on a 4×4 grid; coarser grids are sums of its cells. */
const FINE_GRID = 4;
const VOTE = KNN_CONFIG.transfer.rule === 'vote' ? KNN_CONFIG.transfer.weighting : ({ kind: 'distance', gamma: 10 } as const);

function pick(x: Float32Array, d: number, from: number, to: number): Float32Array {
  const n = x.length / d;
  const out = new Float32Array(n * (to - from));
  for (let i = 0; i < n; i++) out.set(x.subarray(i * d + from, i * d + to), i * (to - from));
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const write = args.includes('--write');
  const checkpoint = path.resolve(option(args, 'checkpoint') ?? CHECKPOINT_DIR);
  const power = Number(option(args, 'power') ?? 0.5);
  const backend = await initBackend('wasm');
  progress(`backend ${backend.name}`);

  const meta = JSON.parse(await fsp.readFile(path.join(checkpoint, 'meta.json'), 'utf8')) as { config: LearnedFeatureConfig } & Record<string, unknown>;
  const config = meta.config;
  const weights = deserialiseWeights(new Uint8Array(await fsp.readFile(path.join(checkpoint, 'weights.bin'))), config);
  const extractor = createExtractor({ ...weights, config: { ...config, grid: FINE_GRID } });

  const corel = await loadCorelFeatures({ onProgress: (d, t) => d === t && progress(`GIST+colour ${d}/${t}`) });
  const words = corel.dataset.vocabulary.length;
  const items = corel.dataset.items;
  const trainRows = items.flatMap((it, i) => (it.split === 'train' ? [i] : []));
  const testRows = items.flatMap((it, i) => (it.split === 'test' ? [i] : []));
  const trainSplit = splitOf(corel, 'train');
  const testSplit = splitOf(corel, 'test');

  // Learned features of every Corel photo, cached per checkpoint content.
  const dims = featureDims({ ...config, grid: FINE_GRID });
  const weightsHash = crypto.createHash('sha256').update(serialiseWeights(weights)).digest('hex').slice(0, 12);
  const key = `${config.size}-${config.patch}-${config.centroids}-${FINE_GRID}${(config.stride ?? 1) > 1 ? `-s${config.stride}` : ''}-${weightsHash}`;
  const cache = path.join(env.CACHE_DIR, `corel5k-learned-${key}.f32`);
  let learned: Float32Array;
  if (fs.existsSync(cache) && fs.statSync(cache).size === items.length * dims * 4) {
    const b = await fsp.readFile(cache);
    learned = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  } else {
    const pixels = await photoPixels(items.map((it) => it.file), config.size, 'corel5k-all', { onProgress: (d, t) => d % 1024 === 0 && progress(`decoded ${d}/${t}`) });
    learned = new Float32Array(items.length * dims);
    const start = performance.now();
    for (let s = 0; s < pixels.length; s += 256) {
      extractFeatures(pixels.slice(s, s + 256), extractor).forEach((v, i) => learned.set(v, (s + i) * dims));
      progress(`learned features ${Math.min(s + 256, pixels.length)}/${pixels.length}`);
    }
    progress(`extraction: ${((performance.now() - start) / pixels.length).toFixed(1)} ms per photo in batches of 8`);
    await fsp.writeFile(cache, new Uint8Array(learned.buffer));
  }

  // Extraction time for one photo at a time, warm.
  const sample = (await photoPixels(items.slice(0, 1).map((it) => it.file), config.size, 'corel5k-first')).at(0)!;
  const times: number[] = [];
  for (let r = 0; r < 25; r++) {
    const t0 = performance.now();
    extractFeatures([sample], extractor, 1);
    if (r >= 5) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const extractionMs = +times[Math.floor(times.length / 2)].toFixed(1);
  const tensorsBefore = tf.memory().numTensors;
  extractFeatures([sample], extractor, 1);
  if (tf.memory().numTensors !== tensorsBefore) throw new Error('extraction leaked tensors');

  // Feature sets, all as unit-length rows over all 4,999 photos.
  const gistColour = corel.features;
  const colour = l2NormaliseRows(pick(gistColour, corel.dims, 0, COLOUR_DIMS), COLOUR_DIMS);
  const K = config.centroids;
  const coarse = (grid: number) => {
    const out = new Float32Array(items.length * grid * grid * K);
    for (let i = 0; i < items.length; i++) {
      for (let fy = 0; fy < FINE_GRID; fy++) {
        for (let fx = 0; fx < FINE_GRID; fx++) {
          const from = i * dims + (fy * FINE_GRID + fx) * K;
          const to = i * grid * grid * K + (Math.floor((fy * grid) / FINE_GRID) * grid + Math.floor((fx * grid) / FINE_GRID)) * K;
          for (let k = 0; k < K; k++) out[to + k] += learned[from + k];
        }
      }
    }
    return out;
  };
  const sets: Array<{ key: string; label: string; x: Float32Array; d: number }> = [
    { key: 'gistColour', label: 'GIST+colour (today)', x: gistColour, d: corel.dims },
    { key: 'colour', label: 'colour histogram alone', x: colour, d: COLOUR_DIMS },
  ];
  for (const grid of [config.grid, FINE_GRID].filter((g, i, all) => all.indexOf(g) === i)) {
    const d = grid * grid * K;
    const unit = l2NormaliseRows((grid === FINE_GRID ? learned : coarse(grid)).map((v) => Math.pow(Math.max(v, 0), power)), d);
    const name = `learned (K ${K}, ${grid}×${grid}, ${config.size} px)`;
    sets.push({ key: `learned${grid}x${grid}`, label: name, x: unit, d });
    sets.push({ key: `joined${grid}x${grid}`, label: `${name} + GIST+colour`, x: joinRows(unit, d, gistColour, corel.dims), d: d + corel.dims });
  }

  const truth = { counts: testSplit.text, n: testRows.length, words };
  const results: Record<string, { knn: TagMetrics; ridge: TagMetrics; lambda: number; beta: number; validationF1: number }> = {};
  for (const set of sets) {
    const train: TaggedPhotos = { image: rowsOf(set.x, set.d, trainRows), text: trainSplit.text, n: trainRows.length };
    const test = rowsOf(set.x, set.d, testRows);
    const t0 = performance.now();
    const knn = tagMetrics({ scores: euclideanKnnScores(test, testRows.length, train, KNN_CONFIG.k, VOTE), n: testRows.length, words }, truth);
    // λ on the validation split of the training photos.
    const { reference, validation } = validationSplit(train);
    const fits = fitRidge(reference, LAMBDAS);
    const grid = fits.flatMap((m, l) => {
      const raw = ridgeScores(m, validation.image, validation.n);
      return BETAS.map((beta) => ({
        lambda: LAMBDAS[l],
        beta,
        f1: tagMetrics({ scores: spreadNormalised(m, raw, beta), n: validation.n, words }, { counts: validation.text, n: validation.n, words }).f1,
      }));
    });
    const best = grid.reduce((a, b) => (b.f1 > a.f1 ? b : a));
    const [model] = fitRidge(train, [best.lambda]);
    const ridge = tagMetrics({ scores: spreadNormalised(model, ridgeScores(model, test, testRows.length), best.beta), n: testRows.length, words }, truth);
    results[set.key] = { knn, ridge, lambda: best.lambda, beta: best.beta, validationF1: best.f1 };
    progress(
      `${set.label}: kNN F1 ${(100 * knn.f1).toFixed(1)}, ridge F1 ${(100 * ridge.f1).toFixed(1)} (λ ${best.lambda}, β ${best.beta}; validation F1 ${grid.map((g) => (100 * g.f1).toFixed(1)).join(' / ')}) — ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  const tuned = tagMetrics(
    { scores: knnTagScores(testSplit.image, testRows.length, { image: trainSplit.image, text: trainSplit.text, n: trainRows.length }), n: testRows.length, words },
    truth,
  );
  extractor.dispose();

  const round = (m: TagMetrics) => ({ precision: +m.precision.toFixed(4), recall: +m.recall.toFixed(4), f1: +m.f1.toFixed(4), nplus: m.nplus, map: +m.map.toFixed(4) });
  const table = Object.fromEntries(sets.map((s) => [s.key, { knn: round(results[s.key].knn), ridge: { ...round(results[s.key].ridge), lambda: results[s.key].lambda, beta: results[s.key].beta } }]));
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...table, gistColourTunedKnn: round(tuned), extractionMs })}\n`);
  } else {
    const pct = (x: number) => (100 * x).toFixed(1);
    console.log(`Corel-5k test (${testRows.length} photos, 5 words each); learned features: ${path.relative(process.cwd(), checkpoint)}, power ${power}`);
    console.log();
    console.log('| features | dims | read-out | P % | R % | F1 % | N+ | MAP % |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    const line = (label: string, d: number | string, how: string, m: TagMetrics) =>
      console.log(`| ${label} | ${d} | ${how} | ${pct(m.precision)} | ${pct(m.recall)} | ${pct(m.f1)} | ${m.nplus} | ${pct(m.map)} |`);
    for (const s of sets) {
      line(s.label, s.d, 'kNN (L2, k 10)', results[s.key].knn);
      line(s.label, s.d, `ridge (λ ${results[s.key].lambda}, β ${results[s.key].beta})`, results[s.key].ridge);
    }
    line('GIST+colour (today)', corel.dims, 'kNN as eval:tags (tuned)', tuned);
    console.log();
    console.log(`Learned-feature extraction: ${extractionMs} ms per photo (p50 of 20, batch of one, warm, one thread, ${backend.name}).`);
  }
  if (write) {
    const file = path.join(checkpoint, 'meta.json');
    const updated = { ...meta, evaluation: { command: `npx tsx models/learned-features/evaluate.ts ${args.filter((a) => a !== '--write').join(' ')}`.trim(), date: new Date().toISOString(), data: 'Corel-5k test, 499 photos; λ chosen on 500 training photos', power, extractionMs, results: table, gistColourTunedKnn: round(tuned) } };
    await fsp.writeFile(file, `${JSON.stringify(updated, null, 2)}\n`);
    progress(`wrote ${path.relative(process.cwd(), file)}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

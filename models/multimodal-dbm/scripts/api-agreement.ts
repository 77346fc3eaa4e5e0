/**
 * Does photo → tags in the product score what `npm run eval:tags` says it does? Corel-5k's 499 test
 * photos, each sent as its file's bytes through the code path of `POST /api/tags` with
 * `model: "multimodal-dbm-corel"` (TagService.preparePhoto: prepareUpload, the blob store,
 * `toModelInput`, `image-features` in the model server, the database; then TagService.suggest: the
 * DBM's mean-field in the model server, the ranking, the rounding), with a model server in this
 * process (one worker) and a throw-away database and blob store. Its top 5 words per photo are scored with the literature's protocol
 * (`metrics.ts`) next to eval:tags's DBM row (cached features, DBM in this thread).
 *
 * Then what each way of preparing a photo does to the same DBM (features computed here, scored as
 * eval:tags does): the file's bytes cover-cropped (how the training photos' features were made),
 * the JPEG copy the blob store keeps (what uploads were tagged from before, and what re-featuring
 * reads), and the file's bytes squashed to 128×128 (`fit: 'fill'`, how Flickr8k's photos were
 * made). kNN label transfer on cover-cropped and on squashed photos (training photos prepared
 * the same way) says whether a tagger trained on squashed photos would lose anything.
 *
 *   npx tsx models/multimodal-dbm/scripts/api-agreement.ts              the tables (progress on stderr)
 *   npx tsx models/multimodal-dbm/scripts/api-agreement.ts --json       the same as JSON on stdout
 *   npx tsx models/multimodal-dbm/scripts/api-agreement.ts --photos 50  the first 50 test photos only (a quick check)
 *
 * The squashed training photos' features are cached in CACHE_DIR like the cover-cropped ones.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createDb } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { env } from '@/lib/env';
import { prepareUpload, toModelInput, type ModelInput } from '@/lib/images';
import { JobRegistry } from '@/lib/jobs';
import { ModelServer } from '@/lib/model-server';
import { MODELS } from '@/lib/model-server/registry';
import type { Owner } from '@/lib/owners';
import { vectorFromBytes } from '@/lib/similarity';
import { BlobStore } from '@/lib/storage';
import { TagService } from '@/lib/tags';
import { initBackend } from '@/lib/tfjs/backend';
import { UploadService } from '@/lib/uploads';
import { FEATURE_DIMS, FEATURE_VERSION, gaborBank, imageFeatures } from '@/models/image-features/model';
import { KNN_CONFIG, knnTagScores, type TaggedPhotos } from '../baselines';
import { cachedImageFeatures, loadCorelFeatures, rowsOf, splitOf } from '../data';
import { ANNOTATION_LENGTH, tagMetrics, topWords, type TagMetrics } from '../metrics';
import { loadMultimodalDbm } from '../model';

/** The person sending the photos, as a browser would (the route tags a photo for its owner). */
const SENDER: Owner = { ownerId: 'agreement0000000000000000000001', admin: false, via: 'cookie' };

const progress = (message: string) => process.stderr.write(`${message}\n`);
/** `POST /api/tags`'s `model` for the tagger this folder's checkpoint is (not the default where Flickr8k's is installed). */
const COREL_TAGGER = 'multimodal-dbm-corel';

function photosArg(): number | undefined {
  const at = process.argv.indexOf('--photos');
  if (at < 0) return undefined;
  const n = Number.parseInt(process.argv[at + 1] ?? '', 10);
  if (!(n > 0)) throw new Error('--photos needs a positive number');
  return n;
}

/** Image features of every photo, computed on this thread the way `cachedImageFeatures` does. */
async function featuresOf(photos: Uint8Array[], prepare: (bytes: Uint8Array) => Promise<ModelInput>): Promise<Float32Array> {
  const out = new Float32Array(photos.length * FEATURE_DIMS);
  const bank = gaborBank();
  try {
    for (let start = 0; start < photos.length; start += 32) {
      const inputs = await Promise.all(photos.slice(start, start + 32).map(prepare));
      imageFeatures(inputs, bank).forEach((vector, i) => out.set(vector, (start + i) * FEATURE_DIMS));
      await tf.nextFrame();
    }
  } finally {
    bank.dispose();
  }
  return out;
}

/** The top words through the product: each photo uploaded and tagged as POST /api/tags does. */
async function throughTheService(files: string[], dbmWords: string[]): Promise<{ scores: Float32Array; stored: Float32Array; seconds: number }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'api-agreement-'));
  const url = `file:${path.join(tmp, 'tags.db')}`;
  await migrateDatabase(url);
  const db = createDb(url);
  const server = new ModelServer({
    // What an upload and the Corel tagger ask for (learned-features too, where it is registered).
    models: MODELS.filter((m) => ['image-features', 'learned-features', 'multimodal-dbm'].includes(m.name)),
    workers: 1,
    backend: env.MODEL_BACKEND,
    defaults: { maxBatch: env.MODEL_MAX_BATCH, maxWaitMs: env.MODEL_MAX_WAIT_MS, queueLimit: 64, timeoutMs: 120_000 },
    root: process.cwd(),
  });
  try {
    const uploads = new UploadService(db, new BlobStore(path.join(tmp, 'blobs')), server);
    const service = new TagService({ db, models: server, uploads, jobs: new JobRegistry(), cacheDir: path.join(tmp, 'cache') });
    const index = new Map(dbmWords.map((w, i) => [w, i]));
    const scores = new Float32Array(files.length * dbmWords.length);
    const stored = new Float32Array(files.length * FEATURE_DIMS);
    const start = performance.now();
    for (let i = 0; i < files.length; i++) {
      // The route's two steps: store the photo (a refusal is the request's answer), then tag it.
      const bytes = new Uint8Array(await fsp.readFile(files[i]));
      const upload = await service.preparePhoto(SENDER, { bytes, name: path.basename(files[i]) }, { model: COREL_TAGGER });
      const result = await service.suggest(SENDER, { uploadId: upload.id }, { model: COREL_TAGGER });
      // The words a person is offered first, best first: scored 5, 4, … so `topWords` picks them.
      result.tags.slice(0, ANNOTATION_LENGTH).forEach(({ word }, rank) => (scores[i * dbmWords.length + index.get(word)!] = ANNOTATION_LENGTH - rank));
      const row = await db.imageFeature.findFirst({ where: { uploadId: upload.id, modelName: 'image-features' } });
      stored.set(vectorFromBytes(row!.vector), i * FEATURE_DIMS);
      if ((i + 1) % 100 === 0) progress(`  through the service: ${i + 1}/${files.length}`);
    }
    return { scores, stored, seconds: (performance.now() - start) / 1000 };
  } finally {
    await server.close();
    await db.$disconnect();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const pct = (x: number) => (100 * x).toFixed(1);
const rounded = (m: TagMetrics, map = true) => ({ precision: +m.precision.toFixed(4), recall: +m.recall.toFixed(4), f1: +m.f1.toFixed(4), nplus: m.nplus, map: map ? +m.map.toFixed(4) : null });

function table(rows: Array<{ label: string; m: ReturnType<typeof rounded> }>): string {
  const cells = [['', 'P %', 'R %', 'F1 %', 'N+', 'MAP %'], ...rows.map(({ label, m }) => [label, pct(m.precision), pct(m.recall), pct(m.f1), String(m.nplus), m.map === null ? '—' : pct(m.map)])];
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

function sameTopWords(a: Float32Array, b: Float32Array, n: number, words: number): number {
  const ta = topWords({ scores: a, n, words });
  const tb = topWords({ scores: b, n, words });
  return ta.filter((row, i) => [...row].sort().join() === [...tb[i]].sort().join()).length;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

async function main() {
  const json = process.argv.includes('--json');
  const limit = photosArg();
  const backend = await initBackend(env.MODEL_BACKEND);
  progress(`TensorFlow.js backend ${backend.name}; loading Corel-5k image features…`);
  const corel = await loadCorelFeatures();
  const words = corel.dataset.vocabulary.length;
  const allTest = splitOf(corel, 'test');
  const test = limit ? rowsOf(allTest, allTest.items.slice(0, limit).map((_, i) => i)) : allTest;
  const n = test.items.length;
  const truth = { counts: test.text, n, words };
  const files = test.items.map((item) => item.file);
  const photos = await Promise.all(files.map(async (file) => new Uint8Array(await fsp.readFile(file))));

  const dbm = await loadMultimodalDbm();
  const dbmScores = (features: Float32Array) => dbm.tagScores(features, n);
  const evalScores = await dbmScores(test.image);
  const evaluation = tagMetrics({ scores: evalScores, n, words }, truth);

  progress(`Tagging ${n} photos through TagService (POST /api/tags's path), one at a time…`);
  const api = await throughTheService(files, dbm.vocabulary);
  const apiMetrics = tagMetrics({ scores: api.scores, n, words }, truth);

  progress('Features of each way of preparing a photo…');
  const asSent = await featuresOf(photos, (bytes) => toModelInput(bytes));
  const storedCopy = await featuresOf(photos, async (bytes) => toModelInput((await prepareUpload(bytes)).data));
  const squashed = await featuresOf(photos, (bytes) => toModelInput(bytes, 128, { fit: 'fill' }));
  const preparations = [
    { key: 'asSent', label: 'photo as sent, cover-crop (the product; training photos were made so)', features: asSent },
    { key: 'storedCopy', label: "the blob store's JPEG copy (q90), cover-crop (the product before; re-featuring)", features: storedCopy },
    { key: 'squashed', label: 'photo as sent, squashed to 128×128 (fit: fill)', features: squashed },
  ];
  const prepared = [];
  for (const p of preparations) {
    const scores = await dbmScores(p.features);
    prepared.push({ ...p, metrics: tagMetrics({ scores, n, words }, truth), sameWords: sameTopWords(scores, evalScores, n, words), featureDiff: maxDifference(p.features, test.image) });
  }

  progress('kNN on cover-cropped and on squashed photos (training photos prepared the same way)…');
  const train = splitOf(corel, 'train');
  const trainSquashed = await cachedImageFeatures(
    train.items.map((item) => item.file),
    path.join(env.CACHE_DIR, `corel5k-train-squashed-features-${FEATURE_VERSION}.f32`),
    (done, total) => done % 960 === 0 && progress(`  squashed training photos ${done}/${total}`),
    { fit: 'fill' },
  );
  const knn = (trainImage: Float32Array, testImage: Float32Array) => {
    const reference: TaggedPhotos = { image: trainImage, text: train.text, n: train.items.length };
    return tagMetrics({ scores: knnTagScores(testImage, n, reference, KNN_CONFIG), n, words }, truth);
  };
  const knnCover = knn(train.image, test.image);
  const knnSquashed = knn(trainSquashed, squashed);
  // A tagger shown photos prepared unlike its training photos, either way round.
  const knnCoverTrainedSquashedTest = knn(train.image, squashed);
  const knnSquashTrainedCoverTest = knn(trainSquashed, test.image);
  dbm.dispose();

  const agreement = {
    photos: n,
    sameWords: sameTopWords(api.scores, evalScores, n, words),
    storedFeaturesMaxDifference: maxDifference(api.stored, test.image),
    f1Gap: apiMetrics.f1 - evaluation.f1,
  };
  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        evalTags: rounded(evaluation),
        api: rounded(apiMetrics, false),
        agreement,
        preparations: Object.fromEntries(prepared.map((p) => [p.key, { ...rounded(p.metrics), sameWords: p.sameWords, featureMaxDifference: p.featureDiff }])),
        knn: {
          cover: rounded(knnCover),
          squashed: rounded(knnSquashed),
          coverTrainedSquashedTest: rounded(knnCoverTrainedSquashedTest),
          squashTrainedCoverTest: rounded(knnSquashTrainedCoverTest),
        },
      })}\n`,
    );
    return;
  }
  console.log(`Photo → tags on Corel-5k: ${n} test photos, 5 words each (features ${FEATURE_VERSION}, DBM ${dbm.version}, backend ${backend.name})`);
  console.log();
  console.log(table([
    { label: 'npm run eval:tags (cached features, DBM in-process)', m: rounded(evaluation) },
    { label: 'POST /api/tags path (TagService, model server)', m: rounded(apiMetrics, false) },
  ]));
  console.log();
  console.log(`Through the API: ${api.seconds.toFixed(1)} s; the same 5 words as eval:tags for ${agreement.sameWords} of ${n} photos;`);
  console.log(`F1 ${agreement.f1Gap >= 0 ? '+' : ''}${(100 * agreement.f1Gap).toFixed(1)} points; stored image features differ from eval's by at most ${agreement.storedFeaturesMaxDifference.toExponential(1)}.`);
  console.log('(MAP needs every word scored for every photo; the API shows each photo its top 15.)');
  console.log();
  console.log('The same DBM on features from each way of preparing a photo:');
  console.log(table(prepared.map((p) => ({ label: p.label, m: rounded(p.metrics) }))));
  for (const p of prepared) console.log(`  ${p.key}: same 5 words as eval:tags for ${p.sameWords} of ${n} photos; features differ by at most ${p.featureDiff.toFixed(4)}`);
  console.log();
  console.log(`kNN label transfer (${KNN_CONFIG.transfer.rule}, k=${KNN_CONFIG.k}) by how the training (4,500) and test photos were prepared:`);
  console.log(table([
    { label: 'training cover-crop, test cover-crop', m: rounded(knnCover) },
    { label: 'training squashed, test squashed', m: rounded(knnSquashed) },
    { label: 'training cover-crop, test squashed', m: rounded(knnCoverTrainedSquashedTest) },
    { label: 'training squashed, test cover-crop', m: rounded(knnSquashTrainedCoverTest) },
  ]));
}

await main();

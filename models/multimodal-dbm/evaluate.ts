/**
 * Photo → tags on both collections, in one command:
 *
 * - Corel-5k's 499 test photos: the Corel-5k DBM next to baselines run in the same command (kNN
 *   label transfer on the same features — GIST+colour, which are also the old features, so `knn`
 *   and `knnOld` are one row — and the tag-frequency prior, `baselines.ts`) and the published JEC
 *   and TagProp figures, with the standard annotation protocol (`metrics.ts`: 5 words per photo,
 *   per-word precision and recall averaged over the test words, F1, N+, per-word retrieval MAP).
 * - Flickr8k's 1,000 test photos: the Flickr8k DBM next to kNN on its own features (learned ⊕
 *   GIST+colour), kNN on GIST+colour and the prior, against the caption tags (same protocol), plus
 *   precision@5 against the raw captions (`flickr-eval.ts`).
 *
 *   npm run eval:tags                   both tables (progress on stderr)
 *   npm run eval:tags -- --json         {"corel": {"dbm", "knn", "knnOld", "prior"}, "flickr8k": {…}} only, on stdout
 *   npm run eval:tags -- --write        also saves each checkpoint's evaluation.json for the model cards
 *   npm run eval:tags -- --validation   the kNN choices on a validation split of Corel-5k's training photos
 *   npm run eval:tags -- --checkpoint DIR          evaluate (and --write into) another Corel-5k checkpoint
 *   npm run eval:tags -- --flickr-checkpoint DIR   the same for the Flickr8k tagger
 *
 * A `dbm` is null (and the table says why) while that DBM has no trained checkpoint.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '@/lib/env';
import { EVALUATION_FILE, META_FILE, type Evaluation, type EvaluationRow } from '@/lib/model-cards';
import { initBackend } from '@/lib/tfjs/backend';
import { euclideanKnnScores } from '@/models/learned-features/readout';
import { describeKnnConfig, KNN_CONFIG, knnTagScores, priorTagScores, validateKnn, VALIDATION, type TaggedPhotos } from './baselines';
import { loadCorelFeatures, splitOf } from './data';
import { evaluateFlickrTagger, FLICKR_GOAL, type FlickrTaggerEvaluation, type FlickrTagMetrics } from './flickr-eval';
import { loadFlickrFeatures } from './flickr-data';
import { tagMetrics, type TagMetrics } from './metrics';
import { CHECKPOINT_DIR, loadMultimodalDbm } from './model';
import { FLICKR_CHECKPOINT_DIR } from './serve-flickr';
import { loadFlickrJoined } from './training-sets';

/** Published Corel-5k results (not measured here): P, R, N+ as the papers report them. */
const PUBLISHED = [
  { key: 'jec', label: 'JEC (Makadia et al., ECCV 2008)', precision: 0.27, recall: 0.32, nplus: 139 },
  { key: 'tagprop', label: 'TagProp σML (Guillaumin et al., ICCV 2009)', precision: 0.33, recall: 0.42, nplus: 160 },
];

const progress = (message: string) => process.stderr.write(`${message}\n`);

function timed<T>(label: string, run: () => T): T {
  const start = performance.now();
  const out = run();
  progress(`${label}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return out;
}

type DbmOutcome = { ok: true; metrics: TagMetrics; version: string; seconds: number; training: string } | { ok: false; reason: string };

/** The DBM's scores on the test photos, or why there are none. */
async function evaluateDbm(checkpointDir: string, test: TaggedPhotos, truth: Parameters<typeof tagMetrics>[1]): Promise<DbmOutcome> {
  if (!fs.existsSync(path.join(checkpointDir, META_FILE))) {
    return { ok: false, reason: `the DBM is not trained yet (no ${path.relative(process.cwd(), path.join(checkpointDir, META_FILE))})` };
  }
  const backend = await initBackend(env.MODEL_BACKEND);
  progress(`DBM: TensorFlow.js backend ${backend.name}`);
  const dbm = await loadMultimodalDbm(checkpointDir);
  try {
    const start = performance.now();
    const scores = await dbm.tagScores(test.image, test.n);
    const seconds = (performance.now() - start) / 1000;
    progress(`DBM (${dbm.version}): ${seconds.toFixed(1)} s for ${test.n} photos`);
    const fineTuning = dbm.meta.fineTuning as { keptEpoch: number } | undefined;
    const training = fineTuning
      ? `trained generatively, then ${fineTuning.keptEpoch} epochs of backpropagation through its mean-field (fine-tune.ts)`
      : 'trained generatively (train.ts)';
    return { ok: true, metrics: tagMetrics({ scores, n: test.n, words: truth.words }, truth), version: dbm.version, seconds, training };
  } finally {
    dbm.dispose();
  }
}

/** The per-word annotation columns of both collections' model cards. */
const TAG_COLUMNS: Evaluation['columns'] = [
  { key: 'precision', label: 'Precision', format: 'percent', help: 'mean over words of correct / predicted' },
  { key: 'recall', label: 'Recall', format: 'percent', help: 'mean over words of correct / true' },
  { key: 'f1', label: 'F1', format: 'percent', help: '2PR / (P + R)' },
  { key: 'nplus', label: 'N+', format: 'count', help: 'words recalled at least once' },
  { key: 'map', label: 'MAP', format: 'percent', help: 'per-word retrieval average precision' },
];

/** A checkpoint's evaluation.json, written atomically. */
async function writeEvaluation(dir: string, evaluation: Evaluation): Promise<void> {
  const file = path.join(dir, EVALUATION_FILE);
  await fsp.writeFile(`${file}.tmp`, `${JSON.stringify(evaluation, null, 2)}\n`);
  await fsp.rename(`${file}.tmp`, file);
  progress(`Wrote ${path.relative(process.cwd(), file)}`);
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}`);
const f1Of = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
const rounded = (m: TagMetrics) => ({
  precision: +m.precision.toFixed(4),
  recall: +m.recall.toFixed(4),
  f1: +m.f1.toFixed(4),
  nplus: m.nplus,
  map: +m.map.toFixed(4),
});

function printTable(rows: Array<{ label: string; kind: string; m: { precision: number; recall: number; f1: number; nplus: number; map: number | null } | null; note?: string }>) {
  const header = ['method', 'P %', 'R %', 'F1 %', 'N+', 'MAP %', ''];
  const lines = rows.map((r) =>
    r.m ? [r.label, pct(r.m.precision), pct(r.m.recall), pct(r.m.f1), String(r.m.nplus), pct(r.m.map), r.kind] : [r.label, '—', '—', '—', '—', '—', `${r.kind}: ${r.note ?? ''}`],
  );
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => (c === header.length - 1 ? 0 : l[c].length))));
  const fmt = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : c === cells.length - 1 ? cell : cell.padStart(widths[c]))).join('  ');
  console.log(fmt(header).trimEnd());
  console.log(widths.map((w) => '-'.repeat(w)).join('  ').trimEnd());
  lines.forEach((l) => console.log(fmt(l).trimEnd()));
}

async function printValidation(train: TaggedPhotos) {
  const rows = validateKnn(train, progress);
  const best = rows[0];
  console.log(`kNN on a validation split: ${VALIDATION.size} of the 4,500 training photos (seed ${VALIDATION.seed}), the other ${train.n - VALIDATION.size} as neighbours.`);
  console.log('Best 15 by F1 (then N+):');
  for (const { config, metrics } of rows.slice(0, 15)) {
    console.log(
      `  F1 ${pct(metrics.f1).padStart(5)}  P ${pct(metrics.precision).padStart(5)}  R ${pct(metrics.recall).padStart(5)}  N+ ${String(metrics.nplus).padStart(3)}  MAP ${pct(metrics.map).padStart(5)}  ${describeKnnConfig(config)}`,
    );
  }
  console.log('Best of each transfer rule and distance:');
  for (const transform of ['none', 'sqrt']) {
    for (const rule of ['jec', 'vote']) {
      for (const metric of ['l1', 'l2', 'cosine']) {
        for (const combination of ['parts', 'whole']) {
          const r = rows.find((x) => (x.config.transform ?? 'none') === transform && x.config.transfer.rule === rule && x.config.metric === metric && x.config.combination === combination);
          if (r) console.log(`  F1 ${pct(r.metrics.f1).padStart(5)}  N+ ${String(r.metrics.nplus).padStart(3)}  ${describeKnnConfig(r.config)}`);
        }
      }
    }
  }
  const fixed = JSON.stringify(KNN_CONFIG) === JSON.stringify(best.config);
  console.log(`Chosen: ${describeKnnConfig(best.config)}${fixed ? ' (= KNN_CONFIG)' : ` — KNN_CONFIG is ${JSON.stringify(KNN_CONFIG)}; update it to ${JSON.stringify(best.config)}`}`);
}

async function main() {
  const args = process.argv.slice(2);
  const valueOf = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? { at, value: args[at + 1] } : null;
  };
  const corelOption = valueOf('--checkpoint');
  const flickrOption = valueOf('--flickr-checkpoint');
  const checkpointDir = corelOption ? path.resolve(corelOption.value ?? '') : CHECKPOINT_DIR;
  const flickrCheckpointDir = flickrOption ? path.resolve(flickrOption.value ?? '') : FLICKR_CHECKPOINT_DIR;
  const taken = new Set([corelOption, flickrOption].flatMap((o) => (o ? [o.at, o.at + 1] : [])));
  const flags = args.filter((_, i) => !taken.has(i));
  const unknown = flags.filter((a) => !['--json', '--write', '--validation'].includes(a));
  if (unknown.length > 0 || (corelOption && !corelOption.value) || (flickrOption && !flickrOption.value)) {
    progress(`Unknown option ${unknown.join(' ') || 'a checkpoint option without a folder'}. Options: --json, --write, --validation, --checkpoint DIR, --flickr-checkpoint DIR.`);
    process.exit(2);
  }
  const json = flags.includes('--json');
  const write = flags.includes('--write');

  progress('Loading Corel-5k image features…');
  let last = 0;
  const corel = await loadCorelFeatures({
    onProgress: (done, total) => {
      if (done === total || done - last >= 500) {
        last = done;
        progress(`  features ${done}/${total}`);
      }
    },
  });
  const words = corel.dataset.vocabulary.length;
  const trainSplit = splitOf(corel, 'train');
  const testSplit = splitOf(corel, 'test');
  const train: TaggedPhotos = { image: trainSplit.image, text: trainSplit.text, n: trainSplit.items.length };
  const test: TaggedPhotos = { image: testSplit.image, text: testSplit.text, n: testSplit.items.length };
  const truth = { counts: test.text, n: test.n, words };

  if (flags.includes('--validation')) {
    await printValidation(train);
    return;
  }

  const prior = timed('prior', () => tagMetrics({ scores: priorTagScores(train, test.n), n: test.n, words }, truth));
  const knn = timed('kNN', () =>
    tagMetrics({ scores: knnTagScores(test.image, test.n, train, KNN_CONFIG, (d, t) => progress(`  kNN ${d}/${t}`)), n: test.n, words }, truth),
  );
  let dbm: DbmOutcome;
  try {
    dbm = await evaluateDbm(checkpointDir, test, truth);
  } catch (error) {
    dbm = { ok: false, reason: `the DBM failed: ${(error as Error).message}` };
  }
  if (!dbm.ok) progress(`No DBM row: ${dbm.reason}.`);

  const goalMet = dbm.ok && dbm.metrics.f1 > knn.f1 && dbm.metrics.nplus > knn.nplus;
  const flickr = await evaluateFlickr(flickrCheckpointDir);

  if (json) {
    const corelBlock = { dbm: dbm.ok ? rounded(dbm.metrics) : null, knn: rounded(knn), knnOld: rounded(knn), prior: rounded(prior) };
    const flickrBlock = {
      dbm: flickr.dbm.ok ? roundedFlickr(flickr.dbm.metrics) : null,
      knn: roundedFlickr(flickr.knn),
      knnOld: roundedFlickr(flickr.knnOld),
      prior: roundedFlickr(flickr.prior),
    };
    process.stdout.write(`${JSON.stringify({ corel: corelBlock, flickr8k: flickrBlock })}\n`);
  } else {
    console.log(`Corel-5k photo → tags, ${test.n} test photos, 5 words per photo, ${new Set(testSplit.items.flatMap((i) => i.tagIds)).size} test words (features ${corel.featureVersion})`);
    console.log();
    printTable([
      dbm.ok ? { label: 'Multimodal DBM', kind: 'ours', m: dbm.metrics } : { label: 'Multimodal DBM', kind: 'ours', m: null, note: dbm.reason },
      { label: `kNN label transfer (${KNN_CONFIG.transfer.rule}, k=${KNN_CONFIG.k})`, kind: 'baseline, ours', m: knn },
      { label: 'Tag-frequency prior', kind: 'baseline, ours', m: prior },
      ...PUBLISHED.map((p) => ({ label: p.label, kind: 'published, not ours', m: { ...p, f1: f1Of(p.precision, p.recall), map: null } })),
    ]);
    console.log();
    console.log(`kNN: ${describeKnnConfig(KNN_CONFIG)} (chosen on a validation split of the training photos).`);
    console.log('Published rows are the papers’ figures on their own features (F1 computed from their P and R); MAP here is per-word retrieval AP.');
    console.log(
      dbm.ok
        ? `Goal (DBM ahead of kNN on F1 and N+): ${goalMet ? 'met' : 'not met'} — F1 ${pct(dbm.metrics.f1)} vs ${pct(knn.f1)}, N+ ${dbm.metrics.nplus} vs ${knn.nplus}.`
        : 'Goal (DBM ahead of kNN on F1 and N+): cannot be judged until the DBM is trained.',
    );
    console.log();
    printFlickr(flickr);
  }

  if (write) {
    if (!dbm.ok) {
      progress(`Not writing ${EVALUATION_FILE}: ${dbm.reason}.`);
      process.exit(1);
    }
    const values = (m: { precision: number; recall: number; f1: number; nplus: number; map: number | null }) => ({ ...m });
    const rows: EvaluationRow[] = [
      { key: 'dbm', label: 'Multimodal DBM', kind: 'ours', values: values(dbm.metrics), note: `${dbm.training}; ${dbm.seconds.toFixed(1)} s for ${test.n} photos` },
      { key: 'knn', label: 'kNN label transfer', kind: 'baseline', values: values(knn), note: `${describeKnnConfig(KNN_CONFIG)}; chosen on a validation split of the training photos` },
      { key: 'prior', label: 'Tag-frequency prior', kind: 'baseline', values: values(prior), note: 'the 5 most frequent training tags for every photo' },
      ...PUBLISHED.map((p) => ({
        key: p.key,
        label: p.label,
        kind: 'published' as const,
        values: { precision: p.precision, recall: p.recall, f1: f1Of(p.precision, p.recall), nplus: p.nplus, map: null },
        note: 'as published, on the paper’s own features; F1 computed from its P and R',
      })),
    ];
    const evaluation: Evaluation = {
      model: 'multimodal-dbm',
      date: new Date().toISOString(),
      command: `npm run eval:tags -- ${args.join(' ')}`.trim(),
      data: `Corel-5k test split: ${test.n} photos, ${truth.words}-word vocabulary; kNN and prior use the ${train.n} training photos`,
      protocol:
        'Each photo annotated with its 5 highest-scoring words; precision and recall per word, averaged over the words of the test ground truth (a word never predicted has precision 0); F1 of the two averages; N+ = words with recall > 0; MAP = per-word retrieval average precision (photos ranked by their score for the word), averaged over the test words.',
      modelVersion: dbm.version,
      featureVersion: corel.featureVersion,
      columns: TAG_COLUMNS,
      rows,
      goal: {
        text: 'The DBM beats kNN label transfer on both F1 and N+ (same features, same photos).',
        met: goalMet,
        detail: `F1 ${pct(dbm.metrics.f1)}% vs ${pct(knn.f1)}%, N+ ${dbm.metrics.nplus} vs ${knn.nplus}`,
      },
    };
    await writeEvaluation(checkpointDir, evaluation);
    if (flickr.dbm.ok) await writeFlickrEvaluation(flickrCheckpointDir, flickr, `npm run eval:tags -- ${args.join(' ')}`.trim());
    else progress(`Not writing the Flickr8k evaluation: ${flickr.dbm.reason}.`);
  }
}

const roundedFlickr = (m: FlickrTagMetrics) => ({ ...rounded(m), precisionAt5Captions: +m.precisionAt5Captions.toFixed(4) });

/** Flickr8k test: the Flickr-trained DBM and its baselines (flickr-eval.ts). */
async function evaluateFlickr(checkpointDir: string): Promise<FlickrTaggerEvaluation> {
  progress('Loading Flickr8k features (learned ⊕ GIST+colour, and GIST+colour)…');
  const every = (label: string) => (done: number, total: number) => (done === total || done % 1024 === 0) && progress(`  ${label} ${done}/${total}`);
  const joined = await loadFlickrJoined({ onProgress: every('learned features') });
  const old = await loadFlickrFeatures({ onProgress: every('GIST+colour') });
  const vote = KNN_CONFIG.transfer.rule === 'vote' ? KNN_CONFIG.transfer.weighting : ({ kind: 'distance', gamma: 10 } as const);
  return evaluateFlickrTagger(
    joined,
    old,
    async (image, n, vocabulary) => {
      if (!fs.existsSync(path.join(checkpointDir, META_FILE))) return { reason: `the Flickr8k DBM is not trained yet (no ${path.relative(process.cwd(), path.join(checkpointDir, META_FILE))})` };
      await initBackend(env.MODEL_BACKEND);
      const model = await loadMultimodalDbm(checkpointDir);
      try {
        if (model.meta.featureVersion !== joined.featureVersion) return { reason: `the Flickr8k DBM reads features ${model.meta.featureVersion}, not ${joined.featureVersion}` };
        if (JSON.stringify(model.vocabulary) !== JSON.stringify(vocabulary)) return { reason: 'the Flickr8k DBM’s vocabulary is not the one the training captions give today' };
        const fineTuning = model.meta.fineTuning as { keptEpoch: number } | undefined;
        const training = fineTuning ? `trained generatively, then ${fineTuning.keptEpoch} epochs of backpropagation through its mean-field (fine-tune.ts)` : 'trained generatively (train.ts)';
        return { scores: await model.tagScores(image, n), version: model.version, training };
      } finally {
        model.dispose();
      }
    },
    (query, n, reference) => euclideanKnnScores(query, n, reference, KNN_CONFIG.k, vote),
    progress,
  );
}

function printFlickr(f: FlickrTaggerEvaluation) {
  console.log(
    `Flickr8k photo → tags, ${f.testPhotos} test photos, 5 words per photo, ${f.testWords} test words of the ${f.vocabulary.length}-word caption vocabulary (learned features ${f.featureVersion})`,
  );
  console.log();
  const row = (label: string, m: FlickrTagMetrics | null, note = '') =>
    m
      ? `| ${label} | ${pct(m.precision)} | ${pct(m.recall)} | ${pct(m.f1)} | ${m.nplus} | ${pct(m.map)} | ${pct(m.precisionAt5Captions)} | ${pct(m.anyHitAt5Captions)} |`
      : `| ${label} | — | — | — | — | — | — | — | ${note}`;
  console.log('| method | P % | R % | F1 % | N+ | MAP % | P@5 captions % | ≥ 1 hit % |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(f.dbm.ok ? row('Multimodal DBM (Flickr8k)', f.dbm.metrics) : row('Multimodal DBM (Flickr8k)', null, f.dbm.reason));
  console.log(row('kNN label transfer, learned ⊕ GIST+colour (L2, k 10)', f.knn));
  console.log(row(`kNN label transfer, GIST+colour (${KNN_CONFIG.transfer.rule}, k=${KNN_CONFIG.k})`, f.knnOld));
  console.log(row('Tag-frequency prior', f.prior));
  console.log();
  const bar = Math.max(FLICKR_GOAL.precisionAt5Captions, FLICKR_GOAL.timesPrior * f.prior.precisionAt5Captions);
  console.log(
    f.dbm.ok
      ? `Goal (precision@5 against captions ≥ ${pct(FLICKR_GOAL.precisionAt5Captions)}% and ≥ ${FLICKR_GOAL.timesPrior}× the prior's): ${f.dbm.metrics.precisionAt5Captions >= bar ? 'met' : 'not met'} — ${pct(f.dbm.metrics.precisionAt5Captions)}% against a bar of ${pct(bar)}% (${(f.dbm.metrics.precisionAt5Captions / f.prior.precisionAt5Captions).toFixed(2)}× the prior).`
      : 'Goal (precision@5 against captions ≥ 45% and ≥ 1.8× the prior): cannot be judged until the Flickr8k DBM is trained.',
  );
}

/** The Flickr8k tagger's model card numbers, in its checkpoint folder. */
async function writeFlickrEvaluation(dir: string, f: FlickrTaggerEvaluation, command: string) {
  if (!f.dbm.ok) return;
  const values = (m: FlickrTagMetrics) => ({ precision: m.precision, recall: m.recall, f1: m.f1, nplus: m.nplus, map: m.map, precisionAt5Captions: m.precisionAt5Captions });
  const bar = Math.max(FLICKR_GOAL.precisionAt5Captions, FLICKR_GOAL.timesPrior * f.prior.precisionAt5Captions);
  const evaluation: Evaluation = {
    model: 'multimodal-dbm-flickr',
    date: new Date().toISOString(),
    command,
    data: `Flickr8k test split: ${f.testPhotos} photos, tags from their captions over the ${f.vocabulary.length}-word vocabulary of the ${f.trainPhotos} training photos' captions; kNN and prior use those training photos`,
    protocol:
      'Each photo annotated with its 5 highest-scoring words; per-word precision, recall, F1, N+ and MAP against the caption tags (a word in at least 2 of the photo’s 5 captions), as on Corel-5k; precision@5 against captions: the share of the 5 words that are a lemma of any of the photo’s five captions.',
    modelVersion: f.dbm.version,
    featureVersion: f.featureVersion,
    columns: [
      { key: 'precisionAt5Captions', label: 'P@5 captions', format: 'percent', help: 'share of the top 5 words found in one of the photo’s captions' },
      ...TAG_COLUMNS,
    ],
    rows: [
      { key: 'dbm', label: 'Multimodal DBM (Flickr8k)', kind: 'ours', values: values(f.dbm.metrics), note: `${f.dbm.training}; ${f.dbm.seconds.toFixed(1)} s for ${f.testPhotos} photos` },
      { key: 'knn', label: 'kNN label transfer, same features', kind: 'baseline', values: values(f.knn), note: 'learned ⊕ GIST+colour, Euclidean, 10 neighbours' },
      { key: 'knnOld', label: 'kNN label transfer, GIST+colour', kind: 'baseline', values: values(f.knnOld), note: describeKnnConfig(KNN_CONFIG) },
      { key: 'prior', label: 'Tag-frequency prior', kind: 'baseline', values: values(f.prior), note: 'the 5 most frequent training tags for every photo' },
    ],
    goal: {
      text: 'Precision@5 against captions ≥ 45% and ≥ 1.8× the prior’s.',
      met: f.dbm.metrics.precisionAt5Captions >= bar,
      detail: `${pct(f.dbm.metrics.precisionAt5Captions)}% against a bar of ${pct(bar)}%`,
    },
  };
  await writeEvaluation(dir, evaluation);
}

await main();

/**
 * Measures the one-shot model on Lake's 20 runs (evaluation alphabets, never used in fitting):
 *
 * - classification error, 20-way, one exemplar per character, averaged over the runs: the model
 *   (two-way score), the one-way fit's energy alone, the sampling estimate, and nearest-exemplar
 *   classification by the modified Hausdorff distance (Lake et al.'s baseline), and the same with
 *   sizes normalised, in the same run; the published anchors;
 * - class consistency: variants of each run's exemplars, classified against the run's 20
 *   exemplars by nearest exemplar in shape (sizes normalised), land on their own (people's
 *   drawings, judged the same way, as the reference; and the same with sizes as drawn and with the
 *   model's own fitting classifier);
 * - diversity: mean distance between two variants of an exemplar over the mean distance between
 *   two people's drawings of a character (a run's test drawing and its exemplar); 0 for copies;
 * - a visual-Turing-test proxy: a fresh ConvNet trained to tell people's drawings from variants on
 *   runs 1–10, its accuracy on runs 11–20 (50% = indistinguishable), the mean over five trained from
 *   different seeds, since one alone swings by several points. The same test against copies
 *   of the exemplars (parsed and redrawn with the pen, not varied) shows what the pen alone gives
 *   away.
 *
 *   npm run eval:oneshot                 table on stderr
 *   npm run eval:oneshot -- --json       {"classificationError", "classConsistency", "diversity", "discriminatorAccuracy"} on stdout
 *   npm run eval:oneshot -- --write      also saves checkpoint/evaluation.json for the model card
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { log, parseFlags, ProgressBar, stderrConsole } from '@/lib/cli/progress';
import { renderDrawing, type Drawing } from '@/lib/strokes';
import { initBackend } from '@/lib/tfjs/backend';
import { mean } from '@/models/blocks/statistics';
import { affinePrior, argmax, classify, distances, fitScores, referencesOf } from './classify';
import { loadRunEpisodes, type Episode } from './data';
import { DISCRIMINATOR_SIZE, DISCRIMINATORS, downsample, meanDiscriminatorAccuracy, type Labelled } from './discriminator';
import { centred, modifiedHausdorff, nearestExemplar, pathPoints, sizeNormalised } from './distance';
import { binarize, CHECKPOINT_DIR, loadOneShotModel, oneShotModelVersion } from './model';
import type { Evaluation } from '@/lib/model-cards/evaluation';

const flags = parseFlags();
const dir = String(flags.get('checkpoint') ?? CHECKPOINT_DIR);
const seed = Number(flags.get('seed') ?? 1);
/** Variants per exemplar for class consistency and diversity. */
const VARIANTS = 5;
const PUBLISHED = [
  ['people (Lake et al. 2015)', 4.5],
  ['Bayesian Program Learning', 3.3],
  ['Siamese ConvNet', 8.0],
  ['ConvNet', 13.5],
] as const;

const started = Date.now();
const backend = await initBackend('auto');
const model = await loadOneShotModel(dir);
const runs = await loadRunEpisodes();
log(`${runs.length} runs; model settings ${JSON.stringify(model.settings)}; backend ${backend.name}`);

// Classification: the model (the two-way score), the one-way fit's energy alone, sampling, and the
// nearest exemplar (the last two from the same distances).
const { weights: _, ...oneWayFit } = model.settings.fit;
const oneWayPrior = affinePrior(model.variation, model.settings.spread, oneWayFit.priorScale);
const bar = new ProgressBar('classification'.padEnd(18), runs.length);
let modelErrors = 0;
let oneWayErrors = 0;
let samplingErrors = 0;
let nearestErrors = 0;
let shapeErrors = 0;
let tests = 0;
/** Pen paths centred in the frame, as drawn; and compared by shape alone: centred and brought to one size (distance.ts). */
const points = (d: Drawing) => centred(pathPoints(d));
const shapeOf = (d: Drawing) => sizeNormalised(pathPoints(d));
runs.forEach((run, r) => {
  const references = run.exemplars.map((d, k) => referencesOf(d, model.variation, model.settings.classificationVariants, seed * 1000 + 50 * r + k, model.settings.spread));
  const matrix = distances(run.tests, references);
  const wrong = (guesses: number[]) => guesses.filter((g, i) => g !== run.answers[i]).length;
  modelErrors += wrong(model.classify(run.tests, run.exemplars));
  oneWayErrors += wrong(fitScores(run.tests, run.exemplars, oneWayPrior, oneWayFit).map(argmax));
  samplingErrors += wrong(classify(matrix, model.settings.temperature));
  nearestErrors += wrong(classify(matrix, 1, 0));
  shapeErrors += wrong(nearestExemplar(run.tests.map(shapeOf), run.exemplars.map(shapeOf)));
  tests += run.tests.length;
  bar.update(r + 1);
});
const classificationError = modelErrors / tests;
const oneWayError = oneWayErrors / tests;
const samplingError = samplingErrors / tests;
const nearestExemplarError = nearestErrors / tests;
const nearestShapeError = shapeErrors / tests;

// Variants of every exemplar.
const variants = runs.map((run, r) => run.exemplars.map((d, k) => model.variants(d, VARIANTS, seed * 1000 + 50 * r + k)));

// Class consistency: each variant classified among the run's 20 exemplars — by nearest exemplar
// in shape (the headline: a classifier that owes nothing to the model, the better of the two
// nearest-exemplar classifiers on people's drawings), by nearest exemplar with sizes as drawn
// (Lake et al.'s baseline), and by the model's own fitting classifier. People's drawings (the
// runs' test drawings) are the reference for each: how often the same classifier puts a person's
// drawing with its own character.
let consistentShape = 0;
let consistentNearest = 0;
let consistentFit = 0;
let judged = 0;
runs.forEach((run, r) => {
  const flat = variants[r].flatMap((vs, k) => vs.map((v) => ({ v, k })));
  const shape = nearestExemplar(flat.map((f) => shapeOf(f.v)), run.exemplars.map(shapeOf));
  const nearest = nearestExemplar(flat.map((f) => points(f.v)), run.exemplars.map(points));
  const fitted = model.classify(flat.map((f) => f.v), run.exemplars);
  consistentShape += shape.filter((g, i) => g === flat[i].k).length;
  consistentNearest += nearest.filter((g, i) => g === flat[i].k).length;
  consistentFit += fitted.filter((g, i) => g === flat[i].k).length;
  judged += flat.length;
});
const classConsistency = consistentShape / judged;
const classConsistencyNearest = consistentNearest / judged;
const classConsistencyFit = consistentFit / judged;

// Diversity: variant–variant distance over person–person distance, both by the modified Hausdorff distance.
const betweenVariants: number[] = [];
const toExemplar: number[] = [];
runs.forEach((run, r) =>
  variants[r].forEach((vs, k) => {
    const ps = vs.map(points);
    for (let i = 0; i < ps.length; i++) for (let j = i + 1; j < ps.length; j++) betweenVariants.push(modifiedHausdorff(ps[i], ps[j]));
    ps.forEach((p) => toExemplar.push(modifiedHausdorff(p, points(run.exemplars[k]))));
  }),
);
const betweenPeople = mean(runs.flatMap((run) => run.tests.map((t, i) => modifiedHausdorff(points(t), points(run.exemplars[run.answers[i]])))));
const diversity = mean(betweenVariants) / betweenPeople;

// Visual-Turing-test proxy: people's drawings vs variants, train on runs 1–10, test on 11–20; the
// mean over DISCRIMINATORS fresh discriminators.
async function turingTest(label: string, generated: (run: Episode, r: number) => Float32Array[]): Promise<{ mean: number; accuracies: number[] }> {
  const half = (from: number, to: number) => {
    const items: Labelled[] = [];
    for (let r = from; r < to; r++) {
      for (const image of [...runs[r].exemplarImages, ...runs[r].testImages]) items.push({ image: downsample(image, 105, DISCRIMINATOR_SIZE), human: 1 });
      for (const image of generated(runs[r], r)) items.push({ image: downsample(image, 105, DISCRIMINATOR_SIZE), human: 0 });
    }
    return items;
  };
  const result = await meanDiscriminatorAccuracy(half(0, 10), half(10, 20), { seed });
  log(`discriminators, people vs ${label}: ${pct(result.mean)} on runs 11–20 (each: ${result.accuracies.map(pct).join(', ')})`);
  return result;
}
// As many generated drawings as people's: two variants per exemplar.
// Variants are drawn as the app draws them (the checkpoint's pen); copies with the pen of people's drawings.
const turingVariants = await turingTest('variants', (run, r) => variants[r].flatMap((vs) => vs.slice(0, 2).map((v) => model.drawVariant(v))));
const turingCopies = await turingTest('copies of the exemplars', (run) => run.exemplars.flatMap((d) => [d, d].map((c) => binarize(renderDrawing(c)))));
const discriminatorAccuracyVariants = turingVariants.mean;
const discriminatorAccuracyCopies = turingCopies.mean;
const spreadOf = (accuracies: number[]) => `${pct(Math.min(...accuracies))}–${pct(Math.max(...accuracies))}`;

const rows = [
  { what: 'classification error, one-shot model: two-way fit (20-way, 20 runs)', value: pct(classificationError) },
  { what: "classification error, one-shot model: one-way fit's energy", value: pct(oneWayError) },
  { what: `classification error, one-shot model: ${model.settings.classificationVariants} sampled variants`, value: pct(samplingError) },
  { what: 'classification error, nearest exemplar (modified Hausdorff)', value: pct(nearestExemplarError) },
  { what: 'classification error, nearest exemplar in shape (modified Hausdorff, sizes normalised)', value: pct(nearestShapeError) },
  ...PUBLISHED.map(([who, error]) => ({ what: `classification error, ${who} (published)`, value: `${error}%` })),
  { what: `class consistency, nearest exemplar in shape (${VARIANTS} variants per exemplar)`, value: pct(classConsistency) },
  { what: '  the same classifier on people\'s drawings', value: pct(1 - nearestShapeError) },
  { what: 'class consistency, nearest exemplar with sizes as drawn', value: pct(classConsistencyNearest) },
  { what: '  the same classifier on people\'s drawings', value: pct(1 - nearestExemplarError) },
  { what: "class consistency, the model's fitting classifier", value: pct(classConsistencyFit) },
  { what: '  the same classifier on people\'s drawings', value: pct(1 - classificationError) },
  { what: 'diversity: variant–variant / person–person distance', value: diversity.toFixed(2) },
  { what: '  variant–variant, variant–exemplar, person–person (px)', value: `${mean(betweenVariants).toFixed(2)}, ${mean(toExemplar).toFixed(2)}, ${betweenPeople.toFixed(2)}` },
  { what: `discriminator accuracy, people vs variants (mean of ${DISCRIMINATORS})`, value: `${pct(discriminatorAccuracyVariants)} (${spreadOf(turingVariants.accuracies)})` },
  { what: `discriminator accuracy, people vs copies of exemplars (mean of ${DISCRIMINATORS})`, value: `${pct(discriminatorAccuracyCopies)} (${spreadOf(turingCopies.accuracies)})` },
];
console.error(`\nOne-shot model on Lake's 20 runs (goals: error ≤ 8%, consistency ≥ 90%, discriminator ≤ 60%)`);
stderrConsole.table(rows);
log(`evaluated in ${Math.round((Date.now() - started) / 1000)} s`);

const result = { classificationError, classConsistency, diversity, discriminatorAccuracy: discriminatorAccuracyVariants };
if (flags.has('json')) process.stdout.write(`${JSON.stringify(result)}\n`);
if (flags.has('write')) {
  // In the model-card format (lib/model-cards/evaluation.ts), so /models shows it.
  const evaluation: Evaluation = {
    model: 'oneshot',
    date: new Date().toISOString(),
    command: 'npm run eval:oneshot -- --write',
    data: "Lake et al.'s 20 one-shot runs (evaluation alphabets, never used in fitting): 20 exemplars and 20 test drawings each, images parsed into pen paths",
    protocol: `Classification: each test drawing assigned to one of its run's 20 exemplars, error averaged over the 400. Consistency: ${VARIANTS} variants per exemplar classified by nearest exemplar in shape (modified Hausdorff distance between pen paths centred and brought to one size) among the run's 20 (the same classifier puts ${pct(1 - nearestShapeError)} of people's drawings with their own character; with sizes as drawn, ${pct(classConsistencyNearest)} of the variants and ${pct(1 - nearestExemplarError)} of people's drawings; the model's fitting classifier puts ${pct(classConsistencyFit)} of the variants and ${pct(1 - classificationError)} of people's drawings there). Diversity: mean distance between two variants of an exemplar over that between a test drawing and its exemplar (two people). Discriminator: a ConvNet trained on runs 1–10 to tell people's drawings (35×35) from as many generated ones, accuracy on runs 11–20, the mean of ${DISCRIMINATORS} trained from different seeds (${turingVariants.accuracies.map(pct).join(', ')} against variants).`,
    modelVersion: await oneShotModelVersion(dir),
    columns: [
      { key: 'error', label: 'Classification error', format: 'percent', help: '20-way, one exemplar per character' },
      { key: 'consistency', label: 'Class consistency', format: 'percent', help: 'variants classified as their own exemplar' },
      { key: 'diversity', label: 'Diversity', format: 'number', help: 'variant–variant / person–person distance; 0 for copies' },
      { key: 'discriminator', label: 'Discriminator accuracy', format: 'percent', help: 'people vs generated, held-out runs; 50% = indistinguishable' },
    ],
    rows: [
      { key: 'fit', label: 'One-shot model', kind: 'ours', values: { error: classificationError, consistency: classConsistency, diversity, discriminator: discriminatorAccuracyVariants }, note: 'classification by the two-way score: each exemplar fitted onto the drawing and the drawing onto it, the terms weighed as learned on background episodes' },
      { key: 'one-way', label: "One-shot model, the one-way fit's energy", kind: 'ours', values: { error: oneWayError, consistency: null, diversity: null, discriminator: null }, note: 'each exemplar fitted onto the drawing, scored by −E alone' },
      { key: 'sampling', label: `One-shot model, ${model.settings.classificationVariants} sampled variants`, kind: 'ours', values: { error: samplingError, consistency: null, diversity: null, discriminator: null }, note: 'p(drawing | exemplar) estimated by sampling instead of fitting' },
      { key: 'nearest', label: 'Nearest exemplar (modified Hausdorff)', kind: 'baseline', values: { error: nearestExemplarError, consistency: null, diversity: null, discriminator: null } },
      { key: 'nearest-shape', label: 'Nearest exemplar in shape (modified Hausdorff, sizes normalised)', kind: 'baseline', values: { error: nearestShapeError, consistency: null, diversity: null, discriminator: null }, note: 'the judge of class consistency' },
      { key: 'copies', label: 'Copies of the exemplars, redrawn with our pen', kind: 'baseline', values: { error: null, consistency: 1, diversity: 0, discriminator: discriminatorAccuracyCopies } },
      ...PUBLISHED.map(([who, error]) => ({ key: who, label: who, kind: 'published' as const, values: { error: error / 100, consistency: null, diversity: null, discriminator: null } })),
    ],
    goal: {
      text: 'Classification error ≤ 8%, class consistency ≥ 90%, discriminator accuracy ≤ 60%.',
      met: classificationError <= 0.08 && classConsistency >= 0.9 && discriminatorAccuracyVariants <= 0.6,
      detail: `error ${pct(classificationError)}, consistency ${pct(classConsistency)}, discriminator ${pct(discriminatorAccuracyVariants)}`,
    },
  };
  await fs.writeFile(path.join(dir, 'evaluation.json'), `${JSON.stringify(evaluation, null, 2)}\n`);
  log(`saved ${path.join(dir, 'evaluation.json')}`);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * Fits the one-shot model to Omniglot's two background splits (never the evaluation alphabets):
 *
 * 1. the variation model (variation.ts) to the pen trajectories: for every character, the pairs
 *    of its 20 drawings with the same number of strokes; and where people place a character in
 *    the frame and how large they draw it (their drawings' ink centres and sizes);
 * 2. the settings, on 20-way episodes built from the background characters' images like Lake's
 *    runs: for drawing variants, the field's length scale (the one fresh discriminators tell
 *    least well from people's drawings), the field's spread (diversity 1) and the pen (people's
 *    ink); for classification, the spread (diversity 1 with both deviations scaled alike), how a
 *    drawing is fitted to an exemplar, the weights of the two-way score (score.ts, on 40 further
 *    episodes) and the temperature T of the sampling estimate.
 *
 *   npx tsx models/oneshot/train.ts [--seed 1] [--field-pairs 400] [--episodes 10] [--weight-episodes 40] [--out DIR]
 *                                   [--plain-covariance]   # the affine maps' covariance without trimming
 *
 * Writes `meta.json` (the fitted numbers, data, command, seed, measurements) into the checkpoint.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { checkpointCommand, log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { mulberry32, seededShuffle } from '@/lib/random';
import { CANVAS_SIZE, fromOmniglot, renderDrawing, type Drawing } from '@/lib/strokes';
import { initBackend } from '@/lib/tfjs/backend';
import { mean } from '@/models/blocks/statistics';
import { affinePrior, argmax, classify, distances, fitScores, fitTerms, referencesOf, type FitSettings } from './classify';
import { backgroundEpisodes, loadBackgroundCharacters, type Episode } from './data';
import { DISCRIMINATOR_SIZE, downsample, meanDiscriminatorAccuracy, type Labelled } from './discriminator';
import { centred, modifiedHausdorff, pathPoints } from './distance';
import { binarize, CHECKPOINT_DIR, type OneShotSettings } from './model';
import { FIT_TERMS, learnScoreWeights, weightedScore, type ScoredEpisode } from './score';
import { affineVector, correspond, fitAffine, gaussianOf, inkCentre, inkLogSize, normalFieldLogLikelihood, sampleVariant, strokeNormals, trimmedGaussianOf, type DrawingStyle, type Placement, type Predictive, type VariationModel } from './variation';

const flags = parseFlags();
const seed = Number(flags.get('seed') ?? 1);
const fieldPairs = Number(flags.get('field-pairs') ?? 400);
const episodeCount = Number(flags.get('episodes') ?? 10);
const weightEpisodeCount = Number(flags.get('weight-episodes') ?? 40);
const CLASSIFICATION_VARIANTS = 40;
const out = String(flags.get('out') ?? CHECKPOINT_DIR);
/**
 * Pairs whose points lie further than this (RMS, px) from the affine fit are taken to be drawn in a
 * different stroke order or with a different stroke structure, which correspondence in drawing
 * order cannot pair up; they are left out.
 */
const MAX_RESIDUAL = 8;

const started = Date.now();
const unique = await loadBackgroundCharacters();
log(`background characters: ${unique.length}`);

const affines: number[][] = [];
const fieldSamples: { points: [number, number][]; residuals: [number, number][]; normals: [number, number][] }[] = [];
let pairs = 0;
let sameCount = 0;
for (const character of unique) {
  const drawings: Drawing[] = character.drawings.filter((d) => d.strokes).map((d) => fromOmniglot(d.strokes!));
  for (let i = 0; i < drawings.length; i++) {
    for (let j = i + 1; j < drawings.length; j++) {
      pairs++;
      const matched = correspond(drawings[i], drawings[j]);
      if (!matched) continue;
      sameCount++;
      const { affine, residuals } = fitAffine(matched.p, matched.q);
      const rms = Math.sqrt(residuals.reduce((s, [x, y]) => s + x * x + y * y, 0) / residuals.length);
      if (rms > MAX_RESIDUAL) continue;
      affines.push(affineVector(affine));
      fieldSamples.push({ points: matched.p, residuals, normals: strokeNormals(matched.p) });
    }
  }
}
log(`pairs: ${pairs}; same stroke count: ${sameCount}; within ${MAX_RESIDUAL} px RMS of an affine fit: ${affines.length}`);

// The affine maps' distribution, robustly: a pair drawn with a stroke's shape changed still fits an
// affine map within MAX_RESIDUAL, but an odd one, and a few such pairs widen a plain covariance.
const CHI_SQUARE_6_975 = 14.45;
const affine = flags.has('plain-covariance') ? { ...gaussianOf(affines), kept: 1 } : trimmedGaussianOf(affines, CHI_SQUARE_6_975);
log(`affine maps: ${(100 * affine.kept).toFixed(1)}% of the pairs within the χ²₆ 97.5% quantile of the estimate`);

// (σ, ℓ, τ) by grid search on the summed marginal log-likelihood of a random subset of pairs, on
// the residuals' components across the pen path (normalFieldLogLikelihood says why).
const subset = seededShuffle(fieldSamples, seed).slice(0, fieldPairs);
const sigmas = [1, 1.5, 2, 3, 4, 5, 6, 8];
const lengthscales = [5, 8, 12, 16, 20, 25, 30, 40, 55];
const noises = [0.5, 1, 1.5, 2, 2.5, 3, 4];
const bar = new ProgressBar('field (σ, ℓ, τ) grid'.padEnd(22), sigmas.length * lengthscales.length);
let best = { logLikelihood: -Infinity, sigma: 0, lengthscale: 0, noise: 0 };
let done = 0;
for (const sigma of sigmas) {
  for (const lengthscale of lengthscales) {
    for (const noise of noises) {
      const logLikelihood = subset.reduce((s, { points, residuals, normals }) => s + normalFieldLogLikelihood(points, residuals, normals, sigma, lengthscale, noise), 0);
      if (logLikelihood > best.logLikelihood) best = { logLikelihood, sigma, lengthscale, noise };
    }
    bar.update(++done, `best σ ${best.sigma} ℓ ${best.lengthscale} τ ${best.noise}`);
  }
}

// Where people put a character in the frame and how large they draw it (variation.ts's
// Placement): each character's drawings' ink centres and sizes, their spread within characters and
// that of the characters' own values.
function predictive(values: number[][]): Predictive {
  const means = values.map(mean);
  const within = mean(values.map((vs, i) => vs.reduce((s, v) => s + (v - means[i]) ** 2, 0) / (vs.length - 1)));
  const overall = mean(means);
  const between = Math.max(0, means.reduce((s, m) => s + (m - overall) ** 2, 0) / (means.length - 1) - within / mean(values.map((vs) => vs.length)));
  // The posterior predictive's deviation: one person's, plus how uncertain the character's own value is.
  return { mean: Number(overall.toFixed(4)), regression: Number((between / (between + within)).toFixed(4)), deviation: Number(Math.sqrt(within + (between * within) / (between + within)).toFixed(4)) };
}
const trajectories = unique.map((character) => character.drawings.filter((d) => d.strokes).map((d) => fromOmniglot(d.strokes!)));
const centres = trajectories.map((ds) => ds.map((d) => inkCentre(d)));
const placement: Placement = {
  x: predictive(centres.map((cs) => cs.map((c) => c[0]))),
  y: predictive(centres.map((cs) => cs.map((c) => c[1]))),
  logSize: predictive(trajectories.map((ds, i) => ds.map((d, j) => inkLogSize(d, centres[i][j])))),
};
const described = (p: Predictive, digits: number) => `${p.mean.toFixed(digits)} (regression ${p.regression.toFixed(2)}, deviation ${p.deviation.toFixed(digits)})`;
log(`placement: centre x ${described(placement.x, 1)}, y ${described(placement.y, 1)} px; log size ${described(placement.logSize, 3)}`);

const model: VariationModel = {
  affine: { mean: affine.mean.map((v) => Number(v.toFixed(6))), covariance: affine.covariance.map((v) => Number(v.toFixed(8))) },
  field: { sigma: best.sigma, lengthscale: best.lengthscale, noise: best.noise },
};
const sd = (i: number) => Math.sqrt(affine.covariance[i * 6 + i]).toFixed(3);
log(`affine mean [${model.affine.mean.map((v) => v.toFixed(3)).join(', ')}], sd [${[0, 1, 2, 3, 4, 5].map(sd).join(', ')}]`);
log(`field σ ${best.sigma} px, ℓ ${best.lengthscale} px, white noise τ ${best.noise} px (log-likelihood ${best.logLikelihood.toFixed(0)} over ${subset.length} pairs)`);

// Settings chosen on background episodes (the runs are only for measuring).
const episodes = await backgroundEpisodes(unique, episodeCount, seed);
const points = (d: Drawing) => centred(pathPoints(d));
const betweenPeople = mean(episodes.flatMap((episode) => episode.tests.map((t, i) => modifiedHausdorff(points(t), points(episode.exemplars[episode.answers[i]])))));

/** Mean distance between variants of the episodes' exemplars over that between two people's drawings. */
function diversityAt(variation: VariationModel, style: number | DrawingStyle): number {
  const between: number[] = [];
  episodes.forEach((episode, e) =>
    episode.exemplars.forEach((d, k) => {
      const random = mulberry32(seed * 7919 + 50 * e + k);
      const ps = Array.from({ length: 4 }, () => points(sampleVariant(variation, d, random, style)));
      for (let i = 0; i < ps.length; i++) for (let j = i + 1; j < ps.length; j++) between.push(modifiedHausdorff(ps[i], ps[j]));
    }),
  );
  return mean(between) / betweenPeople;
}

/**
 * Classification's spread: the pairs' affine maps include the odd gross mismatch, which widens
 * their covariance, and what neither the affine map nor the field describes is left out, so the
 * spread is calibrated instead: variants drawn with both deviations scaled by it should differ
 * from each other as much as two people's drawings of a character do (diversity 1).
 */
function calibrateSpread(variation: VariationModel) {
  const bySpread = [0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.4, 1.5].map((spread) => ({ spread, diversity: diversityAt(variation, spread) }));
  return { bySpread, ...bySpread.reduce((a, b) => (Math.abs(b.diversity - 1) < Math.abs(a.diversity - 1) ? b : a)) };
}

/**
 * How variants are drawn. The affine map deviates as one person's drawing does (affine spread 1,
 * as fitted) and variants are placed and sized as people place and size drawings; what the affine
 * map and field leave out of people's variation (a stroke drawn longer, a part moved) the field's
 * spread makes up, calibrated so variants differ from each other as much as two people's drawings
 * do (diversity 1). The pen: a parsed drawing's paths are the image's skeleton, shorter than the
 * pen's trajectory at its open ends and lying on the pixel grid, so moved off it they lose part of
 * their ink; the pen's width is chosen so variants carry as much ink as people's drawings.
 */
function calibrateField(variation: VariationModel) {
  const byFieldSpread = [0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2, 2.2, 2.6, 3].map((fieldSpread) => ({
    fieldSpread,
    diversity: diversityAt(variation, { affineSpread: 1, fieldSpread, placement }),
  }));
  return { byFieldSpread, ...byFieldSpread.reduce((a, b) => (Math.abs(b.diversity - 1) < Math.abs(a.diversity - 1) ? b : a)) };
}
const inkOf = (image: Float32Array) => image.reduce((s, v) => s + (v > 0.5 ? 1 : 0), 0);
const peopleInk = mean(episodes.flatMap((episode) => [...episode.exemplarImages, ...episode.testImages].map(inkOf)));
function calibratePen(variation: VariationModel, style: DrawingStyle) {
  const made = episodes.flatMap((episode, e) => {
    const random = mulberry32(seed * 6007 + e);
    return episode.exemplars.map((d) => sampleVariant(variation, d, random, style));
  });
  const byPen = [4.7, 4.8, 4.9, 5, 5.1, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7].map((pen) => ({ pen, ink: mean(made.map((d) => inkOf(renderDrawing(d, CANVAS_SIZE, pen)))) / peopleInk }));
  return { byPen, ...byPen.reduce((a, b) => (Math.abs(b.ink - 1) < Math.abs(a.ink - 1) ? b : a)) };
}

/**
 * The field's length scale when drawing: the fitted one also absorbs how correspondence by arc
 * length errs across a stroke, and drawn at that scale the field bends straight lines more than
 * people do. So it is chosen, with the field's spread and the pen calibrated for each, as the one
 * whose variants fresh discriminators tell least well from people's drawings — on background
 * characters: trained on ten episodes' drawings, tested on ten others', the mean of three trained
 * from different seeds (one alone swings by several points).
 */
await initBackend('auto');
const judgeEpisodes = await backgroundEpisodes(unique, 20, seed + 1);
const judged = (from: number, to: number, variation: VariationModel, style: DrawingStyle, pen: number): Labelled[] =>
  judgeEpisodes.slice(from, to).flatMap((episode, e) => {
    const random = mulberry32(seed * 104729 + 50 * (from + e));
    const made = episode.exemplars.flatMap((d) => [sampleVariant(variation, d, random, style), sampleVariant(variation, d, random, style)]);
    return [
      ...[...episode.exemplarImages, ...episode.testImages].map((image): Labelled => ({ image: downsample(image, 105, DISCRIMINATOR_SIZE), human: 1 })),
      ...made.map((d): Labelled => ({ image: downsample(binarize(renderDrawing(d, CANVAS_SIZE, pen)), 105, DISCRIMINATOR_SIZE), human: 0 })),
    ];
  });
const drawingScales: { lengthscale: number; fieldSpread: number; diversity: number; pen: number; ink: number; discriminator: number }[] = [];
const fieldCalibrations = new Map<number, ReturnType<typeof calibrateField>>();
for (const lengthscale of [best.lengthscale, 12, 16, 24]) {
  const candidate: VariationModel = { ...model, field: { ...model.field, lengthscale } };
  const calibration = calibrateField(candidate);
  fieldCalibrations.set(lengthscale, calibration);
  const { fieldSpread, diversity } = calibration;
  const style: DrawingStyle = { affineSpread: 1, fieldSpread, placement };
  const { pen, ink } = calibratePen(candidate, style);
  const { mean: discriminator } = await meanDiscriminatorAccuracy(judged(0, 10, candidate, style, pen), judged(10, 20, candidate, style, pen), { seed, count: 3 });
  drawingScales.push({ lengthscale, fieldSpread, diversity, pen, ink, discriminator });
  log(`drawing length scale ${lengthscale} px: field spread ${fieldSpread} (diversity ${diversity.toFixed(2)}), pen ${pen} px (ink ${ink.toFixed(2)} of people's), background discriminators (mean of 3) ${(100 * discriminator).toFixed(1)}%`);
}
const drawing = drawingScales.reduce((a, b) => (b.discriminator < a.discriminator ? b : a));
const fittedLengthscale = model.field.lengthscale;
model.field.lengthscale = drawing.lengthscale;
const field = fieldCalibrations.get(drawing.lengthscale)!;
const drawingStyle = { affineSpread: 1, fieldSpread: field.fieldSpread, placement, pen: drawing.pen };
log(`diversity (variant–variant / person–person distance) by the field's spread: ${field.byFieldSpread.map((r) => `${r.fieldSpread}: ${r.diversity.toFixed(2)}`).join(', ')}`);
// Classification's spread: both deviations scaled alike, as the fit's affine prior and the sampled references assume.
const calibrated = calibrateSpread(model);
log(`classification's spread ${calibrated.spread}: diversity by spread ${calibrated.bySpread.map((r) => `${r.spread}: ${r.diversity.toFixed(2)}`).join(', ')}`);

const temperatures = [0.05, 0.1, 0.25, 0.5, 1];
const episodeBar = new ProgressBar('background episodes'.padEnd(22), episodes.length);
const matrices = episodes.map((episode, e) => {
  const references = episode.exemplars.map((d, k) => referencesOf(d, model, CLASSIFICATION_VARIANTS, seed * 1000 + 50 * e + k, calibrated.spread));
  const matrix = distances(episode.tests, references);
  episodeBar.update(e + 1);
  return matrix;
});
const errorAt = (temperature: number, variants?: number) =>
  matrices.reduce((s, matrix, e) => s + classify(matrix, temperature, variants).filter((c, i) => c !== episodes[e].answers[i]).length, 0) /
  matrices.reduce((s, m) => s + m.length, 0);
const nearestExemplarError = errorAt(1, 0);
const byTemperature = temperatures.map((temperature) => ({ temperature, error: errorAt(temperature) }));
const chosen = byTemperature.reduce((a, b) => (b.error < a.error ? b : a));
log(`background episodes (${episodes.length} × 20-way): nearest exemplar ${(100 * nearestExemplarError).toFixed(1)}% error; with ${CLASSIFICATION_VARIANTS} variants ${byTemperature.map((r) => `T ${r.temperature}: ${(100 * r.error).toFixed(1)}%`).join(', ')}`);

// How a drawing is fitted to an exemplar: σ and the field's prior by episode error with the
// affine prior at twice the pairs' covariance, then the affine prior's scale.
const fitError = (fit: FitSettings) => {
  const prior = affinePrior(model, calibrated.spread, fit.priorScale);
  let wrong = 0;
  let total = 0;
  episodes.forEach((episode) => {
    fitScores(episode.tests, episode.exemplars, prior, fit).forEach((row, i) => {
      wrong += Number(argmax(row) !== episode.answers[i]);
      total++;
    });
  });
  return wrong / total;
};
const fits: (FitSettings & { error: number })[] = [];
const fitBar = new ProgressBar('fitting settings'.padEnd(22), 11);
for (const sigma of [0.5, 1, 2]) {
  for (const fieldSigma of [4, 8, 16]) {
    fits.push({ priorScale: 2, sigma, fieldSigma, error: fitError({ priorScale: 2, sigma, fieldSigma }) });
    fitBar.update(fits.length);
  }
}
const bestFit = () => fits.reduce((a, b) => (b.error < a.error ? b : a));
for (const priorScale of [1, 4]) {
  const { sigma, fieldSigma } = bestFit();
  fits.push({ priorScale, sigma, fieldSigma, error: fitError({ priorScale, sigma, fieldSigma }) });
  fitBar.update(fits.length);
}
const { error: fitEpisodeError, ...oneWayFit } = bestFit();
log(`fitting: ${fits.map((f) => `prior×${f.priorScale} σ ${f.sigma} field ${f.fieldSigma}: ${(100 * f.error).toFixed(1)}%`).join('; ')}`);

// The two-way score's weights (score.ts), learned on further background episodes; its error then
// measured on the episodes that chose the fitting settings, next to the one-way energy's.
const prior = affinePrior(model, calibrated.spread, oneWayFit.priorScale);
const weightBar = new ProgressBar('two-way score'.padEnd(22), weightEpisodeCount);
const weightEpisodes = await backgroundEpisodes(unique, weightEpisodeCount, seed + 2);
const scored: ScoredEpisode[] = weightEpisodes.map((episode, e) => {
  const terms = fitTerms(episode.tests, episode.exemplars, prior, oneWayFit);
  weightBar.update(e + 1);
  return { terms, answers: episode.answers };
});
const learned = learnScoreWeights(scored);
const fit: FitSettings = { ...oneWayFit, weights: learned.weights.map((w) => Number(w.toPrecision(6))) };
const twoWayError = (list: Episode[], terms: number[][][][]) =>
  list.reduce((s, episode, e) => s + terms[e].filter((row, i) => argmax(row.map((t) => weightedScore(t, fit.weights!))) !== episode.answers[i]).length, 0) /
  list.reduce((s, episode) => s + episode.tests.length, 0);
const twoWay = {
  terms: FIT_TERMS,
  weights: fit.weights,
  episodes: weightEpisodes.length,
  meanLogLikelihood: learned.meanLogLikelihood,
  errorOnWeightEpisodes: twoWayError(weightEpisodes, scored.map((s) => s.terms)),
  errorOnSettingEpisodes: twoWayError(episodes, episodes.map((episode) => fitTerms(episode.tests, episode.exemplars, prior, fit))),
  oneWayErrorOnSettingEpisodes: fitEpisodeError,
};
log(`two-way score: weights ${FIT_TERMS.map((t, i) => `${t} ${fit.weights![i].toPrecision(3)}`).join(', ')}; error on its ${weightEpisodes.length} episodes ${(100 * twoWay.errorOnWeightEpisodes).toFixed(1)}%, on the settings' episodes ${(100 * twoWay.errorOnSettingEpisodes).toFixed(1)}% (one-way energy ${(100 * fitEpisodeError).toFixed(1)}%)`);

const settings: OneShotSettings = { classificationVariants: CLASSIFICATION_VARIANTS, temperature: chosen.temperature, spread: calibrated.spread, fit, drawing: drawingStyle };

await fs.mkdir(out, { recursive: true });
const meta = {
  model: 'oneshot',
  paper: 'Lake, Salakhutdinov & Tenenbaum, Human-level concept learning through probabilistic program induction (Science 2015)',
  variation: model,
  settings,
  data: `Omniglot background splits small1 + small2 (${unique.length} characters × 20 drawers): pen trajectories for the variation model, images for the episodes that chose T`,
  command: checkpointCommand('models/oneshot/train.ts'),
  seed,
  pairs: { all: pairs, sameStrokeCount: sameCount, used: affines.length, maxResidualPx: MAX_RESIDUAL, fieldPairs: subset.length, affineKept: affine.kept },
  grid: { sigmas, lengthscales, noises },
  fittedLengthscale,
  backgroundEpisodes: { count: episodes.length, nearestExemplarError, byTemperature, betweenPeople, bySpread: calibrated.bySpread, byFieldSpread: field.byFieldSpread, peopleInk, drawingScales, fits, fitError: fitEpisodeError },
  twoWay,
  seconds: Math.round((Date.now() - started) / 1000),
};
await fs.writeFile(path.join(out, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
log(`saved ${path.join(out, 'meta.json')} in ${meta.seconds}s`);

/**
 * One-shot classification with the variation model: which of a run's exemplars (one drawing per
 * character) is a new drawing of? The generative answer: the exemplar under which the new drawing
 * is most probable. Two estimates of p(drawing | exemplar):
 *
 * - by fitting (the model's): the most probable deformation of the exemplar onto the drawing
 *   (register.ts), p ∝ exp(−E_min), E the deformation's prior energy plus how far the deformed
 *   exemplar lies from the drawing — the way BPL scores a drawing by its best-fitting parses; and
 *   two-way, the drawing fitted onto the exemplar too, the six terms weighed as learned on
 *   background episodes (score.ts);
 * - by sampling: (1/V) Σ_v exp(−D(drawing, variant_v) / T) over variants sampled from the
 *   exemplar, D the modified Hausdorff distance between pen paths (the exemplar itself counts as
 *   one more). With V = 0 this is nearest-exemplar classification by D alone: Lake et al.'s
 *   baseline.
 */
import { mulberry32 } from '@/lib/random';
import type { Drawing } from '@/lib/strokes';
import { centred, modifiedHausdorff, pathPoints } from './distance';
import { inverse6, registerDeformable, type AffinePrior } from './register';
import { weightedScore } from './score';
import { sampleVariant, type VariationModel } from './variation';

/** How a drawing is fitted to an exemplar (chosen on background episodes, see train.ts). */
export interface FitSettings {
  /** The affine prior's covariance: the pairs' covariance × spread² × this. */
  priorScale: number;
  /** σ of the distance term D² / 2σ² (px). */
  sigma: number;
  /** Prior deviation of each displacement-field coefficient (px). */
  fieldSigma: number;
  /**
   * Weights of the two-way score's terms (score.ts's FIT_TERMS), learned on background episodes;
   * without them a drawing scores −E of the one-way fit.
   */
  weights?: number[];
}

/** The prior over the affine map between two centred drawings of one character. */
export function affinePrior(model: VariationModel, spread: number, priorScale: number): AffinePrior {
  return {
    mean: [...model.affine.mean.slice(0, 4), 0, 0],
    precision: inverse6(model.affine.covariance.map((c) => c * spread * spread * priorScale)),
  };
}

/** `measure` of each test drawing's centred points against each exemplar's: [test][exemplar]. */
function eachPair<T>(tests: Drawing[], exemplars: Drawing[], measure: (test: Float32Array, exemplar: Float32Array) => T): T[][] {
  const exemplarPoints = exemplars.map((e) => centred(pathPoints(e)));
  return tests.map((test) => {
    const points = centred(pathPoints(test));
    return exemplarPoints.map((e) => measure(points, e));
  });
}

/** The two-way fit's terms (FIT_TERMS) of a test drawing's centred points against an exemplar's. */
function pairTerms(points: Float32Array, exemplar: Float32Array, prior: AffinePrior, fit: FitSettings): number[] {
  const forward = registerDeformable(exemplar, points, prior, fit.sigma, fit.fieldSigma);
  const reverse = registerDeformable(points, exemplar, prior, fit.sigma, fit.fieldSigma);
  return [forward.meanSquared, forward.mahalanobis, forward.fieldPenalty, reverse.meanSquared, reverse.mahalanobis, reverse.fieldPenalty];
}

/** The two-way fit's terms (FIT_TERMS) for each test drawing and exemplar: [test][exemplar][term]. */
export function fitTerms(tests: Drawing[], exemplars: Drawing[], prior: AffinePrior, fit: FitSettings): number[][][] {
  return eachPair(tests, exemplars, (points, e) => pairTerms(points, e, prior, fit));
}

/**
 * How probable a test drawing is under an exemplar, up to a constant per drawing, from their
 * centred points (`centred(pathPoints(…))`; larger = more probable): with learned weights, the
 * two-way score; without, −E_min of fitting the exemplar onto the drawing.
 */
export function fitScore(points: Float32Array, exemplar: Float32Array, prior: AffinePrior, fit: FitSettings): number {
  if (fit.weights) return weightedScore(pairTerms(points, exemplar, prior, fit), fit.weights);
  return -registerDeformable(exemplar, points, prior, fit.sigma, fit.fieldSigma).energy;
}

/** `fitScore` of each test drawing under each exemplar: [test][exemplar]. */
export function fitScores(tests: Drawing[], exemplars: Drawing[], prior: AffinePrior, fit: FitSettings): number[][] {
  return eachPair(tests, exemplars, (points, e) => fitScore(points, e, prior, fit));
}

/** The exemplar's own points, then its variants', each centred in the frame. */
export type References = Float32Array[];

export function referencesOf(drawing: Drawing, model: VariationModel, variants: number, seed: number, spread = 1): References {
  const random = mulberry32(seed);
  const references = [centred(pathPoints(drawing))];
  for (let v = 0; v < variants; v++) references.push(centred(pathPoints(sampleVariant(model, drawing, random, spread))));
  return references;
}

/** Distances of each test drawing to each exemplar's references: [test][exemplar][reference]. */
export function distances(tests: Drawing[], exemplars: References[]): number[][][] {
  return tests.map((test) => {
    const points = centred(pathPoints(test));
    return exemplars.map((references) => references.map((ref) => modifiedHausdorff(points, ref)));
  });
}

/**
 * log p(drawing | exemplar), up to a constant shared by the exemplars, from the distances to its
 * references; `variants` of them are used (the first 1 + variants).
 */
export function logScore(toReferences: number[], temperature: number, variants = toReferences.length - 1): number {
  const terms = toReferences.slice(0, variants + 1).map((d) => -d / temperature);
  const top = Math.max(...terms);
  return top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0) / terms.length);
}

/** The exemplar each test drawing is classified as. */
export function classify(matrix: number[][][], temperature: number, variants?: number): number[] {
  return matrix.map((row) => argmax(row.map((toReferences) => logScore(toReferences, temperature, variants))));
}

/** Index of the largest value. */
export function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

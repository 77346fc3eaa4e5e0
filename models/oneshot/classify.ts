/**
 * One-shot classification with the variation model: which of a run's exemplars (one drawing per
 * character) is a new drawing of? The generative answer: the exemplar under which the new drawing
 * is most probable, p(drawing | exemplar) ≈ (1/V) Σ_v exp(−D(drawing, variant_v) / T), with the
 * variants sampled from the exemplar by the model and D the modified Hausdorff distance between
 * their pen paths (the exemplar itself counts as one more). With V = 0 this is nearest-exemplar
 * classification by D alone: Lake et al.'s baseline.
 */
import { mulberry32 } from '@/lib/random';
import type { Drawing } from '@/lib/strokes';
import { centred, modifiedHausdorff, pathPoints } from './distance';
import { sampleVariant, type VariationModel } from './variation';

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

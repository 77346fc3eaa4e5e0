/**
 * One-shot generation and classification of handwritten characters (Lake, Salakhutdinov &
 * Tenenbaum, Science 2015), with a stroke-level model in the spirit of their Bayesian Program
 * Learning: a character is given once, as pen strokes (or as an image, parsed into pen paths);
 * new drawings of it are the given one moved the way people's drawings of one character differ
 * from each other (variation.ts, fitted to Omniglot's pen trajectories), drawn with the pen.
 *
 * - variants: sample the variation model, render each with the pen;
 * - which character: the exemplar under which the drawing is most probable (classify.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { mulberry32 } from '@/lib/random';
import { renderDrawing, type Drawing } from '@/lib/strokes';
import { classify, distances, referencesOf } from './classify';
import { sampleVariant, type VariationModel } from './variation';

export const CHECKPOINT_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'checkpoint');

export interface OneShotSettings {
  /** Variants sampled per exemplar when classifying. */
  classificationVariants: number;
  /** T of p(drawing | exemplar) ≈ mean_v exp(−D / T), chosen on background episodes. */
  temperature: number;
  /** Scale of the variants' deviations, calibrated on background episodes (see train.ts). */
  spread: number;
}

export class OneShotModel {
  constructor(
    readonly variation: VariationModel,
    readonly settings: OneShotSettings,
  ) {}

  /** `count` new drawings of the character, reproducible from `seed`. */
  variants(drawing: Drawing, count: number, seed: number): Drawing[] {
    const random = mulberry32(seed);
    return Array.from({ length: count }, () => sampleVariant(this.variation, drawing, random, this.settings.spread));
  }

  /** The variants as binary 105×105 images (ink 1), as Omniglot's are. */
  variantImages(drawing: Drawing, count: number, seed: number): Float32Array[] {
    return this.variants(drawing, count, seed).map((v) => binarize(renderDrawing(v)));
  }

  /** For each drawing, the index of the exemplar it is classified as. */
  classify(drawings: Drawing[], exemplars: Drawing[], seed = 1): number[] {
    const references = exemplars.map((e, k) => referencesOf(e, this.variation, this.settings.classificationVariants, seed * 1000 + k, this.settings.spread));
    return classify(distances(drawings, references), this.settings.temperature);
  }
}

export function binarize(image: Float32Array): Float32Array {
  return image.map((v) => (v > 0.5 ? 1 : 0));
}

export async function loadOneShotModel(dir: string = CHECKPOINT_DIR): Promise<OneShotModel> {
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as { variation: VariationModel; settings: OneShotSettings };
  return new OneShotModel(meta.variation, meta.settings);
}

/**
 * One-shot generation and classification of handwritten characters (Lake, Salakhutdinov &
 * Tenenbaum, Science 2015), with a stroke-level model in the spirit of their Bayesian Program
 * Learning: a character is given once, as pen strokes (or as an image, parsed into pen paths);
 * new drawings of it are the given one moved the way people's drawings of one character differ
 * from each other (variation.ts, fitted to Omniglot's pen trajectories), drawn with the pen.
 *
 * - variants: sample the variation model, render each with the pen;
 * - which character: the exemplar under which the drawing is most probable, scored by fitting
 *   the exemplar onto the drawing and the drawing onto it (classify.ts, register.ts, score.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { mulberry32 } from '@/lib/random';
import { CANVAS_SIZE, PEN_WIDTH, renderDrawing, type Drawing } from '@/lib/strokes';
import { loadAbstention, type Abstention } from './abstention';
import { affinePrior, argmax, fitScore, fitScores, type FitSettings } from './classify';
import { centred, pathPoints } from './distance';
import { sampleVariant, type DrawingStyle, type VariationModel } from './variation';

export const CHECKPOINT_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'checkpoint');

export interface OneShotSettings {
  /** Variants sampled per exemplar when classifying. */
  classificationVariants: number;
  /** T of p(drawing | exemplar) ≈ mean_v exp(−D / T), chosen on background episodes. */
  temperature: number;
  /**
   * Scale of the deviations between two drawings of a character as classification assumes them
   * (the fit's affine prior, the sampled references): calibrated so that variants drawn at it with
   * the affine map and field alone differ from each other as people's drawings do (train.ts).
   */
  spread: number;
  /** How a drawing is fitted to an exemplar when classifying. */
  fit: FitSettings;
  /**
   * How variants are drawn, chosen in train.ts: the deviations' scales, where they are placed, and
   * the pen's width (px). Without it, variants are drawn at `spread` with PEN_WIDTH.
   */
  drawing?: DrawingStyle & { pen: number };
}

export class OneShotModel {
  constructor(
    readonly variation: VariationModel,
    readonly settings: OneShotSettings,
    /** When a drawing is "none of these" (abstention.ts; the checkpoint's abstention.json); null: always answer. */
    readonly abstention: Abstention | null = null,
  ) {}

  /** `count` new drawings of the character, reproducible from `seed`. */
  variants(drawing: Drawing, count: number, seed: number): Drawing[] {
    const random = mulberry32(seed);
    return Array.from({ length: count }, () => sampleVariant(this.variation, drawing, random, this.settings.drawing ?? this.settings.spread));
  }

  /** A variant as a binary 105×105 image (ink 1), as Omniglot's are, drawn with the variants' pen. */
  drawVariant(variant: Drawing): Float32Array {
    return binarize(renderDrawing(variant, CANVAS_SIZE, this.settings.drawing?.pen ?? PEN_WIDTH));
  }

  /** The variants as binary 105×105 images. */
  variantImages(drawing: Drawing, count: number, seed: number): Float32Array[] {
    return this.variants(drawing, count, seed).map((v) => this.drawVariant(v));
  }

  /** For each drawing, the index of the exemplar it is classified as (the best-scoring one). */
  classify(drawings: Drawing[], exemplars: Drawing[]): number[] {
    return this.scores(drawings, exemplars).map(argmax);
  }

  /**
   * The exemplars ranked for one drawing, most probable first: each with its score (the two-way
   * score, or −E of the one-way fit; log p up to a shared constant) and its probability, the
   * softmax of the scores over the exemplars (calibrated on background episodes when the score's
   * weights were learned). The exemplars are scored one at a time, and `afterEach`, when given, is
   * awaited after each: where a caller that has gone away can stop the ranking (by throwing).
   */
  async rank(drawing: Drawing, exemplars: Drawing[], afterEach?: () => Promise<void>): Promise<{ index: number; logScore: number; probability: number }[]> {
    const prior = this.prior();
    const points = centred(pathPoints(drawing));
    const scores: number[] = [];
    for (const exemplar of exemplars) {
      scores.push(fitScore(points, centred(pathPoints(exemplar)), prior, this.settings.fit));
      await afterEach?.();
    }
    const top = Math.max(...scores);
    const total = scores.reduce((s, v) => s + Math.exp(v - top), 0);
    return scores
      .map((score, index) => ({ index, logScore: score, probability: Math.exp(score - top) / total }))
      .sort((a, b) => b.logScore - a.logScore);
  }

  /** Each drawing's score under each exemplar, log p up to a constant per drawing: [drawing][exemplar]. */
  scores(drawings: Drawing[], exemplars: Drawing[]): number[][] {
    return fitScores(drawings, exemplars, this.prior(), this.settings.fit);
  }

  private prior() {
    return affinePrior(this.variation, this.settings.spread, this.settings.fit.priorScale);
  }
}

export function binarize(image: Float32Array): Float32Array {
  return image.map((v) => (v > 0.5 ? 1 : 0));
}

/** `oneshot-` and a hash of the checkpoint's meta.json (the model has no other weights). */
export async function oneShotModelVersion(dir: string = CHECKPOINT_DIR): Promise<string> {
  const meta = await fs.readFile(path.join(dir, 'meta.json'));
  return `oneshot-${crypto.createHash('sha256').update(meta).digest('hex').slice(0, 12)}`;
}

export async function loadOneShotModel(dir: string = CHECKPOINT_DIR): Promise<OneShotModel> {
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as { variation: VariationModel; settings: OneShotSettings };
  return new OneShotModel(meta.variation, meta.settings, await loadAbstention(dir));
}

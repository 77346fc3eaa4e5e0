/**
 * "None of these": when a drawing fits none of a run's characters well enough, classification says
 * so instead of naming the least bad one.
 *
 * The ranking's probabilities are shares over the run's 20 characters, so they say which of the 20
 * fits best, not whether any fits: a letter that is none of them can still get most of the share.
 * The two-way score (score.ts) is absolute — a weighted sum of how far the fitted drawings lie from
 * each other and how much they had to be bent — so the best character's score says how well the
 * drawing fits at all. A drawing is answered "none of these" when its confidence (the best score,
 * the best share, or the best score's margin over the median one, whichever `statistic` the
 * checkpoint names) is below `threshold`.
 *
 * The statistic and threshold are chosen on background episodes (choose-abstention.ts), never on
 * Lake's runs: the threshold is the value below which `rate` of the drawings of the episodes' own
 * characters fall, so a person drawing one of the run's characters is told "none of these" about
 * that often; the statistic is the one under which drawings of other characters fall below it most.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export const ABSTENTION_FILE = 'abstention.json';
export const ABSTENTION_STATISTICS = ['score', 'probability', 'margin'] as const;
export type AbstentionStatistic = (typeof ABSTENTION_STATISTICS)[number];

export interface Abstention {
  statistic: AbstentionStatistic;
  /** Below it: "none of these". */
  threshold: number;
}

/**
 * How confident a ranking is, by `statistic`: the best score; the best one's share of exp(score);
 * or the best score's margin over the median character's (how far the best stands out from a
 * typical one, whatever the drawing's own scale of scores).
 */
export function confidenceOf(scores: readonly number[], statistic: AbstentionStatistic): number {
  const top = Math.max(...scores);
  if (statistic === 'score') return top;
  if (statistic === 'margin') {
    const sorted = [...scores].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    return top - median;
  }
  return 1 / scores.reduce((sum, s) => sum + Math.exp(s - top), 0);
}

/** Whether a drawing with these scores (one per character) is "none of these". */
export function abstains(scores: readonly number[], abstention: Abstention): boolean {
  return confidenceOf(scores, abstention.statistic) < abstention.threshold;
}

/** The threshold below which a share `rate` of `confidences` falls (at most that share). */
export function thresholdFor(confidences: readonly number[], rate: number): number {
  if (confidences.length === 0) throw new RangeError('no confidences to choose a threshold from');
  const sorted = [...confidences].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(rate * sorted.length))];
}

/** The share of `confidences` below `threshold`. */
export function rateBelow(confidences: readonly number[], threshold: number): number {
  return confidences.length === 0 ? 0 : confidences.filter((c) => c < threshold).length / confidences.length;
}

/**
 * The statistic and threshold that abstain on at most `rate` of drawings of the episodes' own
 * characters (`own`) and on as many as possible of drawings of other characters (`others`), both
 * given per statistic as each drawing's scores over an episode's characters.
 */
export function chooseAbstention(own: readonly (readonly number[])[], others: readonly (readonly number[])[], rate: number) {
  const candidates = ABSTENTION_STATISTICS.map((statistic) => {
    const threshold = thresholdFor(own.map((s) => confidenceOf(s, statistic)), rate);
    return {
      statistic,
      threshold,
      ownRate: rateBelow(own.map((s) => confidenceOf(s, statistic)), threshold),
      othersRate: rateBelow(others.map((s) => confidenceOf(s, statistic)), threshold),
    };
  });
  const best = candidates.reduce((a, b) => (b.othersRate > a.othersRate ? b : a));
  return { chosen: { statistic: best.statistic, threshold: best.threshold } satisfies Abstention, candidates };
}

/** The checkpoint's abstention (`abstention.json`), or null when it has none (the model then always answers). */
export async function loadAbstention(dir: string): Promise<Abstention | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, ABSTENTION_FILE), 'utf8');
  } catch {
    return null;
  }
  const { statistic, threshold } = JSON.parse(text) as Partial<Abstention>;
  if (!ABSTENTION_STATISTICS.includes(statistic as AbstentionStatistic) || typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new Error(`${path.join(dir, ABSTENTION_FILE)} does not name a statistic and a threshold`);
  }
  return { statistic: statistic as AbstentionStatistic, threshold };
}

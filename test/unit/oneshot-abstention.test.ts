/**
 * "None of these" (models/oneshot/abstention.ts): the confidence statistics, the threshold chosen
 * on drawings of the episodes' own characters, and the choice between the statistics by how often
 * each then abstains on drawings of other characters.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { abstains, ABSTENTION_FILE, chooseAbstention, confidenceOf, loadAbstention, rateBelow, thresholdFor } from '@/models/oneshot/abstention';
import { loadOneShotModel } from '@/models/oneshot/model';

describe('none of these', () => {
  it('measures a ranking’s confidence by its best score, the best one’s share, or its margin over the median', () => {
    const scores = [-2, -4, -6, -8, -10];
    expect(confidenceOf(scores, 'score')).toBe(-2);
    expect(confidenceOf(scores, 'margin')).toBe(4);
    expect(confidenceOf(scores, 'probability')).toBeCloseTo(1 / (1 + Math.exp(-2) + Math.exp(-4) + Math.exp(-6) + Math.exp(-8)), 10);
    expect(confidenceOf([1, 3, 2, 0], 'margin')).toBe(1.5);
    // The share says which fits best, not whether any fits: everything far away still gets most of it.
    const farAway = [-40, -45, -50, -55];
    expect(confidenceOf(farAway, 'probability')).toBeGreaterThan(0.99);
    expect(abstains(farAway, { statistic: 'score', threshold: -5 })).toBe(true);
    expect(abstains(scores, { statistic: 'score', threshold: -5 })).toBe(false);
  });

  it('chooses the threshold that abstains on at most the given share of own drawings', () => {
    const confidences = Array.from({ length: 100 }, (_, i) => i);
    expect(thresholdFor(confidences, 0.05)).toBe(5);
    expect(rateBelow(confidences, 5)).toBe(0.05);
    expect(thresholdFor([3, 1, 2], 0)).toBe(1);
    expect(() => thresholdFor([], 0.05)).toThrow();
  });

  it('keeps the statistic that abstains more on drawings of other characters', () => {
    // Own drawings: one character fits well (score −1 to −3) and stands out. Others: none fits
    // well (−10 and below), yet one stands out as much, so the share cannot tell them apart.
    const own = Array.from({ length: 40 }, (_, i) => [-1 - (i % 3), -20, -21, -22]);
    const others = Array.from({ length: 40 }, (_, i) => [-10 - (i % 3), -29, -30, -31]);
    const { chosen, candidates } = chooseAbstention(own, others, 0.05);
    expect(chosen.statistic).toBe('score');
    expect(candidates.find((c) => c.statistic === 'score')).toMatchObject({ ownRate: 0, othersRate: 1 });
    expect(candidates.find((c) => c.statistic === 'probability')!.othersRate).toBe(0);
  });

  it('reads the checkpoint’s rule, and a checkpoint without one always answers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abstention-'));
    try {
      expect(await loadAbstention(dir)).toBeNull();
      fs.writeFileSync(path.join(dir, ABSTENTION_FILE), JSON.stringify({ statistic: 'score', threshold: -5.5, lakeRuns: {} }));
      expect(await loadAbstention(dir)).toEqual({ statistic: 'score', threshold: -5.5 });
      fs.writeFileSync(path.join(dir, ABSTENTION_FILE), JSON.stringify({ statistic: 'vibes', threshold: 1 }));
      await expect(loadAbstention(dir)).rejects.toThrow(/statistic/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // The shipped checkpoint has one, chosen on background episodes.
    const model = await loadOneShotModel();
    expect(model.abstention).toMatchObject({ statistic: expect.stringMatching(/^(score|probability|margin)$/), threshold: expect.any(Number) });
  });
});

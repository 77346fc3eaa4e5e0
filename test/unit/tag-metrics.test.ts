/**
 * The Corel-5k annotation metrics (models/multimodal-dbm/metrics.ts) on examples small enough to
 * check by hand.
 */
import { describe, expect, it } from 'vitest';
import { averagePrecision, groundTruthWords, tagMetrics, topWords, type TruthMatrix } from '@/models/multimodal-dbm/metrics';
import { priorCorrected } from '@/models/multimodal-dbm/model';

/** A ground-truth count matrix from tag lists. */
function truthOf(tags: number[][], words: number): TruthMatrix {
  const counts = new Float32Array(tags.length * words);
  tags.forEach((row, i) => row.forEach((w) => (counts[i * words + w] = 1)));
  return { counts, n: tags.length, words };
}

/** Every order of `items`. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** AP of one strict order (no ties), straight from the definition. */
function averagePrecisionOfOrder(relevantInOrder: boolean[]): number {
  let hits = 0;
  let sum = 0;
  relevantInOrder.forEach((rel, k) => {
    if (rel) {
      hits += 1;
      sum += hits / (k + 1);
    }
  });
  return hits === 0 ? 0 : sum / hits;
}

describe('annotation with the 5 best words', () => {
  it('takes the highest scores, best first, the lower word id winning a tie', () => {
    const scores = new Float32Array([0.1, 0.9, 0.5, 0.5, 0.2, 0.7, 0.5]);
    expect([...topWords({ scores, n: 1, words: 7 })[0]]).toEqual([1, 5, 2, 3, 6]);
    expect([...topWords({ scores, n: 1, words: 7 }, 2)[0]]).toEqual([1, 5]);
  });
});

describe('precision, recall, F1, N+', () => {
  it('a perfect predictor scores P = R = F1 = MAP = 1 and finds every word', () => {
    // 4 photos with exactly 5 tags each, 8 words.
    const truth = truthOf([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5], [2, 3, 4, 5, 6], [0, 3, 5, 6, 7]], 8);
    const m = tagMetrics({ scores: truth.counts, n: 4, words: 8 }, truth);
    expect(m).toEqual({ precision: 1, recall: 1, f1: 1, nplus: 8, map: 1 });
  });

  it('a predictor that gives every photo the same 5 words finds at most 5 words (hand-computed)', () => {
    // Always predicts words 0..4. Word 4 is not in the test ground truth, so it is not averaged;
    // word 5 is never predicted: precision 0, recall 0.
    const truth = truthOf([[0, 1], [0, 5], [2], [5, 3]], 6);
    const scores = new Float32Array(4 * 6);
    for (let i = 0; i < 4; i++) scores.set([6, 5, 4, 3, 2, 1], i * 6);
    expect(groundTruthWords(truth)).toEqual([0, 1, 2, 3, 5]);
    const m = tagMetrics({ scores, n: 4, words: 6 }, truth);
    // precision per word: 2/4, 1/4, 1/4, 1/4, 0 → 1.25/5; recall: 1, 1, 1, 1, 0 → 4/5.
    expect(m.precision).toBeCloseTo(0.25, 12);
    expect(m.recall).toBeCloseTo(0.8, 12);
    expect(m.f1).toBeCloseTo((2 * 0.25 * 0.8) / 1.05, 12);
    expect(m.nplus).toBe(4);
    expect(m.nplus).toBeLessThanOrEqual(5);
  });

  it('counts a word with some correct annotations in N+ and averages per word, not per photo', () => {
    // 3 photos, 7 words; photo 0 gets {0,1,2,3,4}, photos 1 and 2 get {2,3,4,5,6}.
    const truth = truthOf([[0], [0], [6]], 7);
    const scores = new Float32Array([5, 4, 3, 2, 1, 0, 0, /**/ 0, 0, 5, 4, 3, 2, 1, /**/ 0, 0, 5, 4, 3, 2, 1]);
    const m = tagMetrics({ scores, n: 3, words: 7 }, truth);
    // Test words 0 and 6. Word 0: predicted once, correct once (precision 1), recall 1/2.
    // Word 6: predicted twice, correct once (precision 1/2), recall 1.
    expect(m.precision).toBeCloseTo(0.75, 12);
    expect(m.recall).toBeCloseTo(0.75, 12);
    expect(m.f1).toBeCloseTo(0.75, 12);
    expect(m.nplus).toBe(2);
  });

  it('refuses scores and ground truth of different shapes', () => {
    const truth = truthOf([[0]], 3);
    expect(() => tagMetrics({ scores: new Float32Array(4), n: 1, words: 4 }, truth)).toThrow(/1×4.*1×3/);
  });
});

describe('average precision (per-word retrieval)', () => {
  it('matches hand-computed values', () => {
    // Relevant at ranks 1 and 3: (1/1 + 2/3) / 2.
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6, 0.5], [true, false, true, false, false])).toBeCloseTo(5 / 6, 12);
    // Relevant at ranks 2 and 5: (1/2 + 2/5) / 2.
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6, 0.5], [false, true, false, false, true])).toBeCloseTo(0.45, 12);
    // The order comes from the scores, not the input order.
    expect(averagePrecision([0.5, 0.6, 0.7, 0.8, 0.9], [true, false, false, true, false])).toBeCloseTo(0.45, 12);
    expect(averagePrecision([1, 2, 3], [false, false, false])).toBe(0);
  });

  it('gives tied scores the mean AP over every order of the tie', () => {
    const relevant = [true, false, true, false];
    const meanOverOrders =
      permutations([0, 1, 2, 3])
        .map((order) => averagePrecisionOfOrder(order.map((i) => relevant[i])))
        .reduce((a, b) => a + b, 0) / 24;
    expect(averagePrecision([1, 1, 1, 1], relevant)).toBeCloseTo(meanOverOrders, 12);
    // Hand value for 2 relevant among 4 tied: (1/2)(1 + 2/3 + 5/9 + 1/2) / 2 = 49/72.
    expect(averagePrecision([1, 1, 1, 1], relevant)).toBeCloseTo(49 / 72, 12);
  });

  it('resolves a tie in the middle of a ranking in expectation as well', () => {
    // Item 0 ranks first; items 1..3 tie. Mean over the 6 orders of the tie.
    const scores = [2, 1, 1, 1, 0];
    const relevant = [false, true, false, true, true];
    let total = 0;
    for (const tie of permutations([1, 2, 3])) total += averagePrecisionOfOrder([0, ...tie, 4].map((i) => relevant[i]));
    expect(averagePrecision(scores, relevant)).toBeCloseTo(total / 6, 12);
  });

  it('MAP of a predictor that ranks every photo alike is the AP of a random ranking', () => {
    const truth = truthOf([[0, 1], [0, 5], [2], [5, 3]], 6);
    const scores = new Float32Array(4 * 6).fill(0.5);
    // Word 0 and 5: 2 of 4 relevant (49/72 each); words 1, 2, 3: 1 of 4 relevant (mean of 1, 1/2, 1/3, 1/4 = 25/48).
    const expected = (2 * (49 / 72) + 3 * (25 / 48)) / 5;
    expect(tagMetrics({ scores, n: 4, words: 6 }, truth).map).toBeCloseTo(expected, 12);
  });
});

describe('ranking words against their frequency', () => {
  it('divides p(word | image) by p(word)^α, and never ranks a word no training photo has', () => {
    const frequency = [0.25, 0.01, 0];
    const probabilities = Float32Array.from([0.5, 0.05, 0.001, 0.5, 0.05, 0.001]);
    // α = 0: the probabilities; α = 1: how much likelier the photo makes each word than it is a priori.
    expect(Array.from(priorCorrected(probabilities, frequency, 0))).toEqual([0.5, 0.05, 0, 0.5, 0.05, 0].map(Math.fround));
    const lifted = priorCorrected(probabilities, frequency, 1);
    expect(lifted[0]).toBeCloseTo(2, 5);
    expect(lifted[1]).toBeCloseTo(5, 5);
    expect(lifted[2]).toBe(0);
    expect(lifted[5]).toBe(0);
  });
});

/**
 * The Corel-5k automatic-annotation protocol (Duygulu et al. 2002; as used by Makadia et al.'s JEC,
 * Guillaumin et al.'s TagProp and the multimodal-DBM papers), on a score matrix: row i holds one
 * score per vocabulary word for test photo i, higher meaning "more likely a tag".
 *
 * Annotation (precision, recall, F1, N+):
 *   - each photo is annotated with its 5 highest-scoring words (ties: the lower word id first);
 *   - per word w: precision_w = (#photos correctly annotated with w) / (#photos annotated with w),
 *     recall_w = (#photos correctly annotated with w) / (#photos whose ground truth has w);
 *     a word that is never predicted has precision 0;
 *   - P and R are the means of precision_w and recall_w over the words that occur in the test
 *     ground truth (263 of the 374 on our split; the literature's "260"). Words predicted but absent
 *     from the test ground truth are not averaged (they have no recall);
 *   - F1 = 2PR / (P + R) of those means (not the mean of per-word F1s);
 *   - N+ = the number of words with recall_w > 0.
 *
 * MAP is the per-word retrieval mean average precision that the Corel-5k literature reports: for
 * each word w of the test ground truth, rank all test photos by their score for w and take the
 * average precision of that ranking (the mean, over photos relevant to w, of the precision at that
 * photo's rank); MAP is the mean over those words. Tied scores are resolved in expectation: the AP
 * of a tied group is the mean AP over all orders of the group (McSherry & Najork, ECIR 2008), so a
 * predictor that gives every photo the same score gets the AP of a random ranking, not one that
 * depends on photo order.
 */

export const ANNOTATION_LENGTH = 5;

export interface TagMetrics {
  /** Mean per-word precision over the test words, a fraction. */
  precision: number;
  /** Mean per-word recall over the test words, a fraction. */
  recall: number;
  /** 2PR / (P + R) of the two means. */
  f1: number;
  /** Words with recall > 0. */
  nplus: number;
  /** Mean over the test words of per-word retrieval average precision. */
  map: number;
}

export interface ScoreMatrix {
  /** [n × words] row-major. */
  scores: Float32Array | Float64Array;
  n: number;
  words: number;
}

/** Ground truth as the data loader gives it: [n × words] tag counts (> 0 means the photo has the tag). */
export interface TruthMatrix {
  counts: Float32Array;
  n: number;
  words: number;
}

function checkShapes(s: ScoreMatrix, t: TruthMatrix): void {
  if (s.n !== t.n || s.words !== t.words) throw new Error(`scores are ${s.n}×${s.words} but the ground truth is ${t.n}×${t.words}`);
  if (s.scores.length !== s.n * s.words) throw new Error(`scores hold ${s.scores.length} numbers, expected ${s.n}×${s.words}`);
  if (t.counts.length !== t.n * t.words) throw new Error(`ground truth holds ${t.counts.length} numbers, expected ${t.n}×${t.words}`);
}

/** The `length` highest-scoring word ids of every row, best first; ties go to the lower word id. */
export function topWords(s: ScoreMatrix, length: number = ANNOTATION_LENGTH): Int32Array[] {
  const out: Int32Array[] = [];
  for (let i = 0; i < s.n; i++) {
    const row = s.scores.subarray(i * s.words, (i + 1) * s.words);
    const best = new Int32Array(Math.min(length, s.words)).fill(-1);
    // A running insertion sort over `length` slots: linear in the vocabulary, no allocation per word.
    for (let w = 0; w < s.words; w++) {
      const v = row[w];
      let k = best.length;
      while (k > 0 && (best[k - 1] === -1 || row[best[k - 1]] < v)) k--;
      if (k === best.length) continue;
      for (let m = best.length - 1; m > k; m--) best[m] = best[m - 1];
      best[k] = w;
    }
    out.push(best);
  }
  return out;
}

/** Word ids present in at least one photo's ground truth. */
export function groundTruthWords(t: TruthMatrix): number[] {
  const present = new Uint8Array(t.words);
  for (let i = 0; i < t.n; i++) for (let w = 0; w < t.words; w++) if (t.counts[i * t.words + w] > 0) present[w] = 1;
  return [...present.keys()].filter((w) => present[w] === 1);
}

/** Per-word annotation counts: how often each word was predicted, predicted correctly, and is true. */
export function annotationCounts(s: ScoreMatrix, t: TruthMatrix, length: number = ANNOTATION_LENGTH) {
  checkShapes(s, t);
  const predicted = new Int32Array(s.words);
  const correct = new Int32Array(s.words);
  const relevant = new Int32Array(s.words);
  topWords(s, length).forEach((annotation, i) => {
    for (const w of annotation) {
      predicted[w] += 1;
      if (t.counts[i * t.words + w] > 0) correct[w] += 1;
    }
    for (let w = 0; w < t.words; w++) if (t.counts[i * t.words + w] > 0) relevant[w] += 1;
  });
  return { predicted, correct, relevant };
}

/**
 * Average precision of ranking `scores` (one per item, higher first) against `relevant`, with tied
 * scores resolved in expectation over their orders (McSherry & Najork 2008). 0 when nothing is relevant.
 */
export function averagePrecision(scores: ArrayLike<number>, relevant: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let totalRelevant = 0;
  for (let i = 0; i < n; i++) if (relevant[i]) totalRelevant += 1;
  if (totalRelevant === 0) return 0;
  let sum = 0;
  let before = 0; // items ranked above the current tied group
  let relevantBefore = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    const t = end - start;
    let r = 0;
    for (let k = start; k < end; k++) if (relevant[order[k]]) r += 1;
    if (r > 0) {
      // For position j (1-based) inside the group: E[rel_j · (relevantBefore + #rel in 1..j)] / (before + j)
      //   = (r/t) · (relevantBefore + 1 + (j−1)(r−1)/(t−1)) / (before + j).
      for (let j = 1; j <= t; j++) {
        const withinBefore = t > 1 ? ((j - 1) * (r - 1)) / (t - 1) : 0;
        sum += ((r / t) * (relevantBefore + 1 + withinBefore)) / (before + j);
      }
    }
    before += t;
    relevantBefore += r;
    start = end;
  }
  return sum / totalRelevant;
}

/** Per-word retrieval AP for each word of `words`: rank the photos by their score for that word. */
export function perWordAveragePrecision(s: ScoreMatrix, t: TruthMatrix, words: number[]): number[] {
  checkShapes(s, t);
  const column = new Float64Array(s.n);
  const relevant: boolean[] = new Array(s.n);
  return words.map((w) => {
    for (let i = 0; i < s.n; i++) {
      column[i] = s.scores[i * s.words + w];
      relevant[i] = t.counts[i * t.words + w] > 0;
    }
    return averagePrecision(column, relevant);
  });
}

/** Precision, recall, F1, N+ and MAP of a score matrix against the ground truth (see the file comment). */
export function tagMetrics(s: ScoreMatrix, t: TruthMatrix, length: number = ANNOTATION_LENGTH): TagMetrics {
  const words = groundTruthWords(t);
  if (words.length === 0) throw new Error('the ground truth has no tags');
  const { predicted, correct, relevant } = annotationCounts(s, t, length);
  let precision = 0;
  let recall = 0;
  let nplus = 0;
  for (const w of words) {
    precision += predicted[w] > 0 ? correct[w] / predicted[w] : 0;
    recall += correct[w] / relevant[w];
    if (correct[w] > 0) nplus += 1;
  }
  precision /= words.length;
  recall /= words.length;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const aps = perWordAveragePrecision(s, t, words);
  const map = aps.reduce((a, b) => a + b, 0) / aps.length;
  return { precision, recall, f1, nplus, map };
}

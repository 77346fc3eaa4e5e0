/**
 * The two-way score of a drawing against an exemplar, and how its weights are learned.
 *
 * A fit (register.ts) leaves three terms: how far the deformed exemplar lies from the drawing
 * (mean squared distance), how unusual the affine map is under the variation model's prior
 * (Mahalanobis distance) and how much the smooth field had to bend it (the field's penalty).
 * −E, the one-way fit's energy, adds them with the weights the model's σ and priors give. The
 * two-way score fits both ways — the exemplar onto the drawing and the drawing onto the exemplar,
 * as BPL scores a drawing with both P(test | exemplar) and P(exemplar | test) — and weighs the six
 * terms by what tells characters apart: the weights that make the right exemplar most probable
 * among an episode's, p(k | drawing) = softmax_k(w · terms_k), fitted by maximum likelihood on
 * background episodes (a conditional logit, McFadden 1974). The weights then also calibrate the
 * probabilities shown on the page.
 */
import { solveSpd } from './register';

/** The terms of a two-way fit, in the order the weights use. */
export const FIT_TERMS = ['distance', 'affine', 'field', 'reverseDistance', 'reverseAffine', 'reverseField'] as const;

/** One episode's terms, [test][exemplar][term], and each test drawing's exemplar. */
export interface ScoredEpisode {
  terms: number[][][];
  answers: number[];
}

export function weightedScore(terms: number[], weights: number[]): number {
  return terms.reduce((s, t, i) => s + t * weights[i], 0);
}

/**
 * Weights w maximising Σ log softmax(w · terms)[answer] − ½ λ |w̃|² over the episodes' test
 * drawings (w̃ the weights on terms scaled to unit deviation, so that λ treats them alike), by
 * Newton's method: the objective is concave, its Hessian the terms' covariance under the softmax.
 */
export function learnScoreWeights(episodes: ScoredEpisode[], l2 = 1e-3, iterations = 50): { weights: number[]; meanLogLikelihood: number } {
  const rows = episodes.flatMap((e) => e.terms.map((candidates, i) => ({ candidates, answer: e.answers[i] })));
  const d = rows[0].candidates[0].length;
  // Each term's deviation over all candidates.
  const all = rows.flatMap((r) => r.candidates);
  const scale = Array.from({ length: d }, (_, j) => {
    const mean = all.reduce((s, c) => s + c[j], 0) / all.length;
    return Math.sqrt(all.reduce((s, c) => s + (c[j] - mean) ** 2, 0) / all.length) || 1;
  });
  const scaled = rows.map((r) => ({ answer: r.answer, candidates: r.candidates.map((c) => c.map((v, j) => v / scale[j])) }));

  const objective = (w: number[]) => {
    let total = 0;
    const gradient = new Float64Array(d);
    const hessian = new Float64Array(d * d);
    for (const { candidates, answer } of scaled) {
      const scores = candidates.map((c) => weightedScore(c, w));
      const top = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - top));
      const z = exps.reduce((a, b) => a + b, 0);
      total += scores[answer] - top - Math.log(z);
      const expected = new Float64Array(d);
      candidates.forEach((c, k) => c.forEach((v, j) => (expected[j] += (exps[k] / z) * v)));
      for (let j = 0; j < d; j++) gradient[j] += candidates[answer][j] - expected[j];
      candidates.forEach((c, k) => {
        const p = exps[k] / z;
        for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) hessian[a * d + b] += p * (c[a] - expected[a]) * (c[b] - expected[b]);
      });
    }
    const n = scaled.length;
    for (let j = 0; j < d; j++) gradient[j] = gradient[j] / n - l2 * w[j];
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) hessian[a * d + b] = hessian[a * d + b] / n + (a === b ? l2 : 0);
    return { value: total / n - (l2 / 2) * w.reduce((s, v) => s + v * v, 0), logLikelihood: total / n, gradient, hessian };
  };

  let w = new Array(d).fill(0);
  let current = objective(w);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const step = solveSpd(current.hessian, current.gradient, d);
    // Backtracking: Newton's step, halved until the objective rises.
    let t = 1;
    let next = w;
    let evaluated = current;
    while (t > 1e-6) {
      next = w.map((v, j) => v + t * step[j]);
      evaluated = objective(next);
      if (evaluated.value >= current.value) break;
      t /= 2;
    }
    const gain = evaluated.value - current.value;
    w = next;
    current = evaluated;
    if (gain < 1e-10) break;
  }
  return { weights: w.map((v, j) => v / scale[j]), meanLogLikelihood: current.logLikelihood };
}

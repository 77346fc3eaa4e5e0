/**
 * Fitting the variation model's affine map from one drawing to another: the most probable map
 * θ = [a11, a12, a21, a22, tx, ty] under the model's prior N(μ, Σ) given that the moved exemplar
 * should lie on the drawing's pen path,
 *
 *   E(θ) = D²(θ) / 2σ² + ½ (θ − μ)ᵀ Σ⁻¹ (θ − μ),
 *
 * D²(θ) the mean squared distance between the moved exemplar's points and the drawing's, nearest
 * point to nearest point, both ways. Minimised by iterated closest points: with the nearest points
 * fixed, E is quadratic in θ and its minimum solves a 6×6 linear system. −E at the end scores how
 * probable the drawing is as another drawing of the exemplar's character.
 */

import { cholesky } from './variation';

/** Inverse of a symmetric positive-definite 6×6 matrix (column by column through solveSpd). */
export function inverse6(matrix: number[]): Float64Array {
  const out = new Float64Array(36);
  for (let c = 0; c < 6; c++) {
    const e = new Float64Array(6);
    e[c] = 1;
    const column = solveSpd(Float64Array.from(matrix), e, 6);
    for (let r = 0; r < 6; r++) out[r * 6 + c] = column[r];
  }
  return out;
}

export interface AffinePrior {
  mean: number[];
  /** Σ⁻¹, row-major 6×6. */
  precision: Float64Array;
}

function nearestIndex(x: number, y: number, points: Float32Array | Float64Array): number {
  let best = 0;
  let bestD = Infinity;
  for (let j = 0; j < points.length; j += 2) {
    const d = (x - points[j]) ** 2 + (y - points[j + 1]) ** 2;
    if (d < bestD) {
      bestD = d;
      best = j;
    }
  }
  return best;
}

/**
 * The exemplar's points (flat x, y; about their centre) registered onto the drawing's: the map,
 * the remaining mean squared distance D², the prior's Mahalanobis term and the energy E.
 */
export function registerAffine(
  exemplar: Float32Array,
  drawing: Float32Array,
  prior: AffinePrior,
  sigma: number,
  iterations = 12,
): { theta: Float64Array; meanSquared: number; mahalanobis: number; energy: number } {
  let theta: Float64Array = Float64Array.from(prior.mean);
  const moved = new Float64Array(exemplar.length);
  const move = () => {
    for (let i = 0; i < exemplar.length; i += 2) {
      moved[i] = theta[0] * exemplar[i] + theta[1] * exemplar[i + 1] + theta[4];
      moved[i + 1] = theta[2] * exemplar[i] + theta[3] * exemplar[i + 1] + theta[5];
    }
  };
  const n = exemplar.length / 2;
  const m = drawing.length / 2;
  let meanSquared = 0;
  for (let iteration = 0; iteration <= iterations; iteration++) {
    move();
    // Pairs (exemplar point, drawing point): each moved exemplar point with its nearest drawing
    // point, each drawing point with its nearest moved exemplar point; each direction weighs half.
    const H = new Float64Array(36);
    const g = new Float64Array(6);
    let squared = 0;
    const add = (px: number, py: number, qx: number, qy: number, rx: number, ry: number, weight: number) => {
      squared += weight * (rx * rx + ry * ry);
      const w = weight / (sigma * sigma);
      // x residual: [px, py, 0, 0, 1, 0]·θ − qx; y residual: [0, 0, px, py, 0, 1]·θ − qy.
      const jx = [px, py, 0, 0, 1, 0];
      const jy = [0, 0, px, py, 0, 1];
      for (let a = 0; a < 6; a++) {
        g[a] += w * (jx[a] * qx + jy[a] * qy);
        for (let b = 0; b < 6; b++) H[a * 6 + b] += w * (jx[a] * jx[b] + jy[a] * jy[b]);
      }
    };
    for (let i = 0; i < exemplar.length; i += 2) {
      const j = nearestIndex(moved[i], moved[i + 1], drawing);
      add(exemplar[i], exemplar[i + 1], drawing[j], drawing[j + 1], moved[i] - drawing[j], moved[i + 1] - drawing[j + 1], 0.5 / n);
    }
    for (let j = 0; j < drawing.length; j += 2) {
      const i = nearestIndex(drawing[j], drawing[j + 1], moved);
      add(exemplar[i], exemplar[i + 1], drawing[j], drawing[j + 1], moved[i] - drawing[j], moved[i + 1] - drawing[j + 1], 0.5 / m);
    }
    meanSquared = squared;
    if (iteration === iterations) break;
    for (let a = 0; a < 6; a++) for (let b = 0; b < 6; b++) {
      H[a * 6 + b] += prior.precision[a * 6 + b];
      g[a] += prior.precision[a * 6 + b] * prior.mean[b];
    }
    theta = solveSpd(H, g, 6); // H is the data term's Gram matrix plus the prior's precision: positive definite
  }
  let mahalanobis = 0;
  for (let a = 0; a < 6; a++) for (let b = 0; b < 6; b++) mahalanobis += (theta[a] - prior.mean[a]) * prior.precision[a * 6 + b] * (theta[b] - prior.mean[b]);
  return { theta, meanSquared, mahalanobis, energy: meanSquared / (2 * sigma * sigma) + mahalanobis / 2 };
}

/** Solves the symmetric positive-definite system A x = b (row-major k×k A) by Cholesky. */
export function solveSpd(A: Float64Array, b: Float64Array, k: number): Float64Array {
  const L = cholesky(Array.from(A), k);
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let v = b[i];
    for (let s = 0; s < i; s++) v -= L[i * k + s] * z[s];
    z[i] = v / L[i * k + i];
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let v = z[i];
    for (let s = i + 1; s < k; s++) v -= L[s * k + i] * x[s];
    x[i] = v / L[i * k + i];
  }
  return x;
}

/** Centres of the displacement field's Gaussian bumps: a GRID×GRID lattice over the centred frame. */
const GRID = 5;
const SPACING = 105 / (GRID - 1);
const BUMP = SPACING / 1.5;
const CENTRES = Array.from({ length: GRID * GRID }, (_, k) => [-52.5 + (k % GRID) * SPACING, -52.5 + Math.floor(k / GRID) * SPACING]);

/**
 * After the affine map, a smooth displacement field f(p) = Σ_k c_k·exp(−|p − g_k|² / 2b²) on a
 * lattice of bumps, each coefficient with prior N(0, fieldSigma²), fitted the same way (iterated
 * closest points, a linear solve per coordinate). Energy: D² / 2σ² + ½ Mahalanobis(θ) + ½ |c|² / fieldSigma².
 */
export function registerDeformable(
  exemplar: Float32Array,
  drawing: Float32Array,
  prior: AffinePrior,
  sigma: number,
  fieldSigma: number,
  iterations = 8,
): { energy: number; meanSquared: number; mahalanobis: number; fieldPenalty: number } {
  const affine = registerAffine(exemplar, drawing, prior, sigma);
  const theta = affine.theta;
  const n = exemplar.length / 2;
  const m = drawing.length / 2;
  const K = CENTRES.length;
  // Basis values at the exemplar's points: Φ[i][k].
  const phi = new Float64Array(n * K);
  const base = new Float64Array(exemplar.length); // affine-moved exemplar
  for (let i = 0; i < n; i++) {
    const px = exemplar[2 * i];
    const py = exemplar[2 * i + 1];
    base[2 * i] = theta[0] * px + theta[1] * py + theta[4];
    base[2 * i + 1] = theta[2] * px + theta[3] * py + theta[5];
    for (let k = 0; k < K; k++) phi[i * K + k] = Math.exp(-((px - CENTRES[k][0]) ** 2 + (py - CENTRES[k][1]) ** 2) / (2 * BUMP * BUMP));
  }
  let cx: Float64Array = new Float64Array(K);
  let cy: Float64Array = new Float64Array(K);
  const moved = new Float64Array(exemplar.length);
  let meanSquared = affine.meanSquared;
  for (let iteration = 0; iteration <= iterations; iteration++) {
    for (let i = 0; i < n; i++) {
      let dx = 0;
      let dy = 0;
      for (let k = 0; k < K; k++) {
        dx += phi[i * K + k] * cx[k];
        dy += phi[i * K + k] * cy[k];
      }
      moved[2 * i] = base[2 * i] + dx;
      moved[2 * i + 1] = base[2 * i + 1] + dy;
    }
    // Weighted pairs: each exemplar point i gets a target (the mean of the drawing points paired with it).
    const weight = new Float64Array(n);
    const targetX = new Float64Array(n);
    const targetY = new Float64Array(n);
    let squared = 0;
    for (let i = 0; i < n; i++) {
      const j = nearestIndex(moved[2 * i], moved[2 * i + 1], drawing);
      const w = 0.5 / n;
      weight[i] += w;
      targetX[i] += w * drawing[j];
      targetY[i] += w * drawing[j + 1];
      squared += w * ((moved[2 * i] - drawing[j]) ** 2 + (moved[2 * i + 1] - drawing[j + 1]) ** 2);
    }
    for (let j = 0; j < drawing.length; j += 2) {
      const i = nearestIndex(drawing[j], drawing[j + 1], moved) / 2;
      const w = 0.5 / m;
      weight[i] += w;
      targetX[i] += w * drawing[j];
      targetY[i] += w * drawing[j + 1];
      squared += w * ((moved[2 * i] - drawing[j]) ** 2 + (moved[2 * i + 1] - drawing[j + 1]) ** 2);
    }
    meanSquared = squared;
    if (iteration === iterations) break;
    // (Φᵀ W Φ / σ² + I / s²) c = Φᵀ (W·target − W·base) / σ², per coordinate.
    const A = new Float64Array(K * K);
    const bx = new Float64Array(K);
    const by = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      if (weight[i] === 0) continue;
      const w = weight[i] / (sigma * sigma);
      const rx = (targetX[i] - weight[i] * base[2 * i]) / (sigma * sigma);
      const ry = (targetY[i] - weight[i] * base[2 * i + 1]) / (sigma * sigma);
      for (let a = 0; a < K; a++) {
        const pa = phi[i * K + a];
        if (pa < 1e-6) continue;
        bx[a] += pa * rx;
        by[a] += pa * ry;
        for (let b = 0; b < K; b++) A[a * K + b] += w * pa * phi[i * K + b];
      }
    }
    for (let a = 0; a < K; a++) A[a * K + a] += 1 / (fieldSigma * fieldSigma);
    cx = solveSpd(A, bx, K);
    cy = solveSpd(A, by, K);
  }
  let fieldPenalty = 0;
  for (let k = 0; k < K; k++) fieldPenalty += (cx[k] ** 2 + cy[k] ** 2) / (fieldSigma * fieldSigma);
  return { meanSquared, mahalanobis: affine.mahalanobis, fieldPenalty, energy: meanSquared / (2 * sigma * sigma) + affine.mahalanobis / 2 + fieldPenalty / 2 };
}

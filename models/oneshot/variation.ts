/**
 * How people vary when they draw the same character, learned from Omniglot's pen trajectories
 * (20 people drew every character). The model is the token level of Lake et al.'s BPL, reduced
 * to what can be fitted from pairs of drawings: another person's drawing of a character is the
 * first drawing moved by
 *
 *   1. a random affine map about the drawing's centre (size, slant, shear, position), and
 *   2. a smooth random displacement field d(p), a Gaussian process with a squared-exponential
 *      kernel σ²·exp(−|p − p′|² / 2ℓ²) per coordinate (strokes bending, parts moving relative to
 *      one another),
 *
 * with the pen then drawing the moved strokes. Fitting: pairs of drawings of a character with the
 * same number of strokes are put in correspondence (each stroke resampled to K points by arc
 * length, in the order drawn, each stroke's direction the closer one), the affine map is fitted by
 * least squares (its distribution estimated robustly), and (σ, ℓ) by maximum marginal likelihood
 * of the residual displacements across the pen path, with a white-noise term τ (variants are
 * drawn at a longer ℓ, chosen in train.ts). A pair's difference holds two drawings' deviations
 * from the character; a new drawing deviates once from the one given, so sampling uses half the
 * pairs' variance.
 */
import type { Drawing, Point } from '@/lib/strokes';
import { standardNormal } from '@/models/blocks/statistics';

/** Per-pair affine map q − q̄ = A (p − p̄) + t: A row-major [a11, a12, a21, a22], t = [tx, ty]. */
export interface Affine {
  A: [number, number, number, number];
  t: [number, number];
}

export interface VariationModel {
  /** Mean and covariance (6×6, row-major) of [a11, a12, a21, a22, tx, ty] over pairs. */
  affine: { mean: number[]; covariance: number[] };
  /**
   * The displacement field's GP: deviation σ (px) and white noise τ (px) as fitted; the length
   * scale ℓ (px) the one variants are drawn with, chosen in train.ts (meta.json's
   * `fittedLengthscale` is the maximum-likelihood one).
   */
  field: { sigma: number; lengthscale: number; noise: number };
}

/** Points per stroke when strokes are put in correspondence. */
export const POINTS_PER_STROKE = 12;

/** `count` points evenly spaced along a stroke's path (its first and last point included). */
export function resampleStroke(stroke: Point[], count = POINTS_PER_STROKE): [number, number][] {
  const cumulative = [0];
  for (let i = 1; i < stroke.length; i++) cumulative.push(cumulative[i - 1] + Math.hypot(stroke[i].x - stroke[i - 1].x, stroke[i].y - stroke[i - 1].y));
  const total = cumulative[cumulative.length - 1];
  const out: [number, number][] = [];
  let j = 0;
  for (let k = 0; k < count; k++) {
    const target = count === 1 ? 0 : (total * k) / (count - 1);
    while (j < stroke.length - 2 && cumulative[j + 1] < target) j++;
    const span = j + 1 < stroke.length ? cumulative[j + 1] - cumulative[j] : 0;
    const f = span > 0 ? Math.min(1, Math.max(0, (target - cumulative[j]) / span)) : 0;
    const a = stroke[j];
    const b = stroke[Math.min(j + 1, stroke.length - 1)];
    out.push([a.x + f * (b.x - a.x), a.y + f * (b.y - a.y)]);
  }
  return out;
}

/**
 * Corresponding points of two drawings with the same number of strokes, or null when the counts
 * differ. Strokes are matched in the order drawn; each of `b`'s strokes runs in whichever
 * direction lies closer to `a`'s (people start a stroke at either end).
 */
export function correspond(a: Drawing, b: Drawing): { p: [number, number][]; q: [number, number][] } | null {
  if (a.length !== b.length || a.length === 0) return null;
  const p: [number, number][] = [];
  const q: [number, number][] = [];
  a.forEach((stroke, s) => {
    const sa = resampleStroke(stroke);
    const sb = resampleStroke(b[s]);
    const distance = (xs: [number, number][]) => xs.reduce((sum, [x, y], k) => sum + Math.hypot(x - sa[k][0], y - sa[k][1]), 0);
    const reversed = [...sb].reverse();
    p.push(...sa);
    q.push(...(distance(reversed) < distance(sb) ? reversed : sb));
  });
  return { p, q };
}

function mean(points: [number, number][]): [number, number] {
  let x = 0;
  let y = 0;
  for (const [px, py] of points) {
    x += px;
    y += py;
  }
  return [x / points.length, y / points.length];
}

/** Least-squares affine map from p to q (about their centres) and the residual displacements. */
export function fitAffine(p: [number, number][], q: [number, number][]): { affine: Affine; residuals: [number, number][] } {
  const [pcx, pcy] = mean(p);
  const [qcx, qcy] = mean(q);
  // Normal equations: A = (Σ q̃ p̃ᵀ)(Σ p̃ p̃ᵀ)⁻¹, with a small ridge towards the identity for degenerate (straight-line) drawings.
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let qx_px = 0;
  let qx_py = 0;
  let qy_px = 0;
  let qy_py = 0;
  p.forEach(([px, py], i) => {
    const x = px - pcx;
    const y = py - pcy;
    const u = q[i][0] - qcx;
    const v = q[i][1] - qcy;
    sxx += x * x;
    sxy += x * y;
    syy += y * y;
    qx_px += u * x;
    qx_py += u * y;
    qy_px += v * x;
    qy_py += v * y;
  });
  const ridge = 1e-3 * (sxx + syy) + 1e-6;
  sxx += ridge;
  syy += ridge;
  qx_px += ridge;
  qy_py += ridge;
  const det = sxx * syy - sxy * sxy;
  const inv = [syy / det, -sxy / det, -sxy / det, sxx / det];
  const A: Affine['A'] = [
    qx_px * inv[0] + qx_py * inv[2],
    qx_px * inv[1] + qx_py * inv[3],
    qy_px * inv[0] + qy_py * inv[2],
    qy_px * inv[1] + qy_py * inv[3],
  ];
  const residuals = p.map(([px, py], i): [number, number] => {
    const x = px - pcx;
    const y = py - pcy;
    return [q[i][0] - qcx - (A[0] * x + A[1] * y), q[i][1] - qcy - (A[2] * x + A[3] * y)];
  });
  return { affine: { A, t: [qcx - pcx, qcy - pcy] }, residuals };
}

/**
 * Unit normals of the pen path at corresponded points (`POINTS_PER_STROKE` per stroke, in order):
 * the tangent by central differences within each stroke, turned a quarter.
 */
export function strokeNormals(points: [number, number][], perStroke = POINTS_PER_STROKE): [number, number][] {
  return points.map((_, i) => {
    const start = i - (i % perStroke);
    const a = points[Math.max(start, i - 1)];
    const b = points[Math.min(start + perStroke - 1, i + 1)];
    const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
    return length > 0 ? [-(b[1] - a[1]) / length, (b[0] - a[0]) / length] : [0, 0];
  });
}

/**
 * log N of the residuals' components across the pen path, r·n, under the field: correspondence by
 * arc length misplaces points *along* a stroke (people speed up and slow down), which would pass
 * for a short-range field, so only the displacement across the path is scored. Cov(r·nᵢ, r·nⱼ) =
 * (nᵢ·nⱼ) σ² exp(−|pᵢ − pⱼ|² / 2ℓ²) + τ² δᵢⱼ.
 */
export function normalFieldLogLikelihood(points: [number, number][], residuals: [number, number][], normals: [number, number][], sigma: number, lengthscale: number, noise: number): number {
  const n = points.length;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const d2 = (points[i][0] - points[j][0]) ** 2 + (points[i][1] - points[j][1]) ** 2;
      const alignment = normals[i][0] * normals[j][0] + normals[i][1] * normals[j][1];
      const k = alignment * sigma * sigma * Math.exp(-d2 / (2 * lengthscale * lengthscale)) + (i === j ? noise * noise : 0);
      K[i * n + j] = k;
      K[j * n + i] = k;
    }
  }
  const r = residuals.map(([x, y], i) => x * normals[i][0] + y * normals[i][1]);
  return gaussianLogDensity(K, r, n);
}

/** log N(r; 0, K) by Cholesky of K (row-major n×n, overwritten); −∞ when K is not positive definite. */
function gaussianLogDensity(K: Float64Array, r: number[], n: number): number {
  for (let j = 0; j < n; j++) {
    let d = K[j * n + j];
    for (let k = 0; k < j; k++) d -= K[j * n + k] ** 2;
    if (d <= 0) return -Infinity;
    const l = Math.sqrt(d);
    K[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let v = K[i * n + j];
      for (let k = 0; k < j; k++) v -= K[i * n + k] * K[j * n + k];
      K[i * n + j] = v / l;
    }
  }
  let logDet = 0;
  let quadratic = 0;
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    logDet += 2 * Math.log(K[i * n + i]);
    let v = r[i];
    for (let k = 0; k < i; k++) v -= K[i * n + k] * z[k];
    z[i] = v / K[i * n + i];
    quadratic += z[i] * z[i];
  }
  return -0.5 * quadratic - 0.5 * logDet - 0.5 * n * Math.log(2 * Math.PI);
}

/** The 6 numbers [a11, a12, a21, a22, tx, ty] of an affine map. */
export function affineVector(affine: Affine): number[] {
  return [...affine.A, ...affine.t];
}

/** Mean and covariance of rows. */
export function gaussianOf(rows: number[][]): { mean: number[]; covariance: number[] } {
  const d = rows[0].length;
  const mu = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  const covariance = new Array(d * d).fill(0);
  for (const r of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) covariance[i * d + j] += ((r[i] - mu[i]) * (r[j] - mu[j])) / (rows.length - 1);
  return { mean: mu, covariance };
}

/** Lower-triangular Cholesky factor of a symmetric positive-definite d×d matrix (jittered if needed). */
export function cholesky(matrix: number[], d: number): number[] {
  const L = new Array(d * d).fill(0);
  for (let j = 0; j < d; j++) {
    let s = matrix[j * d + j];
    for (let k = 0; k < j; k++) s -= L[j * d + k] ** 2;
    L[j * d + j] = Math.sqrt(Math.max(s, 1e-12));
    for (let i = j + 1; i < d; i++) {
      let t = matrix[i * d + j];
      for (let k = 0; k < j; k++) t -= L[i * d + k] * L[j * d + k];
      L[i * d + j] = t / L[j * d + j];
    }
  }
  return L;
}

/** Random Fourier features of the field: enough that a sample looks like the GP's. */
const FIELD_FEATURES = 64;

/**
 * One quantity of how people place a character in the frame: a character's drawings scatter about
 * the character's own value, which scatters about the frame's usual one. Given one drawing's value
 * v, another person's is mean + regression·(v − mean) ± deviation (the Gaussian posterior
 * predictive; fitted in train.ts).
 */
export interface Predictive {
  mean: number;
  regression: number;
  deviation: number;
}

/**
 * Where people put a character and how large they draw it: its ink centre (x, y, px) and the log
 * of its ink's RMS radius about that centre. Drawn this way, variants are placed and sized like
 * people's drawings rather than as the given drawing's offset and size plus another person's.
 */
export interface Placement {
  x: Predictive;
  y: Predictive;
  logSize: Predictive;
}

/** How variants are drawn: how far they deviate from the given drawing, and where and how large they are drawn. */
export interface DrawingStyle {
  /** Scale of the affine map's deviation from its mean (1 = one person's share of the pairs'). */
  affineSpread: number;
  /** Scale of the displacement field's deviation σ. */
  fieldSpread: number;
  /**
   * Where variants go in the frame and how large they are; without it, the affine map's
   * translation and scale move and size the given drawing.
   */
  placement?: Placement;
}

/** The centre of a drawing's ink: the mean of its pen path, weighted by length (a dot counts as a point). */
export function inkCentre(drawing: Drawing): [number, number] {
  let x = 0;
  let y = 0;
  let weight = 0;
  for (const stroke of drawing) {
    if (stroke.length === 1) {
      x += stroke[0].x;
      y += stroke[0].y;
      weight += 1;
    }
    for (let i = 1; i < stroke.length; i++) {
      const length = Math.hypot(stroke[i].x - stroke[i - 1].x, stroke[i].y - stroke[i - 1].y);
      x += (length * (stroke[i].x + stroke[i - 1].x)) / 2;
      y += (length * (stroke[i].y + stroke[i - 1].y)) / 2;
      weight += length;
    }
  }
  if (weight === 0) {
    const points = drawing.flat();
    return [points.reduce((s, p) => s + p.x, 0) / points.length, points.reduce((s, p) => s + p.y, 0) / points.length];
  }
  return [x / weight, y / weight];
}

/** The log of a drawing's ink's RMS distance from `centre`, along its pen path (a dot counts as a point). */
export function inkLogSize(drawing: Drawing, centre: [number, number] = inkCentre(drawing)): number {
  const [cx, cy] = centre;
  let total = 0;
  let weight = 0;
  for (const stroke of drawing) {
    if (stroke.length === 1) {
      total += (stroke[0].x - cx) ** 2 + (stroke[0].y - cy) ** 2;
      weight += 1;
    }
    for (let i = 1; i < stroke.length; i++) {
      // ∫ |a + s(b − a) − c|² ds over the segment, exactly.
      const ax = stroke[i - 1].x - cx;
      const ay = stroke[i - 1].y - cy;
      const dx = stroke[i].x - stroke[i - 1].x;
      const dy = stroke[i].y - stroke[i - 1].y;
      const length = Math.hypot(dx, dy);
      total += length * (ax * ax + ay * ay + ax * dx + ay * dy + (dx * dx + dy * dy) / 3);
      weight += length;
    }
  }
  return 0.5 * Math.log(Math.max(total / Math.max(weight, 1e-9), 1e-9));
}

/** A draw from a predictive given the drawing's own value. */
function predict(predictive: Predictive, value: number, random: () => number): number {
  return predictive.mean + predictive.regression * (value - predictive.mean) + predictive.deviation * standardNormal(random);
}

/**
 * A new drawing of the same character: `drawing` moved by an affine map about its ink centre and
 * a smooth displacement field, drawn from the model with half the pairs' variance (see the
 * header). `style` scales the deviations (a number scales both; 1 = as people vary) and may place
 * and size the variant as people place and size their drawings; timing is kept.
 */
export function sampleVariant(model: VariationModel, drawing: Drawing, random: () => number, style: number | DrawingStyle = 1): Drawing {
  const { affineSpread, fieldSpread, placement } = typeof style === 'number' ? { affineSpread: style, fieldSpread: style, placement: undefined } : style;
  if (drawing.flat().length === 0) return [];
  const [cx, cy] = inkCentre(drawing);
  // Affine: mean + L·z, with the deviation from the mean scaled by spread/√2 (one drawing's share).
  const L = cholesky(model.affine.covariance, 6);
  const z = Array.from({ length: 6 }, () => standardNormal(random));
  const affineShare = affineSpread / Math.SQRT2;
  const [a11, a12, a21, a22, shiftX, shiftY] = model.affine.mean.map((m, i) => m + affineShare * L.slice(i * 6, i * 6 + 6).reduce((s, l, k) => s + l * z[k], 0));
  // The new centre: the given one shifted by the affine map's translation, or placed as people place drawings.
  const [centreX, centreY] = placement ? [predict(placement.x, cx, random), predict(placement.y, cy, random)] : [cx + shiftX, cy + shiftY];
  const logSize = placement ? predict(placement.logSize, inkLogSize(drawing, [cx, cy]), random) : 0;
  // Field: d(p) = σ' √(2/M) Σ w_m cos(ω_m·p + b_m), ω ~ N(0, I/ℓ²), w ~ N(0, 1), per coordinate.
  const sigma = (model.field.sigma * fieldSpread) / Math.SQRT2;
  const features = Array.from({ length: FIELD_FEATURES }, () => ({
    wx: standardNormal(random) / model.field.lengthscale,
    wy: standardNormal(random) / model.field.lengthscale,
    phase: 2 * Math.PI * random(),
    ax: standardNormal(random),
    ay: standardNormal(random),
  }));
  const amplitude = sigma * Math.sqrt(2 / FIELD_FEATURES);
  const move = (p: Point): Point => {
    const x = p.x - cx;
    const y = p.y - cy;
    let dx = 0;
    let dy = 0;
    for (const f of features) {
      const c = Math.cos(f.wx * p.x + f.wy * p.y + f.phase);
      dx += f.ax * c;
      dy += f.ay * c;
    }
    return { x: centreX + a11 * x + a12 * y + amplitude * dx, y: centreY + a21 * x + a22 * y + amplitude * dy, t: p.t };
  };
  const moved = drawing.map((stroke) => stroke.map(move));
  if (!placement) return moved;
  // The field moves and resizes the drawing as a whole too: placed, its ink centre goes where the
  // placement put it, and it is scaled about it to the size drawn.
  const [mx, my] = inkCentre(moved);
  const scale = Math.exp(logSize - inkLogSize(moved, [mx, my]));
  return moved.map((stroke) => stroke.map((p) => ({ x: centreX + scale * (p.x - mx), y: centreY + scale * (p.y - my), t: p.t })));
}

/**
 * Mean and covariance of rows, robust to outlying rows: rows further than the χ² 97.5% quantile
 * (in Mahalanobis distance, under the current estimate) are set aside and the estimate redone,
 * three times. Returns the estimate and the share of rows kept.
 */
export function trimmedGaussianOf(rows: number[][], cutoff: number): { mean: number[]; covariance: number[]; kept: number } {
  let estimate = gaussianOf(rows);
  let kept = rows;
  const d = rows[0].length;
  for (let round = 0; round < 3; round++) {
    const L = cholesky(estimate.covariance, d);
    kept = rows.filter((row) => {
      // Solve L z = (row − mean); |z|² is the squared Mahalanobis distance.
      const z: number[] = [];
      for (let i = 0; i < d; i++) {
        let s = row[i] - estimate.mean[i];
        for (let k = 0; k < i; k++) s -= L[i * d + k] * z[k];
        z.push(s / L[i * d + i]);
      }
      return z.reduce((a, b) => a + b * b, 0) <= cutoff;
    });
    estimate = gaussianOf(kept);
  }
  return { ...estimate, kept: kept.length / rows.length };
}

/**
 * Plain-number statistics shared by every model that needs them, each with one convention:
 *
 * - `mean`: Σ xᵢ / n, summed in index order (an empty list gives NaN);
 * - `columnMeans`: the mean of each column of `n × d` rows, summed row by row, then divided by n;
 * - (the covariance is covariance.ts: it may run on the TensorFlow.js backend);
 * - `standardNormal` / `standardNormals`: Box–Muller on a seeded uniform source, so the same seed
 *   gives the same numbers on every machine and backend.
 *
 * No TensorFlow.js here: typed arrays in, typed arrays out.
 */

/** Σ xᵢ / n in index order; NaN for an empty list. */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Column means of `n × d` rows (row-major). */
export function columnMeans(rows: ArrayLike<number>, d: number): Float64Array {
  const n = rows.length / d;
  const out = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) out[j] += rows[r * d + j];
  for (let j = 0; j < d; j++) out[j] /= n;
  return out;
}

/**
 * One standard normal number by Box–Muller: u = 1 − random() (in (0, 1], so ln u is finite), then
 * v = random(), and √(−2 ln u) cos 2πv; the sine half of the pair is not used.
 */
export function standardNormal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * `count` standard normal numbers by Box–Muller, both halves of each pair used: u from the first
 * draw, v = the second, r = √(−2 ln u), then r cos 2πv and r sin 2πv. `u` makes the first draw
 * safe for the logarithm: 1 − draw by default; the GAN's latents floor the draw at 1e-12 instead
 * (its seeds' pictures were drawn that way).
 */
export function standardNormals(random: () => number, count: number, u: (draw: number) => number = (draw) => 1 - draw): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const first = u(random());
    const v = random();
    const r = Math.sqrt(-2 * Math.log(first));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

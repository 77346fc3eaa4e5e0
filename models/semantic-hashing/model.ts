/**
 * Semantic hashing (Salakhutdinov & Hinton 2009): a deep autoencoder whose code layer is made of
 * B logistic units that learn to be binary. During training Gaussian noise is added to the code
 * units' total input, σ(logit + ε) with ε ~ N(0, s²) and s growing over training; the decoder can
 * only read the code through the noise if the logits move far from 0, so the units saturate. At
 * test time an image's address is b = [σ(logit) > ½] — B bits, packed into ⌈B/32⌉ 32-bit words —
 * and similar images are found by looking at addresses a small Hamming distance away, or by
 * ranking the database by Hamming distance (popcount of the XOR of the packed words).
 *
 * The network itself (layers, training loop) is the autoencoder block's DeepAutoencoder
 * (models/blocks/deep-autoencoder.ts) with `code: 'binary'`; this file is the retrieval side.
 */
export { DeepAutoencoder, trainDeepAutoencoder, PIXELS, IMAGE_SIZE } from '@/models/blocks/deep-autoencoder';

/** Code-noise std for an epoch: 0 at the start, rising linearly to `top` over the first `rampFraction` of training, then held. */
export function noiseSchedule(top: number, epochs: number, rampFraction = 0.5): (epoch: number) => number {
  const ramp = Math.max(1, Math.round(rampFraction * epochs));
  return (epoch) => top * Math.min(1, (epoch - 1) / ramp);
}

/** 0/1 code values (n × bits) → packed words (n × ⌈bits/32⌉), bit j of a code in word ⌊j/32⌋, position j mod 32. */
export function packCodes(bits: ArrayLike<number>, size: number): Uint32Array {
  const n = bits.length / size;
  const words = Math.ceil(size / 32);
  const out = new Uint32Array(n * words);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < size; j++) {
      const bit = bits[r * size + j];
      if (bit !== 0 && bit !== 1) throw new Error(`code ${r} bit ${j} is ${bit}, not 0 or 1`);
      if (bit) out[r * words + (j >>> 5)] |= 1 << (j & 31);
    }
  }
  return out;
}

/** Packed words → 0/1 values (n × size). */
export function unpackCodes(packed: Uint32Array, size: number): Uint8Array {
  const words = Math.ceil(size / 32);
  const n = packed.length / words;
  const out = new Uint8Array(n * size);
  for (let r = 0; r < n; r++) for (let j = 0; j < size; j++) out[r * size + j] = (packed[r * words + (j >>> 5)] >>> (j & 31)) & 1;
  return out;
}

/** Set bits in a 32-bit word (SWAR popcount). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distances from one packed query (`words` words at `queryAt` of `queries`) to every packed code of `database`. */
export function hammingDistances(queries: Uint32Array, queryIndex: number, database: Uint32Array, words: number, out = new Uint8Array(database.length / words)): Uint8Array {
  const q = queryIndex * words;
  if (words === 1) {
    const word = queries[q];
    for (let i = 0; i < out.length; i++) out[i] = popcount32(word ^ database[i]);
    return out;
  }
  for (let i = 0; i < out.length; i++) {
    let distance = 0;
    for (let w = 0; w < words; w++) distance += popcount32(queries[q + w] ^ database[i * words + w]);
    out[i] = distance;
  }
  return out;
}

/**
 * The database ranked by Hamming distance, nearest first, ties in database order — a counting
 * sort over the B + 1 possible distances, the way a hash table's neighbouring addresses are
 * visited in order of distance.
 */
export function hammingRanking(distances: Uint8Array, size: number, limit = distances.length): Int32Array {
  const counts = new Int32Array(size + 2);
  for (let i = 0; i < distances.length; i++) counts[distances[i] + 1]++;
  for (let d = 1; d < counts.length; d++) counts[d] += counts[d - 1];
  const order = new Int32Array(distances.length);
  for (let i = 0; i < distances.length; i++) order[counts[distances[i]]++] = i;
  return order.subarray(0, Math.min(limit, order.length));
}

export interface RadiusResult {
  radius: number;
  /** Mean over the queries that retrieved anything of the fraction retrieved with the query's label. */
  precision: number;
  /** Mean number of database items within the radius, over all queries. */
  retrieved: number;
  /** Fraction of queries that retrieved at least one item. */
  answered: number;
}

/**
 * Precision within a Hamming ball of each radius 0 … maxRadius: for every query, the database
 * items at distance ≤ r are "retrieved"; precision = the fraction sharing the query's label.
 */
export function precisionAtRadius(
  queries: Uint32Array, queryLabels: ArrayLike<number>, database: Uint32Array, databaseLabels: ArrayLike<number>, size: number, maxRadius: number,
): RadiusResult[] {
  const words = Math.ceil(size / 32);
  const nq = queries.length / words;
  const precisionSum = new Float64Array(maxRadius + 1);
  const retrievedSum = new Float64Array(maxRadius + 1);
  const answered = new Float64Array(maxRadius + 1);
  const distances = new Uint8Array(database.length / words);
  const hits = new Int32Array(maxRadius + 1);
  const total = new Int32Array(maxRadius + 1);
  for (let q = 0; q < nq; q++) {
    hammingDistances(queries, q, database, words, distances);
    hits.fill(0);
    total.fill(0);
    for (let i = 0; i < distances.length; i++) {
      const d = distances[i];
      if (d > maxRadius) continue;
      total[d]++;
      if (databaseLabels[i] === queryLabels[q]) hits[d]++;
    }
    let h = 0;
    let t = 0;
    for (let r = 0; r <= maxRadius; r++) {
      h += hits[r];
      t += total[r];
      retrievedSum[r] += t;
      if (t > 0) {
        precisionSum[r] += h / t;
        answered[r]++;
      }
    }
  }
  return Array.from({ length: maxRadius + 1 }, (_, r) => ({
    radius: r,
    precision: answered[r] > 0 ? precisionSum[r] / answered[r] : NaN,
    retrieved: retrievedSum[r] / nq,
    answered: answered[r] / nq,
  }));
}

/** Mean over queries of the fraction of the first k of each ranking sharing the query's label. */
export function precisionAtK(rankings: ArrayLike<number>[], queryLabels: ArrayLike<number>, databaseLabels: ArrayLike<number>, k: number): number {
  let sum = 0;
  rankings.forEach((ranking, q) => {
    if (ranking.length < k) throw new Error(`query ${q}'s ranking has ${ranking.length} items, fewer than k = ${k}`);
    let hits = 0;
    for (let i = 0; i < k; i++) if (databaseLabels[ranking[i]] === queryLabels[q]) hits++;
    sum += hits / k;
  });
  return sum / rankings.length;
}

/** Squared Euclidean distances from one row of `queries` to every row of `database` (d values each). */
export function euclideanDistances(queries: Float32Array, queryIndex: number, database: Float32Array, d: number, out = new Float64Array(database.length / d)): Float64Array {
  const q = queryIndex * d;
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    const at = i * d;
    for (let j = 0; j < d; j++) {
      const diff = queries[q + j] - database[at + j];
      s += diff * diff;
    }
    out[i] = s;
  }
  return out;
}

/** The indices of the `k` smallest distances, nearest first (ties in database order). */
export function nearest(distances: ArrayLike<number>, k: number): Int32Array {
  const n = distances.length;
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => distances[a] - distances[b] || a - b);
  // The k-th smallest value by a native numeric sort, then only the candidates at or below it.
  const threshold = Float64Array.from(distances).sort()[k - 1];
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) if (distances[i] <= threshold) candidates.push(i);
  candidates.sort((a, b) => distances[a] - distances[b] || a - b);
  return Int32Array.from(candidates.slice(0, k));
}

/**
 * The semantic-hashing block's numbers: the 2,000 held-out digits are the queries, the 8,000
 * training digits the database; an item is relevant when it shows the query's digit.
 *
 * - Hamming balls: precision of everything within distance r of the query's 32-bit address
 *   (r = 0 is the hash-table lookup), with the mean number retrieved;
 * - rankings: precision@k when the database is ranked by Hamming distance between codes, against
 *   Euclidean distance between raw pixels (the baseline of the same run) and chance;
 * - the time one query takes (distances to the whole database and its 10 nearest), both in
 *   single-threaded JavaScript: popcount over packed 32-bit codes vs 784-pixel Euclidean distance.
 */
import * as tf from '@tensorflow/tfjs';
import { weightsVersion } from '@/models/blocks/checkpoint';
import type { MeasureBlock } from '@/models/blocks/evaluation-report';
import { loadGreyImages } from '@/lib/datasets';
import { CHECKPOINT_DIR, CODE_BITS, DATA_SENTENCE, loadHashing } from './checkpoint';
import { euclideanDistances, hammingDistances, hammingRanking, nearest, packCodes, PIXELS, precisionAtK, precisionAtRadius } from './model';

export const MAX_RADIUS = 4;
export const KS = [1, 10, 100] as const;
/** The goal: Hamming ranking keeps this share of Euclidean pixel search's precision@10 … */
export const PRECISION_SHARE_GOAL = 0.9;
/** … while a query is at least this many times faster. */
export const SPEEDUP_GOAL = 10;
const TIMED_EUCLIDEAN_QUERIES = 200;

/** Euclidean rankings (first `k`) of every query against the database, distances by matrix products in chunks. */
function euclideanRankings(queries: Float32Array, database: Float32Array, k: number): Int32Array[] {
  const nq = queries.length / PIXELS;
  const nd = database.length / PIXELS;
  const rankings: Int32Array[] = [];
  const db = tf.tensor2d(database, [nd, PIXELS]);
  const dbNorms = tf.sum(tf.square(db), 1);
  for (let start = 0; start < nq; start += 250) {
    const rows = Math.min(250, nq - start);
    // |q − x|² = |q|² − 2 q·x + |x|² (|q|² is the same for the whole row, so it is left out).
    const distances = tf.tidy(() => {
      const q = tf.tensor2d(queries.subarray(start * PIXELS, (start + rows) * PIXELS), [rows, PIXELS]);
      return tf.sub(dbNorms, tf.mul(2, tf.matMul(q, db, false, true))).dataSync() as Float32Array;
    });
    for (let r = 0; r < rows; r++) rankings.push(nearest(distances.subarray(r * nd, (r + 1) * nd), k));
  }
  tf.dispose([db, dbNorms]);
  return rankings;
}

export const measure: MeasureBlock = async ({ command, progress }) => {
  const { model, meta } = await loadHashing(CHECKPOINT_DIR);
  const data = await loadGreyImages('mnist');
  const queries = data.heldOut;
  const database = data.train;
  progress('Encoding the database and the queries…');
  const databaseCodes = packCodes(model.codes(database.pixels), CODE_BITS);
  const queryCodes = packCodes(model.codes(queries.pixels), CODE_BITS);
  const probabilities = model.codeProbabilities(queries.pixels);
  let saturated = 0;
  for (const p of probabilities) if (p < 0.1 || p > 0.9) saturated++;
  const distinctAddresses = new Set(databaseCodes).size;
  model.dispose();
  const words = Math.ceil(CODE_BITS / 32);

  progress('Hamming balls…');
  const balls = precisionAtRadius(queryCodes, queries.labels, databaseCodes, database.labels, CODE_BITS, MAX_RADIUS);

  progress('Hamming rankings (timed)…');
  const kMax = Math.max(...KS);
  const distances = new Uint8Array(database.count);
  let hammingStart = performance.now();
  for (let q = 0; q < queries.count; q++) hammingRanking(hammingDistances(queryCodes, q, databaseCodes, words, distances), CODE_BITS, 10);
  const hammingMs = (performance.now() - hammingStart) / queries.count;
  const hammingRankings = Array.from({ length: queries.count }, (_, q) => Int32Array.from(hammingRanking(hammingDistances(queryCodes, q, databaseCodes, words, distances), CODE_BITS, kMax)));

  progress('Euclidean rankings on pixels…');
  const euclidean = euclideanRankings(queries.pixels, database.pixels, kMax);
  progress(`Timing ${TIMED_EUCLIDEAN_QUERIES} Euclidean queries…`);
  const euclideanOut = new Float64Array(database.count);
  const euclideanStart = performance.now();
  for (let q = 0; q < TIMED_EUCLIDEAN_QUERIES; q++) nearest(euclideanDistances(queries.pixels, q, database.pixels, PIXELS, euclideanOut), 10);
  const euclideanMs = (performance.now() - euclideanStart) / TIMED_EUCLIDEAN_QUERIES;

  const counts = new Float64Array(10);
  for (const label of database.labels) counts[label]++;
  let chance = 0;
  for (const label of queries.labels) chance += counts[label] / database.count;
  chance /= queries.count;

  const atK = (rankings: ArrayLike<number>[]) => Object.fromEntries(KS.map((k) => [`p${k}`, precisionAtK(rankings, queries.labels, database.labels, k)]));
  const hamming = atK(hammingRankings);
  const pixels = atK(euclidean);
  const share = hamming.p10 / pixels.p10;
  const speedup = euclideanMs / hammingMs;
  const none = { precision: null, retrieved: null, answered: null };
  const noRanking = Object.fromEntries([...KS.map((k) => [`p${k}`, null]), ['ms', null]]);

  return {
    model: 'semantic-hashing',
    date: new Date().toISOString(),
    command,
    data: DATA_SENTENCE,
    protocol:
      `Each held-out digit is a query; a database digit is relevant when it is the same digit. Codes are [σ(logit) > ½] of the ${meta.network.layers.join('-')} network (${meta.network.noise}; ${meta.network.initialisation}; ${meta.epochs} epochs), packed into 32-bit words. ` +
      `Hamming rankings break ties in database order. Query times: distances to all ${database.count.toLocaleString('en')} database items and the 10 nearest, single-threaded JavaScript, encoding the query not included. ` +
      `${(100 * saturated / probabilities.length).toFixed(1)}% of the queries' code units are saturated (σ within 0.1 of 0 or 1); the database uses ${distinctAddresses.toLocaleString('en')} distinct addresses. ` +
      'Salakhutdinov & Hinton (2009) measured semantic hashing on documents (20-Newsgroups, Reuters), not digits, so no published figure is comparable.',
    modelVersion: await weightsVersion(CHECKPOINT_DIR, 'semantic-hashing'),
    columns: [
      { key: 'precision', label: 'precision in ball', format: 'percent', help: 'mean over queries that retrieved anything of the fraction retrieved showing the query\'s digit' },
      { key: 'retrieved', label: 'retrieved', format: 'number', help: 'mean number of database digits within the radius' },
      { key: 'answered', label: 'queries answered', format: 'percent', help: 'queries with at least one database digit within the radius' },
      ...KS.map((k) => ({ key: `p${k}`, label: `precision@${k}`, format: 'percent' as const, help: `fraction of the first ${k} of the ranking showing the query's digit` })),
      { key: 'ms', label: 'ms / query', format: 'number', help: 'distances to the whole database and the 10 nearest, one query' },
    ],
    rows: [
      ...balls.map((ball) => ({
        key: `radius${ball.radius}`,
        label: `${CODE_BITS}-bit codes, Hamming ball r ≤ ${ball.radius}`,
        kind: 'ours' as const,
        values: { precision: Number.isFinite(ball.precision) ? ball.precision : null, retrieved: ball.retrieved, answered: ball.answered, ...noRanking },
      })),
      { key: 'hamming', label: `${CODE_BITS}-bit codes, ranked by Hamming distance`, kind: 'ours', values: { ...none, ...hamming, ms: hammingMs } },
      { key: 'euclidean', label: 'Raw pixels (784), ranked by Euclidean distance', kind: 'baseline', values: { ...none, ...pixels, ms: euclideanMs } },
      { key: 'chance', label: 'Chance (database in random order)', kind: 'baseline', values: { ...none, ...Object.fromEntries(KS.map((k) => [`p${k}`, chance])), ms: null } },
    ],
    goal: {
      text: `ranking by Hamming distance between ${CODE_BITS}-bit codes keeps at least ${100 * PRECISION_SHARE_GOAL}% of Euclidean pixel search's precision@10 while a query is at least ${SPEEDUP_GOAL}× faster`,
      met: share >= PRECISION_SHARE_GOAL && speedup >= SPEEDUP_GOAL,
      detail: `precision@10 ${(100 * hamming.p10).toFixed(1)}% vs ${(100 * pixels.p10).toFixed(1)}% (${(100 * share).toFixed(1)}%); ${hammingMs.toFixed(3)} ms vs ${euclideanMs.toFixed(2)} ms per query (${speedup.toFixed(0)}× faster)`,
    },
  };
};

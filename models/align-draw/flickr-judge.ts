/**
 * The Flickr8k judge of alignDRAW's drawings, owing nothing to the model: does a drawing look like
 * the photos its sentence describes? (evaluate-flickr.ts; the figures in scripts/figures-flickr.ts)
 *
 * 1. A 32×32 canvas (a drawing, or a photo shrunk the way the model saw it) is enlarged to 128×128
 *    with sharp's cubic kernel and described by the app's learned features
 *    (models/learned-features: Coates–Ng activations ⊕ GIST+colour, unit length).
 * 2. Its 30 nearest of the 6,000 training photos by cosine, each made the same way (32×32, then
 *    enlarged), vote with their tags: `photoTags(their five captions, the Flickr vocabulary)`, the
 *    words at least two of five describers used (lib/text/caption-tags.ts). A tag's votes are
 *    divided by the square root of its share of training photos (so "man" and "dog", on a sixth of
 *    them, must be over-represented among the neighbours to be read), and a tag needs at least two
 *    votes; the 5 tags with the highest weighted votes are the judge's reading of the canvas (ties:
 *    the closer voters win). Chosen on the 1,000 dev photos themselves, never on a drawing: the
 *    plain count of 10 neighbours found a photo's own first sentence in its reading 16.7% of the
 *    time and an unrelated photo's 7.6% (2.2×), no better than answering the five commonest tags
 *    for every photo; this vote finds them 11.8% and 2.2% (5.3×).
 * 3. The score of a canvas against a sentence is the share of those 5 tags that are words of the
 *    sentence (`captionLemmaSet([sentence])`).
 *
 * The reference features of the training photos take about 5 minutes on one core; they are kept in
 * the cache directory (`flickr8k-train-canvas32-judge-<features version>.f32`, ~90 MB).
 *
 * Also here, for the evaluation's other half and the figures: `unrelatedPhotos`, a seeded
 * derangement pairing every photo with one whose captions share no content word with its own, and
 * `SentenceIndex`, the nearest training sentence by TF-IDF over content lemmas.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { env } from '@/lib/env';
import { mulberry32 } from '@/lib/random';
import { captionLemmas, captionLemmaSet, captionWords, isContentLemma, photoTags } from '@/lib/text/caption-tags';
import { FEATURE_CONFIG } from '@/models/image-features/model';
import { computeJoinedFeatures, loadJoinedFeatures, type LoadedFeatures } from '@/models/learned-features/serve';
import { FLICKR_TAGGER } from '@/models/multimodal-dbm';
import { FLICKR_CANVAS, FLICKR_CANVAS_SIZE, FLICKR_CHANNELS, flickrExamples, flickrSplit, type FlickrCanvases } from './flickr-data';

/** Training photos that vote on a canvas's tags. */
export const JUDGE_NEIGHBOURS = 30;
/** Votes a tag needs to be read at all. */
export const JUDGE_MIN_VOTES = 2;
/** Added to every tag's count of training photos before its share is taken (rare tags are not read from one or two photos). */
const SHARE_SMOOTHING = 5;
/** Tags kept from the vote: the judge's reading of a canvas. */
export const JUDGE_VOTED = 5;
/** Side the canvases are enlarged to before the features (the features' input size). */
export const JUDGE_SIZE = FEATURE_CONFIG.size;
/** Canvases described per batch. */
const FEATURE_BATCH = 64;

/** The Flickr tag vocabulary (370 caption words), the multimodal DBM tagger's. */
export async function loadFlickrVocabulary(dir: string = FLICKR_TAGGER.checkpoint): Promise<string[]> {
  return JSON.parse(await fsp.readFile(path.join(dir, 'vocabulary.json'), 'utf8')) as string[];
}

/** The judge's ingredients: the feature extractor and the vocabulary tags are read in. */
export interface JudgeTools {
  features: LoadedFeatures;
  vocabulary: string[];
}

export async function loadJudgeTools(): Promise<JudgeTools> {
  const [features, vocabulary] = await Promise.all([loadJoinedFeatures(), loadFlickrVocabulary()]);
  return { features, vocabulary };
}

/** A [0, 1] canvas (32·32·3, channels last) → its 128×128 cubic enlargement in [0, 1]. */
export async function enlargeCanvas(canvas: Float32Array): Promise<Float32Array> {
  const bytes = Uint8Array.from(canvas, (v) => Math.round(255 * Math.min(1, Math.max(0, v))));
  const big = await sharp(bytes, { raw: { width: FLICKR_CANVAS, height: FLICKR_CANVAS, channels: FLICKR_CHANNELS } })
    .resize(JUDGE_SIZE, JUDGE_SIZE, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  return Float32Array.from(big, (v) => v / 255);
}

/**
 * Feature vectors of canvases given as [n × 32·32·3] in [0, 1], scaled to unit length (cosine
 * similarity is then a dot product). `onProgress(done, total)` after every batch.
 */
export async function canvasFeatures(canvases: Float32Array, features: LoadedFeatures, onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
  const n = canvases.length / FLICKR_CANVAS_SIZE;
  if (!Number.isInteger(n)) throw new RangeError(`expected whole canvases of ${FLICKR_CANVAS_SIZE} values, got ${canvases.length}`);
  const out: Float32Array[] = [];
  for (let start = 0; start < n; start += FEATURE_BATCH) {
    const count = Math.min(FEATURE_BATCH, n - start);
    const inputs = await Promise.all(
      Array.from({ length: count }, async (_, k) => ({ pixels: await enlargeCanvas(canvases.subarray((start + k) * FLICKR_CANVAS_SIZE, (start + k + 1) * FLICKR_CANVAS_SIZE)) })),
    );
    out.push(...computeJoinedFeatures(inputs, features).map(unit));
    onProgress?.(start + count, n);
    await tf.nextFrame();
  }
  return out;
}

/** The photos canvases are judged against: their features and their tags. */
export interface JudgeReference {
  /** Indices into `flickr.photos`. */
  photos: number[];
  /** Unit feature vectors, one per photo. */
  vectors: Float32Array[];
  /** Each photo's tags (`photoTags` of its five captions over the vocabulary). */
  tags: string[][];
  /** Each tag's share of the reference photos (smoothed), which divides its votes. */
  share: Map<string, number>;
}

/** Each tag's share of the photos that have it, (count + 5) / photos. */
export function tagShares(tags: readonly (readonly string[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const photo of tags) for (const tag of photo) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return new Map([...counts].map(([tag, count]) => [tag, (count + SHARE_SMOOTHING) / Math.max(1, tags.length)]));
}

/** Where the training photos' judge features are kept, for a version of the features. */
export const judgeCacheFile = (featureVersion: string, cacheDir: string = env.CACHE_DIR) => path.join(cacheDir, `flickr8k-train-canvas32-judge-${featureVersion}.f32`);

/**
 * The reference of the judge: by default the 6,000 training photos at 32×32 (features from the
 * cache directory when there, computed and cached otherwise). `photos` picks other photos (not
 * cached), e.g. a few hundred for a quick test.
 */
export async function judgeReference(
  flickr: FlickrCanvases,
  tools: JudgeTools,
  options: { photos?: number[]; cacheDir?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<JudgeReference> {
  const photos = options.photos ?? flickrSplit(flickr, 'train');
  const tags = photos.map((p) => photoTags(flickr.photos[p].captions, tools.vocabulary));
  const compute = () => canvasFeatures(flickrExamples(flickr, photos, 0).images, tools.features, options.onProgress);
  const share = tagShares(tags);
  if (options.photos) return { photos, vectors: await compute(), tags, share };

  const file = judgeCacheFile(tools.features.version, options.cacheDir);
  if (fs.existsSync(file)) {
    const bytes = await fsp.readFile(file);
    const dims = bytes.byteLength / 4 / photos.length;
    if (Number.isInteger(dims) && dims > 0) {
      const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      return { photos, vectors: photos.map((_, i) => all.subarray(i * dims, (i + 1) * dims)), tags, share };
    }
  }
  const vectors = await compute();
  const all = new Float32Array(vectors.length * vectors[0].length);
  vectors.forEach((v, i) => all.set(v, i * v.length));
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, new Uint8Array(all.buffer));
  await fsp.rename(tmp, file);
  return { photos, vectors, tags, share };
}

export interface Neighbour {
  /** Index into `reference.photos`. */
  index: number;
  similarity: number;
}

/** The `k` nearest reference photos of each query by cosine similarity, nearest first. */
export function nearestPhotos(reference: JudgeReference, queries: Float32Array[], k: number = JUDGE_NEIGHBOURS): Neighbour[][] {
  if (queries.length === 0) return [];
  const dims = reference.vectors[0].length;
  for (const q of queries) if (q.length !== dims) throw new RangeError(`query vectors have ${q.length} values, the reference ${dims}`);
  const out: Neighbour[][] = [];
  const flat = new Float32Array(reference.vectors.length * dims);
  reference.vectors.forEach((v, i) => flat.set(v, i * dims));
  const matrix = tf.tensor2d(flat, [reference.vectors.length, dims]);
  try {
    for (let start = 0; start < queries.length; start += 256) {
      const chunk = queries.slice(start, start + 256);
      const flatQueries = new Float32Array(chunk.length * dims);
      chunk.forEach((q, i) => flatQueries.set(unit(q), i * dims));
      const { values, indices } = tf.tidy(() => {
        const similarities = tf.matMul(tf.tensor2d(flatQueries, [chunk.length, dims]), matrix, false, true);
        const top = tf.topk(similarities, Math.min(k, reference.vectors.length));
        return { values: top.values, indices: top.indices };
      });
      const v = values.dataSync();
      const ix = indices.dataSync();
      const kk = values.shape[1] ?? 0;
      tf.dispose([values, indices]);
      for (let q = 0; q < chunk.length; q++) out.push(Array.from({ length: kk }, (_, j) => ({ index: ix[q * kk + j], similarity: v[q * kk + j] })));
    }
  } finally {
    matrix.dispose();
  }
  return out;
}

/**
 * The judge's reading of a canvas from its neighbours: the `JUDGE_VOTED` tags with the highest
 * votes ÷ √share among those with at least `JUDGE_MIN_VOTES` votes (ties: the larger summed
 * similarity, then the order the tags came in). Fewer than 5 when fewer tags have two votes.
 */
export function votedTags(reference: JudgeReference, neighbours: Neighbour[]): string[] {
  const votes = new Map<string, { count: number; similarity: number; first: number }>();
  let order = 0;
  for (const { index, similarity } of neighbours) {
    for (const tag of reference.tags[index]) {
      const vote = votes.get(tag) ?? { count: 0, similarity: 0, first: order++ };
      vote.count += 1;
      vote.similarity += similarity;
      votes.set(tag, vote);
    }
  }
  const weight = (tag: string, count: number) => count / Math.sqrt(reference.share.get(tag) ?? 1);
  return [...votes]
    .filter(([, vote]) => vote.count >= JUDGE_MIN_VOTES)
    .sort(([ta, a], [tb, b]) => weight(tb, b.count) - weight(ta, a.count) || b.similarity - a.similarity || a.first - b.first)
    .slice(0, JUDGE_VOTED)
    .map(([tag]) => tag);
}

/** The `JUDGE_VOTED` tags of most reference photos: the judge's answer for a picture it knows nothing about. */
export function commonestTags(reference: JudgeReference): string[] {
  const counts = new Map<string, number>();
  for (const tags of reference.tags) for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, JUDGE_VOTED).map(([tag]) => tag);
}

/** Share of the judge's `JUDGE_VOTED` tags that are words of the sentence (always out of 5). */
export function sentenceScore(voted: readonly string[], sentence: string): number {
  const words = captionLemmaSet([sentence]);
  return voted.filter((t) => words.has(t)).length / JUDGE_VOTED;
}

/** Each canvas's voted tags (canvases as feature vectors). */
export function judgeReadings(reference: JudgeReference, vectors: Float32Array[]): string[][] {
  return nearestPhotos(reference, vectors).map((n) => votedTags(reference, n));
}

/** The mean score of canvases (as feature vectors) against the sentence each is judged by. */
export function judgeScore(reference: JudgeReference, vectors: Float32Array[], sentences: readonly string[]): number {
  if (vectors.length !== sentences.length) throw new RangeError(`${vectors.length} canvases but ${sentences.length} sentences`);
  const readings = judgeReadings(reference, vectors);
  return readings.reduce((s, voted, i) => s + sentenceScore(voted, sentences[i]), 0) / Math.max(1, readings.length);
}

// ── Unrelated photos ─────────────────────────────────────────────────────────────────────────────

/** Every content lemma of a photo's five captions: what two photos must not share to be unrelated. */
export function captionContent(captions: readonly string[]): Set<string> {
  return new Set(captions.flatMap(captionLemmas));
}

/**
 * A seeded derangement of photos: `other[i]` ≠ i, each photo is someone's other photo exactly once
 * (so the unrelated sentences are the same sentences, only moved), and photo i's captions share no
 * content lemma with those of `other[i]` (`captionContent`, stricter than sharing no tag). Starts
 * from a seeded shuffle and repairs each clash by swapping with a photo that clears both; throws
 * if some clash cannot be repaired (too few, too similar photos).
 */
export function unrelatedPhotos(captionsOf: ReadonlyArray<readonly string[]>, seed: number): number[] {
  const n = captionsOf.length;
  const content = captionsOf.map(captionContent);
  const unrelated = (i: number, j: number) => {
    if (i === j) return false;
    for (const w of content[i]) if (content[j].has(w)) return false;
    return true;
  };
  const random = mulberry32(seed);
  const other = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [other[i], other[j]] = [other[j], other[i]];
  }
  for (let pass = 0; pass < 20; pass++) {
    let clashes = 0;
    for (let i = 0; i < n; i++) {
      if (unrelated(i, other[i])) continue;
      clashes++;
      for (let attempt = 0; attempt < 20 * n; attempt++) {
        const j = Math.floor(random() * n);
        if (unrelated(i, other[j]) && unrelated(j, other[i])) {
          [other[i], other[j]] = [other[j], other[i]];
          break;
        }
      }
    }
    if (clashes === 0) return other;
  }
  const left = other.filter((o, i) => !unrelated(i, o)).length;
  if (left > 0) throw new Error(`no unrelated photo found for ${left} of ${n} photos`);
  return other;
}

// ── Nearest training sentence ────────────────────────────────────────────────────────────────────

/** Content lemmas of a sentence with their counts. */
function contentCounts(sentence: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of captionWords(sentence)) if (isContentLemma(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/**
 * Sentences as TF-IDF vectors over their content lemmas (idf = ln((1 + N) / (1 + df)) + 1), for the
 * nearest sentence by cosine and for the sentences that contain every one of some words.
 */
export class SentenceIndex {
  readonly sentences: readonly string[];
  private readonly documentFrequency = new Map<string, number>();
  /** lemma → [sentence, weight in its unit vector] */
  private readonly postings = new Map<string, { sentence: number; weight: number }[]>();
  private readonly lemmaSets: Set<string>[];

  constructor(sentences: readonly string[]) {
    this.sentences = sentences;
    const counts = sentences.map(contentCounts);
    this.lemmaSets = counts.map((c) => new Set(c.keys()));
    for (const c of counts) for (const w of c.keys()) this.documentFrequency.set(w, (this.documentFrequency.get(w) ?? 0) + 1);
    counts.forEach((c, s) => {
      for (const [w, weight] of this.vector(c)) {
        let list = this.postings.get(w);
        if (!list) this.postings.set(w, (list = []));
        list.push({ sentence: s, weight });
      }
    });
  }

  /** Training sentences that use a lemma (its document frequency). */
  frequency(lemma: string): number {
    return this.documentFrequency.get(lemma) ?? 0;
  }

  private idf(lemma: string): number {
    return Math.log((1 + this.sentences.length) / (1 + this.frequency(lemma))) + 1;
  }

  /** The unit TF-IDF vector of content-lemma counts. */
  private vector(counts: Map<string, number>): Map<string, number> {
    const v = new Map([...counts].map(([w, n]) => [w, n * this.idf(w)] as const));
    const norm = Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0));
    for (const [w, x] of v) v.set(w, x / norm);
    return v;
  }

  /** The most similar sentence of the index (cosine of TF-IDF vectors), or null when the sentence has no content word or shares none. */
  nearest(sentence: string): { sentence: string; similarity: number } | null {
    const counts = contentCounts(sentence);
    if (counts.size === 0) return null;
    const scores = new Map<number, number>();
    for (const [w, x] of this.vector(counts)) for (const p of this.postings.get(w) ?? []) scores.set(p.sentence, (scores.get(p.sentence) ?? 0) + x * p.weight);
    let best: { sentence: number; similarity: number } | null = null;
    for (const [s, similarity] of scores) if (!best || similarity > best.similarity || (similarity === best.similarity && s < best.sentence)) best = { sentence: s, similarity };
    return best && { sentence: this.sentences[best.sentence], similarity: Math.min(1, best.similarity) };
  }

  /** The sentences whose content lemmas include every one of `lemmas`. */
  containingAll(lemmas: readonly string[]): string[] {
    if (lemmas.length === 0) return [...this.sentences];
    const [first, ...rest] = [...lemmas].sort((a, b) => this.frequency(a) - this.frequency(b));
    return (this.postings.get(first) ?? []).filter((p) => rest.every((w) => this.lemmaSets[p.sentence].has(w))).map((p) => this.sentences[p.sentence]);
  }
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  if (s === 0 || Math.abs(s - 1) < 1e-6) return v;
  const scale = 1 / Math.sqrt(s);
  return Float32Array.from(v, (x) => x * scale);
}

/**
 * Photo → tags on Flickr8k, where the ground truth is five captions per photo, not tags:
 *
 * - per-word P, R, F1, N+ and MAP (`metrics.ts`'s protocol, 5 words per photo) against the tags
 *   derived from the captions by `lib/text/caption-tags.ts` (a vocabulary word used by at least
 *   2 of the 5 captions);
 * - precision@5 against the raw captions: of a photo's 5 highest-scoring words, the fraction that
 *   is a lemma of any of its five captions, under the same normalisation that built the
 *   vocabulary (so "run" matches "running"), averaged over photos. It asks what a person reading
 *   the captions would accept, so one caption mentioning a word is enough. Because the vocabulary
 *   holds content words only, it cannot be won by generic words ("wearing", "young").
 */
import { buildFlickrVocabulary, captionLemmaSet, photoTags } from '@/lib/text/caption-tags';
import { KNN_CONFIG, knnTagScores, priorTagScores, type TaggedPhotos } from './baselines';
import { flickrSplitRows, type FlickrFeatures } from './flickr-data';
import { ANNOTATION_LENGTH, groundTruthWords, tagMetrics, topWords, type ScoreMatrix, type TagMetrics, type TruthMatrix } from './metrics';

export interface FlickrTagMetrics extends TagMetrics {
  /** Mean over photos of (top-5 words that are a lemma of one of the photo's captions) / 5. */
  precisionAt5Captions: number;
  /** Photos where at least one of the top 5 words is a lemma of one of the captions, a fraction. */
  anyHitAt5Captions: number;
}

/** [n × vocabulary] 0/1 tag matrix: each photo's caption-derived tags (`photoTags`). */
export function captionTagCounts(captionsPerPhoto: ReadonlyArray<readonly string[]>, vocabulary: readonly string[]): Float32Array {
  const index = new Map(vocabulary.map((w, i) => [w, i]));
  const counts = new Float32Array(captionsPerPhoto.length * vocabulary.length);
  captionsPerPhoto.forEach((captions, i) => {
    for (const word of photoTags(captions, vocabulary)) counts[i * vocabulary.length + index.get(word)!] = 1;
  });
  return counts;
}

/**
 * Precision@`length` against the raw captions (see the file comment), and the fraction of photos
 * with at least one hit. Ties in a photo's scores go to the lower word id, as in `topWords`.
 */
export function precisionAtCaptions(
  s: ScoreMatrix,
  vocabulary: readonly string[],
  captionsPerPhoto: ReadonlyArray<readonly string[]>,
  length: number = ANNOTATION_LENGTH,
): { precision: number; anyHit: number } {
  if (s.words !== vocabulary.length) throw new Error(`scores have ${s.words} words but the vocabulary ${vocabulary.length}`);
  if (s.n !== captionsPerPhoto.length) throw new Error(`scores have ${s.n} photos but there are captions for ${captionsPerPhoto.length}`);
  if (s.n === 0) throw new Error('no photos to score');
  let precision = 0;
  let anyHit = 0;
  topWords(s, length).forEach((annotation, i) => {
    const lemmas = captionLemmaSet(captionsPerPhoto[i]);
    let hits = 0;
    for (const w of annotation) if (w >= 0 && lemmas.has(vocabulary[w])) hits += 1;
    precision += hits / length;
    if (hits > 0) anyHit += 1;
  });
  return { precision: precision / s.n, anyHit: anyHit / s.n };
}

/** Every Flickr8k measure of a score matrix over `vocabulary` for photos with these captions. */
export function flickrTagMetrics(
  s: ScoreMatrix,
  vocabulary: readonly string[],
  captionsPerPhoto: ReadonlyArray<readonly string[]>,
  truth: TruthMatrix = { counts: captionTagCounts(captionsPerPhoto, vocabulary), n: captionsPerPhoto.length, words: vocabulary.length },
): FlickrTagMetrics {
  const { precision, anyHit } = precisionAtCaptions(s, vocabulary, captionsPerPhoto);
  return { ...tagMetrics(s, truth), precisionAt5Captions: precision, anyHitAt5Captions: anyHit };
}

/** The goal for a Flickr-trained tagger: precision@5 against captions ≥ 0.45 and ≥ 1.8× the prior's. */
export const FLICKR_GOAL = { precisionAt5Captions: 0.45, timesPrior: 1.8 } as const;

export interface FlickrBaselines {
  vocabulary: string[];
  testPhotos: number;
  /** Vocabulary words that are a tag of at least one test photo: the words P, R and MAP average over. */
  testWords: number;
  trainPhotos: number;
  featureVersion: string;
  prior: FlickrTagMetrics;
  knn: FlickrTagMetrics;
}

/** The prior and kNN on Flickr8k test, from features already loaded; reusable by evaluate.ts. */
export function evaluateFlickrBaselines(flickr: FlickrFeatures, onProgress?: (message: string) => void): FlickrBaselines {
  const trainRows = flickrSplitRows(flickr, 'train');
  const testRows = flickrSplitRows(flickr, 'test');
  const vocabulary = buildFlickrVocabulary(trainRows.photos);
  const train: TaggedPhotos = {
    image: trainRows.image,
    text: captionTagCounts(
      trainRows.photos.map((p) => p.captions),
      vocabulary,
    ),
    n: trainRows.photos.length,
  };
  const testCaptions = testRows.photos.map((p) => p.captions);
  const n = testRows.photos.length;
  const words = vocabulary.length;
  const truth = { counts: captionTagCounts(testCaptions, vocabulary), n, words };
  const prior = flickrTagMetrics({ scores: priorTagScores(train, n), n, words }, vocabulary, testCaptions, truth);
  const start = performance.now();
  const knnScores = knnTagScores(testRows.image, n, train, KNN_CONFIG, (done, total) => onProgress?.(`  kNN ${done}/${total}`));
  onProgress?.(`kNN: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  const knn = flickrTagMetrics({ scores: knnScores, n, words }, vocabulary, testCaptions, truth);
  return { vocabulary, testPhotos: n, testWords: groundTruthWords(truth).length, trainPhotos: train.n, featureVersion: flickr.featureVersion, prior, knn };
}

export interface FlickrTaggerEvaluation {
  vocabulary: string[];
  testPhotos: number;
  testWords: number;
  trainPhotos: number;
  featureVersion: string;
  oldFeatureVersion: string;
  /** The Flickr-trained DBM, or why there is none. */
  dbm: { ok: true; metrics: FlickrTagMetrics; version: string; seconds: number; training: string } | { ok: false; reason: string };
  /** kNN label transfer on the DBM's own features (joined learned features; Euclidean, k 10). */
  knn: FlickrTagMetrics;
  /** kNN label transfer on GIST+colour (`KNN_CONFIG`, as on Corel-5k). */
  knnOld: FlickrTagMetrics;
  prior: FlickrTagMetrics;
}

/**
 * The Flickr8k tagger on the 1,000 test photos beside kNN on the same features, kNN on the old
 * ones and the prior, all against the training photos' caption tags. `scoreDbm` gives the DBM's
 * ranking scores for the test photos' features, or null with a reason when there is no checkpoint.
 */
export async function evaluateFlickrTagger(
  joined: { photos: FlickrFeatures['photos']; dims: number; features: Float32Array; featureVersion: string },
  old: FlickrFeatures,
  scoreDbm: (image: Float32Array, n: number, vocabulary: string[]) => Promise<{ scores: Float32Array; version: string; training: string } | { reason: string }>,
  knnOnJoined: (query: Float32Array, n: number, reference: TaggedPhotos) => Float32Array,
  onProgress?: (message: string) => void,
): Promise<FlickrTaggerEvaluation> {
  const rowsOf = (split: 'train' | 'test', x: { photos: FlickrFeatures['photos']; dims: number; features: Float32Array }) => flickrSplitRows({ ...x, featureVersion: '' }, split);
  const trainJoined = rowsOf('train', joined);
  const testJoined = rowsOf('test', joined);
  const trainOld = flickrSplitRows(old, 'train');
  const testOld = flickrSplitRows(old, 'test');
  const vocabulary = buildFlickrVocabulary(trainJoined.photos);
  const trainText = captionTagCounts(
    trainJoined.photos.map((p) => p.captions),
    vocabulary,
  );
  const captions = testJoined.photos.map((p) => p.captions);
  const n = captions.length;
  const words = vocabulary.length;
  const truth = { counts: captionTagCounts(captions, vocabulary), n, words };
  const measure = (scores: Float32Array) => flickrTagMetrics({ scores, n, words }, vocabulary, captions, truth);

  const prior = measure(priorTagScores({ image: trainOld.image, text: trainText, n: trainOld.photos.length }, n));
  let start = performance.now();
  const knnOld = measure(knnTagScores(testOld.image, n, { image: trainOld.image, text: trainText, n: trainOld.photos.length }, KNN_CONFIG));
  onProgress?.(`Flickr8k kNN on GIST+colour: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  start = performance.now();
  const knn = measure(knnOnJoined(testJoined.image, n, { image: trainJoined.image, text: trainText, n: trainJoined.photos.length }));
  onProgress?.(`Flickr8k kNN on learned features: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  start = performance.now();
  const scored = await scoreDbm(testJoined.image, n, vocabulary);
  const dbm: FlickrTaggerEvaluation['dbm'] =
    'reason' in scored ? { ok: false, reason: scored.reason } : { ok: true, metrics: measure(scored.scores), version: scored.version, seconds: (performance.now() - start) / 1000, training: scored.training };
  return {
    vocabulary,
    testPhotos: n,
    testWords: groundTruthWords(truth).length,
    trainPhotos: trainJoined.photos.length,
    featureVersion: joined.featureVersion,
    oldFeatureVersion: old.featureVersion,
    dbm,
    knn,
    knnOld,
    prior,
  };
}

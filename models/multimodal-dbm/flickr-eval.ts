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

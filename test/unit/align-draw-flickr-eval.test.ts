/**
 * The pieces of alignDRAW's Flickr8k evaluation that owe nothing to the model
 * (models/align-draw/flickr-judge.ts), on the real shared data (../shared/data/flickr8k): the judge
 * of canvases by the tags of their nearest training photos, the unrelated-photo derangement and the
 * nearest training sentence. The judge's own-versus-unrelated test reads the training photos'
 * features that the evaluation caches (computing them takes minutes) and is skipped without them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@/lib/tfjs/backend';
import { captionLemmas, photoTags } from '@/lib/text/caption-tags';
import { flickrExamples, flickrSplit, loadFlickrCanvases, trainingSentences, type FlickrCanvases } from '@/models/align-draw/flickr-data';
import {
  canvasFeatures,
  judgeCacheFile,
  JUDGE_VOTED,
  judgeReadings,
  judgeReference,
  loadFlickrVocabulary,
  loadJudgeTools,
  nearestPhotos,
  SentenceIndex,
  sentenceScore,
  unrelatedPhotos,
  tagShares,
  votedTags,
  type JudgeReference,
  type JudgeTools,
} from '@/models/align-draw/flickr-judge';

const ready = fs.existsSync(path.resolve('../shared/data/flickr8k/annotations.jsonl'));

let flickr: FlickrCanvases;
let test: number[];
beforeAll(async () => {
  if (!ready) return;
  flickr = await loadFlickrCanvases();
  test = flickrSplit(flickr, 'test');
}, 120_000);

describe.skipIf(!ready)('the unrelated photo of each test photo', () => {
  it('is a seeded derangement of the 1,000 test photos that never shares a caption tag or content word', async () => {
    const captions = test.map((p) => flickr.photos[p].captions);
    const other = unrelatedPhotos(captions, 7);
    expect(new Set(other).size).toBe(test.length);
    const vocabulary = await loadFlickrVocabulary();
    for (const [i, o] of other.entries()) {
      expect(o).not.toBe(i);
      const tags = new Set(photoTags(captions[i], vocabulary, 1));
      expect(photoTags(captions[o], vocabulary, 1).filter((t) => tags.has(t))).toEqual([]);
      const words = new Set(captions[i].flatMap(captionLemmas));
      expect(captions[o].flatMap(captionLemmas).filter((w) => words.has(w))).toEqual([]);
    }
    expect(unrelatedPhotos(captions, 7)).toEqual(other);
    expect(unrelatedPhotos(captions, 8)).not.toEqual(other);
  });

  it('says so when photos are too alike to pair', () => {
    const dogs = Array.from({ length: 5 }, () => ['A dog runs .', 'A brown dog on grass .']);
    expect(() => unrelatedPhotos(dogs, 1)).toThrow(/no unrelated photo/);
  });
});

describe.skipIf(!ready)('the nearest training sentence', () => {
  let index: SentenceIndex;
  beforeAll(() => {
    index = new SentenceIndex(trainingSentences(flickr));
  });

  it('finds a training sentence itself, with similarity 1', () => {
    const sentences = trainingSentences(flickr);
    expect(sentences).toHaveLength(30_000);
    for (const s of [sentences[123], sentences[20_001]]) {
      const found = index.nearest(s)!;
      expect(found.similarity).toBeCloseTo(1, 6);
      expect(captionLemmas(found.sentence).sort()).toEqual(captionLemmas(s).sort());
    }
    expect(index.nearest('A man sitting in front of a metal sculpture in front of a building .')).toEqual({
      sentence: 'A man sitting in front of a metal sculpture in front of a building .',
      similarity: expect.closeTo(1, 6),
    });
  });

  it('weighs rare words above common ones, and answers null without a content word', () => {
    // "horse" is in far fewer sentences than "dog": the nearest sentence keeps the horse.
    const found = index.nearest('a horse and a dog')!;
    expect(captionLemmas(found.sentence)).toContain('horse');
    expect(found.similarity).toBeGreaterThan(0.5);
    expect(found.similarity).toBeLessThanOrEqual(1);
    expect(index.nearest('it is on the')).toBeNull();
  });

  it('lists the sentences that have every one of some words', () => {
    const both = index.containingAll(['dog', 'snow']);
    expect(both.length).toBeGreaterThan(100);
    for (const s of both) expect(captionLemmas(s)).toEqual(expect.arrayContaining(['dog', 'snow']));
    expect(index.containingAll(captionLemmas('a horse on the beach at night'))).toEqual([]);
  });
});

describe.skipIf(!ready)('the judge', () => {
  let tools: JudgeTools;
  beforeAll(async () => {
    await initBackend('wasm');
    tools = await loadJudgeTools();
  }, 120_000);

  it('scores a sentence by the share of the 5 voted tags that are its words', () => {
    expect(JUDGE_VOTED).toBe(5);
    expect(sentenceScore(['dog', 'snow', 'run', 'man', 'red'], 'Two dogs running through the snow .')).toBeCloseTo(3 / 5);
    expect(sentenceScore(['dog'], 'A dog .')).toBeCloseTo(1 / 5);
    expect(sentenceScore(['water', 'boat'], 'A dog on the grass .')).toBe(0);
  });

  it('reads the tags the neighbours vote for more often than their share of all photos, each needing two votes', () => {
    const tags = [['dog', 'grass'], ['dog', 'ball'], ['snow', 'man'], ['dog', 'snow', 'red', 'hat', 'child', 'tree']];
    // "dog" is on 3 of 4 photos and "snow" on 2; say the reference is larger, where "dog" is common
    // and "snow" and "grass" rare.
    const share = new Map([...tagShares(tags)].map(([tag, s]) => [tag, tag === 'dog' ? 0.5 : 0.01]));
    const toy: JudgeReference = { photos: [0, 1, 2, 3], vectors: [], tags, share };
    const neighbours = [
      { index: 0, similarity: 0.9 },
      { index: 1, similarity: 0.8 },
      { index: 2, similarity: 0.7 },
      { index: 3, similarity: 0.2 },
    ];
    // 3 votes for a common tag weigh less than 2 for a rare one; one vote reads nothing.
    expect(votedTags(toy, neighbours)).toEqual(['snow', 'dog']);
    // Equal weights: the closer voters win.
    const even: JudgeReference = { ...toy, tags: [['grass'], ['snow'], ['grass'], ['snow']], share: new Map([['grass', 0.1], ['snow', 0.1]]) };
    expect(votedTags(even, neighbours)).toEqual(['grass', 'snow']);
    expect(tagShares(tags).get('dog')).toBeCloseTo((3 + 5) / 4);
  });

  it('finds a reference photo as its own nearest photo, by cosine', async () => {
    const reference = await judgeReference(flickr, tools, { photos: flickrSplit(flickr, 'train').slice(0, 24) });
    expect(reference.tags[0]).toEqual(photoTags(flickr.photos[reference.photos[0]].captions, tools.vocabulary));
    const vectors = await canvasFeatures(flickrExamples(flickr, reference.photos.slice(10, 13), 0).images, tools.features);
    // Cosine: a vector's length does not matter.
    vectors.push(vectors[0].map((v) => 3 * v));
    const nearest = nearestPhotos(reference, vectors, 3);
    nearest.forEach((n, i) => {
      expect(n).toHaveLength(3);
      expect(n[0].index).toBe(10 + (i % 3));
      expect(n[0].similarity).toBeCloseTo(1, 4);
      expect(n[1].similarity).toBeLessThan(n[0].similarity);
    });
  });

  // The 6,000 training photos' features take minutes: this reads the ones `npm run eval:caption-flickr` caches.
  it('caches the training photos’ features in their order (the cached reference, when there)', async (ctx) => {
    if (!fs.existsSync(judgeCacheFile(tools.features.version))) ctx.skip('no cached judge features: run npm run eval:caption-flickr once');
    const reference = await judgeReference(flickr, tools);
    expect(reference.photos).toHaveLength(6000);
    // The cache's rows are the training photos in order: a training photo finds itself.
    const train = reference.photos.slice(4321, 4323);
    for (const [i, n] of nearestPhotos(reference, await canvasFeatures(flickrExamples(flickr, train, 0).images, tools.features), 1).entries()) {
      expect(n[0].index).toBe(4321 + i);
    }
  });

  it('reads a real test photo’s own sentence in it more often than unrelated sentences (60 photos, 400 training photos voting)', async () => {
    const reference = await judgeReference(flickr, tools, { photos: flickrSplit(flickr, 'train').slice(0, 400) });
    const photos = test.slice(0, 60);
    const other = unrelatedPhotos(
      test.map((p) => flickr.photos[p].captions),
      7,
    );
    const readings = judgeReadings(reference, await canvasFeatures(flickrExamples(flickr, photos, 0).images, tools.features));
    let own = 0;
    let unrelated = 0;
    readings.forEach((voted, i) => {
      expect(voted.length).toBeLessThanOrEqual(JUDGE_VOTED);
      own += sentenceScore(voted, flickr.photos[photos[i]].captions[0]) / photos.length;
      unrelated += sentenceScore(voted, flickr.photos[test[other[i]]].captions[0]) / photos.length;
    });
    // Measured: 10.7% against 6.3% with 400 voters (with all 6,000, as the evaluation has them,
    // 8.8% against 2.0% on the first 50 photos). A judge that read nothing in the photos would score
    // both alike.
    expect(own).toBeGreaterThan(0.08);
    expect(own).toBeGreaterThan(1.4 * unrelated);
  }, 60_000);
});

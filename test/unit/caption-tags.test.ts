/**
 * The caption → tags rule (lib/text/caption-tags.ts) and the Flickr8k measures built on it
 * (models/multimodal-dbm/flickr-eval.ts): lemmas of real Flickr8k captions, generic words never
 * tags, a photo's tags from its five captions, and precision@5 against captions by hand.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flickr8kSplit, loadFlickr8k } from '@/lib/datasets';
import {
  buildFlickrVocabulary,
  captionLemmas,
  GENERIC_WORDS,
  lemma,
  photoTags,
  STOP_WORDS,
} from '@/lib/text/caption-tags';
import { precisionAtCaptions, flickrTagMetrics } from '@/models/multimodal-dbm/flickr-eval';

const DATA = path.resolve('../shared/data');

describe('lemma', () => {
  it.each([
    ['dogs', 'dog'],
    ['children', 'child'],
    ['men', 'man'],
    ['women', 'woman'],
    ['people', 'people'],
    ['puppies', 'puppy'],
    ['dresses', 'dress'],
    ['boxes', 'box'],
    ['benches', 'bench'],
    ['bushes', 'bush'],
    ['horses', 'horse'],
    ['running', 'run'],
    ['swimming', 'swim'],
    ['plays', 'play'],
    ['jumped', 'jump'],
    ['riding', 'ride'],
    ['smiling', 'smile'],
    ['dancing', 'dance'],
    ['juggling', 'juggle'],
    ['carried', 'carry'],
    ['stopped', 'stop'],
    ['rolling', 'roll'],
    ['opening', 'open'],
    ['covered', 'cover'],
    ['trying', 'try'],
    ['ran', 'run'],
    ['stood', 'stand'],
    ['raising', 'raise'],
    ['decorated', 'decorate'],
    ['including', 'include'],
    ['emerging', 'emerge'],
    ['skiing', 'ski'],
    ['visiting', 'visit'],
    ['kayaking', 'kayak'],
    ['collared', 'collar'],
  ])('%s → %s', (word, base) => {
    expect(lemma(word)).toBe(base);
  });

  it.each(['building', 'glasses', 'shorts', 'grass', 'dress', 'tennis', 'bus', 'red', 'bed', 'sled', 'speed', 'seaweed', 'thing', 'swing', 'dog', 'run'])(
    'leaves %s alone',
    (word) => {
      expect(lemma(word)).toBe(word);
    },
  );
});

describe('captionLemmas', () => {
  it('keeps the content of real Flickr8k captions, in order, without stop words or generic words', () => {
    expect(captionLemmas('A black dog and a spotted dog are fighting')).toEqual(['black', 'dog', 'spot', 'fight']);
    expect(captionLemmas('A little girl climbing into a wooden playhouse .')).toEqual(['girl', 'climb', 'wooden', 'playhouse']);
    expect(captionLemmas('A child in a pink dress is climbing up a set of stairs in an entry way .')).toEqual([
      'child',
      'pink',
      'dress',
      'climb',
      'stair',
      'entry',
    ]);
    expect(captionLemmas('Two young men wearing red shirts are standing in front of a building .')).toEqual(['man', 'red', 'shirt', 'building']);
    expect(captionLemmas("A boy in a t-shirt jumps off the dog's ramp .")).toEqual(['boy', 'shirt', 'jump', 'dog', 'ramp']);
  });
});

describe('photoTags', () => {
  const captions = [
    'A black dog is running through the snow .',
    'A dog runs in the snow .',
    'A large black dog running in a snowy field .',
    'Two dogs play in the snow .',
    'The dog is wearing a red collar .',
  ];

  it('keeps the words at least two of the five captions use, most captions first', () => {
    expect(photoTags(captions, null)).toEqual(['dog', 'run', 'snow', 'black']);
  });

  it('keeps only vocabulary words, in vocabulary order among equals', () => {
    expect(photoTags(captions, ['snow', 'black', 'run', 'dog', 'collar'])).toEqual(['dog', 'snow', 'run', 'black']);
    expect(photoTags(captions, ['collar', 'field'])).toEqual([]);
  });
});

describe('the Flickr8k vocabulary', () => {
  it('holds a few hundred content words from the training captions, never a generic or stop word', async () => {
    const train = flickr8kSplit(await loadFlickr8k(DATA), 'train');
    const vocabulary = buildFlickrVocabulary(train);
    expect(vocabulary.length).toBeGreaterThan(300);
    expect(vocabulary.length).toBeLessThan(1000);
    expect(vocabulary.slice(0, 3)).toEqual(['man', 'dog', 'woman']);
    for (const word of ['snow', 'beach', 'bike', 'ball', 'run', 'jump', 'swim', 'child', 'people']) expect(vocabulary).toContain(word);
    const banned = new Set([...GENERIC_WORDS, ...STOP_WORDS, ...[...GENERIC_WORDS, ...STOP_WORDS].map(lemma)]);
    expect(vocabulary.filter((w) => banned.has(w))).toEqual([]);
    for (const word of ['wearing', 'wear', 'young', 'two', 'front', 'something', 'stand', 'look']) expect(vocabulary).not.toContain(word);
  });
});

describe('precision@5 against captions', () => {
  const vocabulary = ['run', 'dog', 'cat', 'snow', 'beach', 'car', 'tree'];
  const captions = [
    ['A dog is running in the snow .', 'Dogs play .', 'A dog .', 'A white dog .', 'A dog outside .'],
    ['A red car on the street .', 'A car .', 'A car .', 'A car .', 'A car parked .'],
  ];
  // Photo 0's top 5: run, dog, snow, cat, beach → 3 hits (run matches "running"); photo 1's: dog, cat, snow, beach, car → 1 hit.
  const scores = new Float32Array([
    0.9, 0.8, 0.5, 0.7, 0.4, 0.1, 0.0,
    0.1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.0,
  ]);

  it('counts a suggested word when it is a lemma of any caption', () => {
    const { precision, anyHit } = precisionAtCaptions({ scores, n: 2, words: vocabulary.length }, vocabulary, captions);
    expect(precision).toBeCloseTo((3 / 5 + 1 / 5) / 2, 10);
    expect(anyHit).toBe(1);
  });

  it('is zero for words no caption uses, and reported beside the per-word measures', () => {
    const miss = new Float32Array(14);
    miss.set([0, 0, 1, 0, 1, 0, 1], 0); // cat, beach, tree first for photo 0
    miss.set([0, 0, 1, 1, 1, 0, 1], 7); // cat, snow, beach, tree, then run: no car
    const result = flickrTagMetrics({ scores: miss, n: 2, words: vocabulary.length }, vocabulary, captions);
    expect(result.precisionAt5Captions).toBeCloseTo((2 / 5 + 0) / 2, 10); // photo 0's 4th and 5th picks are run and dog
    expect(result.anyHitAt5Captions).toBe(0.5);
    expect(result).toHaveProperty('f1');
    expect(result).toHaveProperty('nplus');
  });
});

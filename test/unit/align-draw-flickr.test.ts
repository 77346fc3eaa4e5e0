/**
 * alignDRAW on Flickr8k: the data it trains on (training photos only, sentences that stay true when
 * mirrored), the WordPiece tokenizer learned from the training sentences (any sentence reads;
 * what no piece spells is left out and named), the committed checkpoint drawing a sentence, and
 * word pieces joined back into words for the page.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { wholeWords } from '@/lib/caption/pieces';
import { initBackend } from '@/lib/tfjs/backend';
import { FLICKR_CANVAS_SIZE, flickrExamples, flickrSplit, flickrTrainingBatch, loadFlickrCanvases, SAYS_LEFT_OR_RIGHT, trainingSentences, type FlickrCanvases } from '@/models/align-draw/flickr-data';
import { draw, loadCaptionModel, type LoadedCaptionModel } from '@/models/align-draw/serve';
import { CaptionTokenizer, FLICKR_CHECKPOINT_DIR, FLICKR_VOCABULARY_SIZE } from '@/models/align-draw/tokenizer';

const DATA = path.resolve('../shared/data');
let flickr: FlickrCanvases;
let tokenizer: CaptionTokenizer;

beforeAll(async () => {
  // A cache of its own, so the test also shrinks the photos the way training does (about 20 s the first time).
  flickr = await loadFlickrCanvases({ dataDir: DATA, cacheDir: path.resolve('test/.tmp/flickr-canvas-cache') });
  tokenizer = CaptionTokenizer.load(FLICKR_CHECKPOINT_DIR);
}, 120_000);

describe('Flickr8k with Captions', () => {
  it('has the official 6,000 / 1,000 / 1,000 split, as 32×32 colour canvases', () => {
    expect(flickrSplit(flickr, 'train')).toHaveLength(6000);
    expect(flickrSplit(flickr, 'dev')).toHaveLength(1000);
    expect(flickrSplit(flickr, 'test')).toHaveLength(1000);
    expect(flickr.pixels.length).toBe(8000 * FLICKR_CANVAS_SIZE);
    // Photos, not blank canvases: the mean grey level is mid-toned and pixels vary.
    const first = flickr.pixels.subarray(0, FLICKR_CANVAS_SIZE);
    const mean = first.reduce((a, b) => a + b, 0) / first.length;
    expect(mean).toBeGreaterThan(30);
    expect(mean).toBeLessThan(225);
    expect(new Set(first).size).toBeGreaterThan(50);
  });

  it('trains only on training photos, each with one of its own sentences, the same batch for the same seed', () => {
    const train = flickrSplit(flickr, 'train');
    const trainSet = new Set(train);
    const batch = flickrTrainingBatch(flickr, train, { count: 200, seed: 3 });
    expect(batch.items.every((i) => trainSet.has(i))).toBe(true);
    batch.captions.forEach((caption, n) => expect(flickr.photos[batch.items[n]].captions).toContain(caption));
    expect(new Set(batch.captions).size).toBeGreaterThan(190);
    expect(flickrTrainingBatch(flickr, train, { count: 200, seed: 3 }).images).toEqual(batch.images);
    expect(flickrTrainingBatch(flickr, train, { count: 200, seed: 4 }).captions).not.toEqual(batch.captions);
    // The tokenizer learned nothing from a dev or test sentence: it is the training sentences' own.
    expect(trainingSentences(flickr)).toHaveLength(30_000);
  });

  it('mirrors about half the photos, never one whose sentence says left or right', () => {
    const train = flickrSplit(flickr, 'train');
    const batch = flickrTrainingBatch(flickr, train, { count: 400, seed: 9 });
    const original = flickrExamples(flickr, batch.items);
    let mirrored = 0;
    for (let n = 0; n < batch.count; n++) {
      const drawn = batch.images.subarray(n * FLICKR_CANVAS_SIZE, (n + 1) * FLICKR_CANVAS_SIZE);
      const photo = original.images.subarray(n * FLICKR_CANVAS_SIZE, (n + 1) * FLICKR_CANVAS_SIZE);
      const same = drawn.every((v, i) => v === photo[i]);
      if (!same) {
        mirrored++;
        expect(batch.captions[n]).not.toMatch(SAYS_LEFT_OR_RIGHT);
        // Pixel (y, x) of the drawn canvas is pixel (y, 31 − x) of the photo.
        expect(drawn[(5 * 32 + 2) * 3]).toBe(photo[(5 * 32 + 29) * 3]);
      }
    }
    expect(mirrored).toBeGreaterThan(150);
    expect(mirrored).toBeLessThan(250);
  });
});

describe('the Flickr8k tokenizer', () => {
  it('is a WordPiece vocabulary of 2,000 pieces that spells every training sentence and nearly every dev sentence', async () => {
    expect(tokenizer.modelType).toBe('WordPiece');
    expect(tokenizer.size).toBe(FLICKR_VOCABULARY_SIZE);
    const sample = trainingSentences(flickr).filter((_, i) => i % 100 === 0);
    for (const sentence of sample) expect((await tokenizer.encode(sentence)).ids).not.toContain(tokenizer.unkId);
    // Common words are whole pieces.
    expect((await tokenizer.encode('A dog runs on the beach .')).words).toEqual(['a', 'dog', 'runs', 'on', 'the', 'beach', '.']);
    const dev = flickrSplit(flickr, 'dev').flatMap((i) => flickr.photos[i].captions);
    let dropped = 0;
    for (const sentence of dev) dropped += (await tokenizer.encode(sentence, { dropUnknown: true })).dropped.length > 0 ? 1 : 0;
    expect(dropped / dev.length).toBeLessThan(0.005);
  });

  it('leaves out what no piece spells and names it, and refuses a sentence with nothing left to read', async () => {
    const read = await tokenizer.encode('A cat 🐱 sleeps on a sofa ☃', { dropUnknown: true });
    expect(read.dropped).toEqual(['🐱', '☃']);
    expect(read.words.join(' ')).not.toContain('[UNK]');
    expect(read.ids).not.toContain(tokenizer.unkId);
    await expect(tokenizer.encode('A cat 🐱')).rejects.toMatchObject({ name: 'UnknownWordsError', words: ['🐱'] });
    await expect(tokenizer.encode('🐱 🐶', { dropUnknown: true })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('no letters or numbers') });
    await expect(tokenizer.encode('?! ...', { dropUnknown: true })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(tokenizer.encode('   ', { dropUnknown: true })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('empty') });
  });
});

describe('drawing a sentence with the committed checkpoint', () => {
  let loaded: LoadedCaptionModel;
  beforeAll(async () => {
    await initBackend('wasm');
    loaded = await loadCaptionModel(FLICKR_CHECKPOINT_DIR);
  }, 60_000);

  it('draws 32×32 colour images step by step, attending over the sentence’s pieces, the same for the same seed', async () => {
    const steps: number[] = [];
    const input = { caption: 'A child in a red coat plays in the snow 🐱', samples: 2, seed: 5 };
    const drawing = await draw(loaded, input, { onStep: (step) => void steps.push(step.step) });
    expect(steps).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(drawing).toMatchObject({ width: 32, height: 32, channels: 3, steps: 16, dropped: ['🐱'] });
    expect(drawing.images).toHaveLength(2);
    expect(drawing.images[0].byteLength).toBe(32 * 32 * 3);
    expect(drawing.alignments[0]).toHaveLength(16);
    for (const row of drawing.alignments[0]) {
      expect(row).toHaveLength(drawing.words.length);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    }
    expect((await draw(loaded, input)).images).toEqual(drawing.images);
    expect((await draw(loaded, { ...input, seed: 6 })).images).not.toEqual(drawing.images);
  });

  it('turns away a sentence over 200 characters before drawing', async () => {
    await expect(draw(loaded, { caption: 'a dog '.repeat(40), samples: 1, seed: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('word pieces on the page', () => {
  it('joins pieces into the typed word, adding up their attention', () => {
    const joined = wholeWords(['a', 'kick', '##fl', '##ip', 'at', 'sunset'], [
      [0.1, 0.2, 0.3, 0.1, 0.1, 0.2],
      [1, 0, 0, 0, 0, 0],
    ]);
    expect(joined.words).toEqual(['a', 'kickflip', 'at', 'sunset']);
    expect(joined.alignment[0].map((v) => Number(v.toFixed(3)))).toEqual([0.1, 0.6, 0.1, 0.2]);
    expect(joined.alignment[1]).toEqual([1, 0, 0, 0]);
    // Word-level tokens (MNIST, Corel) pass through unchanged.
    expect(wholeWords(['the', 'digit', '3'], [[0.2, 0.3, 0.5]])).toEqual({ words: ['the', 'digit', '3'], alignment: [[0.2, 0.3, 0.5]] });
  });
});


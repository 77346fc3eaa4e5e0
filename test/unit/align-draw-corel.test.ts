/**
 * Corel-5k with Captions for alignDRAW: 32×32 colour canvases of the real photos, captions made of
 * their tags, and the tag tokenizer that reads them.
 */
import fs from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { toModelInput } from '@/lib/images';
import { COREL_CANVAS_SIZE, corelCaption, corelExamples, corelSplit, corelTrainingBatch, loadCorelCanvases, type CorelCanvases } from '@/models/align-draw/corel-data';
import { corelCaptionTokenizer, UnknownWordsError } from '@/models/align-draw/tokenizer';

let corel: CorelCanvases;
beforeAll(async () => {
  corel = await loadCorelCanvases();
}, 120_000);

describe('Corel-5k canvases and captions', () => {
  it('keeps Corel’s split, 4,500 photos to train on and 499 to test on, as 32×32×3 canvases', () => {
    expect(corelSplit(corel, 'train')).toHaveLength(4500);
    expect(corelSplit(corel, 'test')).toHaveLength(499);
    expect(corel.pixels.byteLength).toBe(4999 * 32 * 32 * 3);
  });

  it('a canvas is the photo shrunk the way uploads are, and a test caption is its tags in order', async () => {
    const photo = corelSplit(corel, 'test')[3];
    const item = corel.dataset.items[photo];
    const expected = await toModelInput(await fs.readFile(item.file), 32);
    const example = corelExamples(corel, [photo]);
    for (let i = 0; i < COREL_CANVAS_SIZE; i += 97) expect(example.images[i]).toBeCloseTo(expected.pixels[i], 2);
    expect(example.captions).toEqual([item.tags.join(' ')]);
  });

  it('training batches come from the training photos only, tags shuffled, mirrored about half the time, the same for the same seed', () => {
    const train = corelSplit(corel, 'train');
    const batch = corelTrainingBatch(corel, train, { count: 64, seed: 5 });
    expect(batch.images).toHaveLength(64 * COREL_CANVAS_SIZE);
    let mirrored = 0;
    for (const [n, item] of batch.items.entries()) {
      expect(corel.dataset.items[item].split).toBe('train');
      expect(batch.captions[n].split(' ').sort()).toEqual([...corel.dataset.items[item].tags].sort());
      const straight = corelExamples(corel, [item]).images;
      const image = batch.images.subarray(n * COREL_CANVAS_SIZE, (n + 1) * COREL_CANVAS_SIZE);
      // Pixel (y 5, x 0) of a mirrored canvas is pixel (y 5, x 31) of the photo.
      const left = (5 * 32 + 0) * 3;
      const right = (5 * 32 + 31) * 3;
      if (image.every((v, i) => v === straight[i])) continue;
      mirrored++;
      expect(image[left]).toBe(straight[right]);
    }
    expect(mirrored).toBeGreaterThan(16);
    expect(mirrored).toBeLessThan(48);
    expect(corelTrainingBatch(corel, train, { count: 64, seed: 5 }).captions).toEqual(batch.captions);
    expect(corelCaption(corel.dataset.items[train[0]], () => 0.99)).not.toBe('');
  });
});

describe('the Corel tag tokenizer', () => {
  let tokenizer: ReturnType<typeof corelCaptionTokenizer>;
  beforeAll(() => {
    tokenizer = corelCaptionTokenizer(corel.dataset.vocabulary);
  });

  it('reads a caption of tags as one token a tag, whatever the case and punctuation', async () => {
    expect(tokenizer.size).toBe(corel.dataset.vocabulary.length + 2);
    const { words, ids } = await tokenizer.encode('Sky, water; TREE');
    expect(words).toEqual(['sky', 'water', 'tree']);
    expect(ids.map((id) => tokenizer.vocabulary[id])).toEqual(['sky', 'water', 'tree']);
    expect((await tokenizer.encode('close-up f-16 sky')).words).toEqual(['close-up', 'f-16', 'sky']);
  });

  it('names the words that are not Corel tags', async () => {
    let error: unknown;
    try {
      await tokenizer.encode('sky banana skyscraper');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownWordsError);
    expect((error as UnknownWordsError).words).toEqual(['banana', 'skyscraper']);
    expect((error as UnknownWordsError).message).toContain('"banana", "skyscraper". It knows: city mountain sky');
  });
});

/**
 * MNIST with Captions and the caption tokenizers of alignDRAW, on the real shared data
 * (../shared/data: MNIST's test images and the caption corpora).
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allCaptions } from '@/lib/datasets';
import {
  CANVAS,
  CANVAS_PIXELS,
  CaptionGrammarError,
  captionedMnist,
  captionedMnistBatches,
  captionedMnistFor,
  captionText,
  DIGIT_SPLIT,
  DIGITS,
  HELD_OUT_CAPTIONS,
  isHeldOut,
  layoutOf,
  loadMnistDigitSplits,
  parseCaption,
  POSITIONS,
  RELATIONS,
  VOCABULARY,
  type Box,
  type CaptionedMnistBatch,
  type CaptionStructure,
  type MnistDigitSplits,
} from '@/models/align-draw/data';
import {
  CaptionTokenizer,
  COCO_CHECKPOINT_DIR,
  MNIST_CHECKPOINT_DIR,
  mnistCaptionTokenizer,
  UnknownWordsError,
} from '@/models/align-draw/tokenizer';

const DATA = path.resolve('../shared/data');
let digits: MnistDigitSplits;

beforeAll(async () => {
  digits = await loadMnistDigitSplits(DATA);
});

const key = (s: CaptionStructure) => JSON.stringify(s);
const inside = (x: number, y: number, b: Box, margin = 0) =>
  x >= b.x - margin && x < b.x + b.width + margin && y >= b.y - margin && y < b.y + b.height + margin;
const centre = (b: Box) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });

describe('captioned MNIST: digit images', () => {
  it('splits the 10,000 MNIST test images into disjoint training and test digit images', () => {
    expect(digits.train.count).toBe(DIGIT_SPLIT.train);
    expect(digits.test.count).toBe(DIGIT_SPLIT.test);
    const train = new Set(digits.train.mnistIndices);
    const test = new Set(digits.test.mnistIndices);
    expect(train.size).toBe(9000);
    expect(test.size).toBe(1000);
    for (const i of test) expect(train.has(i)).toBe(false);
    for (const d of DIGITS) expect(digits.test.byDigit[d].length).toBeGreaterThan(50);
  });

  it('never pastes a test digit image into a training canvas', () => {
    const test = new Set(digits.test.mnistIndices);
    const batch = captionedMnist(digits, { split: 'train', count: 3000, seed: 5 });
    for (const e of batch.examples) for (const d of e.digits) expect(test.has(d.mnistIndex)).toBe(false);
    const train = new Set(digits.train.mnistIndices);
    const novel = captionedMnist(digits, { split: 'test', kind: 'novel', count: 500, seed: 5 });
    for (const e of novel.examples) for (const d of e.digits) expect(train.has(d.mnistIndex)).toBe(false);
  });
});

describe('captioned MNIST: held-out captions', () => {
  it('holds out 50 captions: 10 scenes side by side and 10 stacked, each under two wordings, and 10 corners', () => {
    expect(HELD_OUT_CAPTIONS).toHaveLength(50);
    expect(new Set(HELD_OUT_CAPTIONS.map(key)).size).toBe(50);
    expect(HELD_OUT_CAPTIONS.every(isHeldOut)).toBe(true);
    // "3 on the left of 6" is held out, and so is the same scene read the other way round.
    expect(isHeldOut(parseCaption('the digit 3 is on the left of the digit 6'))).toBe(true);
    expect(isHeldOut(parseCaption('the digit 6 is on the right of the digit 3'))).toBe(true);
    expect(isHeldOut(parseCaption('the digit 6 is on the left of the digit 3'))).toBe(false);
  });

  it('never draws a held-out scene for training, in 20,000 canvases', () => {
    const seen = new Set<string>();
    for (const batch of captionedMnistBatches(digits, { split: 'train', batchSize: 2000, seed: 11, batches: 10 })) {
      for (const e of batch.examples) {
        expect(e.heldOut).toBe(false);
        expect(isHeldOut(parseCaption(e.caption))).toBe(false);
        seen.add(key(e.structure));
      }
    }
    // Every caption that is not held out does appear: 400 pair captions + 40 corners − 50 held out.
    expect(seen.size).toBe(390);
  });

  it('draws only held-out scenes as novel captions, and all of them', () => {
    const batch = captionedMnist(digits, { split: 'test', kind: 'novel', count: 2000, seed: 3 });
    expect(batch.examples.every((e) => e.heldOut)).toBe(true);
    expect(new Set(batch.examples.map((e) => key(e.structure))).size).toBe(50);
    expect(() => captionedMnist(digits, { split: 'train', kind: 'novel', count: 1, seed: 1 })).toThrow(/held out/);
    expect(() => captionedMnistFor(digits, [HELD_OUT_CAPTIONS[0]], { split: 'train', seed: 1 })).toThrow(/held out/);
  });

  it('draws the eight caption forms about equally often', () => {
    const batch = captionedMnist(digits, { split: 'train', count: 8000, seed: 2 });
    const counts = new Map<string, number>();
    for (const { structure: s } of batch.examples) {
      const form = s.type === 'pair' ? s.relation : s.position;
      counts.set(form, (counts.get(form) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...RELATIONS, ...POSITIONS].sort());
    for (const n of counts.values()) expect(n).toBeGreaterThan(850);
  });
});

describe('captioned MNIST: canvases and ground truth', () => {
  let batch: CaptionedMnistBatch;
  beforeAll(() => {
    batch = captionedMnist(digits, { split: 'test', count: 400, seed: 7 });
  });

  it('gives count × 60 × 60 pixels in [0, 1] with one caption and one ground truth each', () => {
    expect(CANVAS).toBe(60);
    expect(batch.images).toBeInstanceOf(Float32Array);
    expect(batch.images.length).toBe(400 * CANVAS_PIXELS);
    expect(batch.captions).toHaveLength(400);
    expect(batch.examples).toHaveLength(400);
    let min = Infinity, max = -Infinity;
    for (const v of batch.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });

  it('reads every caption back to its ground truth, with the named digits in the named places', () => {
    for (const e of batch.examples) {
      const structure = parseCaption(e.caption);
      expect(structure).toEqual(e.structure);
      expect(captionText(structure)).toBe(e.caption);
      const named = structure.type === 'pair' ? [structure.subject, structure.object] : [structure.digit];
      expect(e.digits.map((d) => d.digit)).toEqual(named);
      // The labels are MNIST's own labels of the pasted images.
      for (const d of e.digits) expect(d.digit).toBe(digits.test.labels[[...digits.test.mnistIndices].indexOf(d.mnistIndex)]);

      const layout = layoutOf(structure);
      if (layout.axis === 'corner') {
        const { x, y } = centre(e.digits[0].box);
        expect(x < CANVAS / 2 ? 'left' : 'right').toBe(layout.position.split(' ')[1]);
        expect(y < CANVAS / 2 ? 'top' : 'bottom').toBe(layout.position.split(' ')[0]);
      } else {
        const [a, b] = e.digits.map((d) => d.box);
        // Boxes never overlap, and the caption's relation is the only one: the other axis moves by ≤ 4 pixels.
        const overlapX = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
        const overlapY = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
        expect(overlapX <= 0 || overlapY <= 0).toBe(true);
        const dx = centre(a).x - centre(b).x;
        const dy = centre(a).y - centre(b).y;
        if (structure.type !== 'pair') throw new Error('unreachable');
        const expected = { left: dx <= -28, right: dx >= 28, top: dy <= -28, bottom: dy >= 28 }[structure.relation];
        expect(expected).toBe(true);
        expect(layout.axis === 'horizontal' ? Math.abs(dy) : Math.abs(dx)).toBeLessThanOrEqual(4);
      }
    }
  });

  it('has ink where the ground truth says and nowhere else', () => {
    for (let n = 0; n < batch.count; n++) {
      const e = batch.examples[n];
      const image = batch.images.subarray(n * CANVAS_PIXELS, (n + 1) * CANVAS_PIXELS);
      const inkPerDigit = e.digits.map(() => 0);
      for (let y = 0; y < CANVAS; y++) {
        for (let x = 0; x < CANVAS; x++) {
          if (image[y * CANVAS + x] === 0) continue;
          const owner = e.digits.findIndex((d) => inside(x, y, d.inkBox));
          expect(owner, `ink at (${x}, ${y}) outside every digit's ink box in "${e.caption}"`).toBeGreaterThanOrEqual(0);
          inkPerDigit[owner]++;
        }
      }
      for (const [k, d] of e.digits.entries()) {
        expect(inkPerDigit[k]).toBeGreaterThan(20);
        // The ink box is tight (ink on each of its edges) and lies inside the pasted box.
        expect(inside(d.inkBox.x, d.inkBox.y, d.box) && inside(d.inkBox.x + d.inkBox.width - 1, d.inkBox.y + d.inkBox.height - 1, d.box)).toBe(true);
        const row = (y: number) => image.subarray(y * CANVAS + d.inkBox.x, y * CANVAS + d.inkBox.x + d.inkBox.width);
        expect(row(d.inkBox.y).some((v) => v > 0)).toBe(true);
        expect(row(d.inkBox.y + d.inkBox.height - 1).some((v) => v > 0)).toBe(true);
      }
    }
  });

  it('gives the same canvases, captions and ground truth for the same seed, others for another', () => {
    const a = captionedMnist(digits, { split: 'train', count: 50, seed: 42 });
    const b = captionedMnist(digits, { split: 'train', count: 50, seed: 42 });
    const c = captionedMnist(digits, { split: 'train', count: 50, seed: 43 });
    expect(b.images).toEqual(a.images);
    expect(b.examples).toEqual(a.examples);
    expect(c.captions).not.toEqual(a.captions);
    const [first, second] = [...captionedMnistBatches(digits, { split: 'train', batchSize: 20, seed: 1, batches: 2 })];
    expect(second.captions).not.toEqual(first.captions);
    const again = captionedMnistBatches(digits, { split: 'train', batchSize: 20, seed: 1 }).next().value as CaptionedMnistBatch;
    expect(again.images).toEqual(first.images);
  });

  it('draws real canvases for given captions', () => {
    const structures = [parseCaption('the digit 4 is at the bottom of the digit 1.'), parseCaption('the digit 0 is at the top right of the image')];
    const drawn = captionedMnistFor(digits, structures, { split: 'test', seed: 1 });
    expect(drawn.examples.map((e) => e.structure)).toEqual(structures);
    expect(drawn.examples[0].digits.map((d) => d.digit)).toEqual([4, 1]);
    expect(drawn.examples[0].digits[0].box.y).toBeGreaterThan(drawn.examples[0].digits[1].box.y);
  });
});

describe('captioned MNIST: the caption grammar', () => {
  it('reads case, punctuation and spacing loosely', () => {
    expect(parseCaption('The digit 3 is on the LEFT of the digit 5.')).toEqual({ type: 'pair', subject: 3, relation: 'left', object: 5 });
    expect(parseCaption('  the digit 7 is at the bottom-right of the image!')).toEqual({ type: 'single', digit: 7, position: 'bottom right' });
    expect(parseCaption('the digit 7 is on the top of the digit 2')).toEqual({ type: 'pair', subject: 7, relation: 'top', object: 2 });
  });

  it('says where a caption leaves the grammar', () => {
    const cases: Array<[string, RegExp, number]> = [
      ['the digit three is on the left of the digit 5', /numeral 0–9.*"three"/, 2],
      ['the digit 3 is near the digit 5', /"on" or "at".*"near"/, 4],
      ['the digit 3 is on the left of the image', /"digit".*"image"/, 9],
      ['the digit 3 is on the left of the digit', /numeral.*the caption ends there/, 10],
      ['the digit 3 is on the left of the digit 5 and the digit 2', /unexpected words.*"and the digit 2"/, 11],
      ['a cat', /"the" at the start/, 0],
    ];
    for (const [caption, message, position] of cases) {
      try {
        parseCaption(caption);
        expect.unreachable(caption);
      } catch (error) {
        expect(error).toBeInstanceOf(CaptionGrammarError);
        expect((error as CaptionGrammarError).message).toMatch(message);
        expect((error as CaptionGrammarError).position).toBe(position);
        expect((error as CaptionGrammarError).status).toBe(400);
      }
    }
  });
});

describe('caption tokenizers', () => {
  it('has the paper’s 22 words, saved beside the MNIST checkpoint', () => {
    expect(VOCABULARY).toHaveLength(22);
    const tokenizer = CaptionTokenizer.load(MNIST_CHECKPOINT_DIR);
    expect(tokenizer.modelType).toBe('WordLevel');
    expect(tokenizer.vocabulary).toEqual(['[PAD]', '[UNK]', ...VOCABULARY]);
    expect(tokenizer.padId).toBe(0);
    // The saved file is what the code builds.
    expect(mnistCaptionTokenizer().vocabulary).toEqual(tokenizer.vocabulary);
  });

  it('encodes every generated caption word by word and decodes it back', async () => {
    const tokenizer = CaptionTokenizer.load(MNIST_CHECKPOINT_DIR);
    const batch = captionedMnist(digits, { split: 'train', count: 200, seed: 9 });
    for (const caption of batch.captions) {
      const { ids, words } = await tokenizer.encode(caption);
      expect(words).toEqual(caption.replace('.', ' .').split(' '));
      expect(ids).toEqual(words.map((w) => tokenizer.vocabulary.indexOf(w)));
      expect(await tokenizer.decode(ids)).toBe(words.join(' '));
    }
  });

  it('normalises case and punctuation; the full stop is always there', async () => {
    const tokenizer = CaptionTokenizer.load(MNIST_CHECKPOINT_DIR);
    const plain = await tokenizer.encode('the digit 3 is on the left of the digit 5.');
    expect(plain.words).toEqual(['the', 'digit', '3', 'is', 'on', 'the', 'left', 'of', 'the', 'digit', '5', '.']);
    for (const variant of ['The digit 3 is on the LEFT of the digit 5.', 'the digit 3 is on the left of the digit 5', '  The  digit 3, is on the left of the digit "5"!  ']) {
      expect((await tokenizer.encode(variant)).ids).toEqual(plain.ids);
    }
    expect((await tokenizer.encode('the digit 7 is at the bottom-right of the image')).words.slice(6, 8)).toEqual(['bottom', 'right']);
  });

  it('names the words it does not know, as written', async () => {
    const tokenizer = CaptionTokenizer.load(MNIST_CHECKPOINT_DIR);
    const error = await tokenizer.encode('the Zebra is purple, very purple').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownWordsError);
    expect((error as UnknownWordsError).words).toEqual(['Zebra', 'purple', 'very']);
    expect((error as UnknownWordsError).message).toMatch(/^The model does not know the words "Zebra", "purple", "very"\. It knows: 0 1 2 .* image/);
    expect((error as UnknownWordsError).status).toBe(400);
    const one = await tokenizer.encode('the digit 10 is on the left of the digit 5').catch((e: unknown) => e);
    expect((one as Error).message).toMatch(/^The model does not know the word "10"\./);
    await expect(tokenizer.encode(' ?! ')).rejects.toThrow(/empty/);
  });

  it('pads a batch at the end with [PAD]', async () => {
    const tokenizer = CaptionTokenizer.load(MNIST_CHECKPOINT_DIR);
    const batch = await tokenizer.encodeBatch(['the digit 1 is at the top left of the image', 'the digit 3 is on the left of the digit 5'], 13);
    expect(batch.length).toBe(13);
    expect([...batch.lengths]).toEqual([12, 12]);
    expect(batch.ids[12]).toBe(tokenizer.padId);
    await expect(tokenizer.encodeBatch(['the digit 3 is on the left of the digit 5'], 5)).rejects.toThrow(/at most 5/);
  });

  it('encodes free-text captions with the WordPiece tokenizer trained on the caption corpora', async () => {
    const tokenizer = CaptionTokenizer.load(COCO_CHECKPOINT_DIR);
    expect(tokenizer.modelType).toBe('WordPiece');
    expect(tokenizer.size).toBeGreaterThan(2000);
    expect(tokenizer.size).toBeLessThanOrEqual(8000);
    const coco = await allCaptions(DATA, ['coco']);
    const { ids, words } = await tokenizer.encode(coco[0]);
    expect(ids.length).toBeGreaterThan(3);
    expect(ids).not.toContain(tokenizer.unkId);
    expect((await tokenizer.decode(ids)).replace(/\s+/g, ' ')).toBe(coco[0].toLowerCase().trim().replace(/\s+/g, ' ').replace(/ ?\.$/, '.'));
    expect(words.length).toBe(ids.length);
    // Whole common words are single pieces; rare ones are spelt from pieces.
    expect((await tokenizer.encode('A giraffe standing next to a tree.')).words).toEqual(['a', 'giraffe', 'standing', 'next', 'to', 'a', 'tree', '.']);
    // Every caption of the corpora (a sample) can be spelt.
    for (const caption of coco.filter((_, i) => i % 50 === 0)) expect((await tokenizer.encode(caption)).ids).not.toContain(tokenizer.unkId);
    const error = await tokenizer.encode('a cat 🐱 on a ☃').catch((e: unknown) => e);
    expect((error as UnknownWordsError).words).toEqual(['🐱', '☃']);
  });
});

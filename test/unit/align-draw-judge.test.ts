/**
 * The judge of generated captioned-MNIST canvases: it must find the digits where real canvases
 * have them, read them with the separate digit classifier, and say no to a canvas that does not
 * match its caption.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@/lib/tfjs/backend';
import { CANVAS, CANVAS_PIXELS, captionedMnist, captionedMnistFor, loadMnistDigitSplits, type CaptionStructure, type MnistDigitSplits } from '@/models/align-draw/data';
import { loadDigitClassifier, type DigitClassifier } from '@/models/align-draw/digit-classifier';
import { findDigits, placeOf, sideOf, verdict } from '@/models/align-draw/judge';

let digits: MnistDigitSplits;
let classifier: DigitClassifier;
const read = (cutOuts: Float32Array, n: number) => classifier.classify(cutOuts, n);
const canvasOf = (images: Float32Array, i: number) => images.subarray(i * CANVAS_PIXELS, (i + 1) * CANVAS_PIXELS);

beforeAll(async () => {
  await initBackend('wasm');
  digits = await loadMnistDigitSplits();
  classifier = await loadDigitClassifier();
}, 60_000);

describe('finding digits', () => {
  it('puts each blob of a two-digit canvas over the digit the data placed there', () => {
    const batch = captionedMnist(digits, { split: 'test', count: 40, seed: 3 });
    for (const [i, example] of batch.examples.entries()) {
      const blobs = findDigits(canvasOf(batch.images, i), CANVAS, example.digits.length as 1 | 2)!;
      expect(blobs).not.toBeNull();
      for (const placed of example.digits) {
        const { x, y, width, height } = placed.inkBox;
        // Some blob's centre lies inside this digit's ink box.
        expect(blobs.some((b) => b.cx >= x && b.cx <= x + width && b.cy >= y && b.cy <= y + height)).toBe(true);
      }
    }
  });

  it('finds nothing on a blank canvas', () => {
    expect(findDigits(new Float32Array(CANVAS_PIXELS), CANVAS, 2)).toBeNull();
  });

  it('names sides and corners as the captions do', () => {
    expect(sideOf({ cx: 10, cy: 30 }, { cx: 45, cy: 28 })).toBe('left');
    expect(sideOf({ cx: 30, cy: 50 }, { cx: 28, cy: 12 })).toBe('bottom');
    expect(placeOf({ cx: 50, cy: 8 }, CANVAS)).toEqual({ vertical: 'top', horizontal: 'right' });
  });
});

describe('the verdict', () => {
  it('accepts at least 95% of real test canvases, seen and held-out captions alike', () => {
    const batch = captionedMnist(digits, { split: 'test', count: 200, seed: 5 });
    const seen = batch.examples.filter((e, i) => verdict(canvasOf(batch.images, i), CANVAS, e.structure, read).correct).length / batch.count;
    const novel = captionedMnist(digits, { split: 'test', kind: 'novel', count: 100, seed: 6 });
    const held = novel.examples.filter((e, i) => verdict(canvasOf(novel.images, i), CANVAS, e.structure, read).correct).length / novel.count;
    expect(seen).toBeGreaterThanOrEqual(0.95);
    expect(held).toBeGreaterThanOrEqual(0.95);
  });

  it('rejects a canvas judged against a caption with the digits swapped or the relation turned', () => {
    const scene: CaptionStructure = { type: 'pair', subject: 3, relation: 'left', object: 7 };
    const real = captionedMnistFor(digits, Array(20).fill(scene), { split: 'test', seed: 8 });
    const swapped: CaptionStructure = { type: 'pair', subject: 7, relation: 'left', object: 3 };
    const turned: CaptionStructure = { type: 'pair', subject: 3, relation: 'top', object: 7 };
    const accepted = (structure: CaptionStructure) => real.examples.filter((_, i) => verdict(canvasOf(real.images, i), CANVAS, structure, read).correct).length;
    expect(accepted(scene)).toBeGreaterThanOrEqual(19);
    expect(accepted(swapped)).toBeLessThanOrEqual(1);
    expect(accepted(turned)).toBe(0);
  });

  it('rejects a digit in the wrong corner', () => {
    const scene: CaptionStructure = { type: 'single', digit: 4, position: 'bottom left' };
    const real = captionedMnistFor(digits, Array(10).fill(scene), { split: 'test', seed: 9 });
    const elsewhere: CaptionStructure = { type: 'single', digit: 4, position: 'top right' };
    const v = real.examples.map((_, i) => verdict(canvasOf(real.images, i), CANVAS, elsewhere, read));
    expect(v.every((x) => !x.layoutRight && !x.correct)).toBe(true);
  });
});

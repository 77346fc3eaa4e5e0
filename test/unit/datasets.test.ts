/**
 * Dataset loaders against the real shared data (../shared/data, see its README.md), plus
 * malformed and missing files built in a temp dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '@/lib/errors';
import {
  DatasetFormatError,
  allCaptions,
  decodeOmniglotPng,
  loadCocoCaptions,
  loadCorel5k,
  loadFlickr8kCaptions,
  loadMnist,
  loadMnistLabels,
  loadOmniglotBackground,
  loadOneShotRuns,
  loadPascalSentences,
  parseIdxImages,
  parseStrokes,
  testItems,
  trainItems,
  type OmniglotCharacter,
} from '@/lib/datasets';

const DATA = path.resolve('../shared/data');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'datasets-test-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fresh folder under the temp dir, with files written from `files` (relative path → content). */
function fixture(name: string, files: Record<string, string | Uint8Array>): string {
  const dir = path.join(tmp, name);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

/** An idx header (big-endian magic and sizes) followed by `data`. */
function idx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('MNIST', () => {
  it('loads the 10,000 test images of 28×28 with labels 0–9', async () => {
    const mnist = await loadMnist('test', DATA);
    expect(mnist.count).toBe(10_000);
    expect(mnist.rows).toBe(28);
    expect(mnist.cols).toBe(28);
    expect(mnist.images).toBeInstanceOf(Uint8Array);
    expect(mnist.images.length).toBe(10_000 * 28 * 28);
    expect(mnist.labels.length).toBe(10_000);
    expect(mnist.labels[0]).toBe(7);
    expect(Array.from(mnist.labels.slice(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const counts = new Array(10).fill(0);
    for (const label of mnist.labels) counts[label]++;
    expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    // The first image (a 7) has ink, and pixels span 0..255.
    const first = mnist.images.subarray(0, 784);
    expect(Math.max(...first)).toBe(255);
    expect(Math.min(...first)).toBe(0);
  });

  it('has the 60,000 training labels but no training images', async () => {
    const labels = await loadMnistLabels('train', DATA);
    expect(labels.length).toBe(60_000);
    const error = await rejection(loadMnist('train', DATA));
    expect(isAppError(error) && error.code).toBe('DATASET_MISSING');
    expect(error.message).toContain(path.join(DATA, 'mnist', 'train-images-idx3-ubyte.gz'));
  });

  it('rejects a file with the wrong magic number', async () => {
    const labels = gzipSync(idx(2049, [2], new Uint8Array([1, 2])));
    const dir = fixture('mnist-magic', {
      'mnist/t10k-images-idx3-ubyte.gz': labels, // a label file where images belong
      'mnist/t10k-labels-idx1-ubyte.gz': labels,
    });
    const error = await rejection(loadMnist('test', dir));
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect(error.message).toMatch(/t10k-images-idx3-ubyte\.gz.*magic number is 2049.*expected 2051/);
  });

  it('rejects a truncated file, a bad gzip, bad labels and a count mismatch', async () => {
    const images = idx(2051, [3, 28, 28], new Uint8Array(2 * 784)); // says 3, holds 2
    expect(() => parseIdxImages(gzipSync(images), 'x.gz')).toThrow(/3 × 28 × 28 = 2352 bytes of data but the file holds 1568 \(truncated\?\)/);
    expect(() => parseIdxImages(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 'y.gz')).toThrow(/y\.gz: not a valid gzip file/);
    expect(() => parseIdxImages(new Uint8Array([0, 0]), 'z')).toThrow(/too short/);

    const okImages = gzipSync(idx(2051, [2, 28, 28], new Uint8Array(2 * 784)));
    const badLabels = fixture('mnist-labels', {
      'mnist/t10k-images-idx3-ubyte.gz': okImages,
      'mnist/t10k-labels-idx1-ubyte.gz': gzipSync(idx(2049, [2], new Uint8Array([3, 12]))),
    });
    expect((await rejection(loadMnist('test', badLabels))).message).toMatch(/label 1 is 12, expected 0–9/);

    const mismatch = fixture('mnist-count', {
      'mnist/t10k-images-idx3-ubyte.gz': okImages,
      'mnist/t10k-labels-idx1-ubyte.gz': gzipSync(idx(2049, [3], new Uint8Array([1, 2, 3]))),
    });
    expect((await rejection(loadMnist('test', mismatch))).message).toMatch(/3 labels for the 2 images/);

    // Uncompressed idx files are accepted too.
    const plain = fixture('mnist-plain', {
      'mnist/t10k-images-idx3-ubyte.gz': idx(2051, [1, 2, 2], new Uint8Array([0, 1, 2, 3])),
      'mnist/t10k-labels-idx1-ubyte.gz': idx(2049, [1], new Uint8Array([5])),
    });
    const small = await loadMnist('test', plain);
    expect([small.count, small.rows, small.cols, small.labels[0]]).toEqual([1, 2, 2, 5]);
  });
});

describe('Corel-5k', () => {
  it('loads 4,999 items (4,500 train / 499 test) and 374 words', async () => {
    const corel = await loadCorel5k(DATA);
    expect(corel.items).toHaveLength(4999);
    expect(corel.vocabulary).toHaveLength(374);
    expect(trainItems(corel)).toHaveLength(4500);
    expect(testItems(corel)).toHaveLength(499);

    const bear = corel.items.find((item) => item.id === '100000')!;
    expect(bear.tags).toEqual(['bear', 'polar', 'snow', 'tundra']);
    expect(bear.tagIds.map((id) => corel.vocabulary[id])).toEqual(bear.tags);
    expect(bear.file).toBe(path.join(DATA, 'corel5k', 'images', '100000.jpg'));
    expect(fs.existsSync(bear.file)).toBe(true);
    expect(corel.items.find((item) => item.id === '46007')!.tags).toEqual(['oahu', 'people', 'waves']);

    expect(corel.items.every((item) => path.isAbsolute(item.file) && item.tags.length >= 1 && item.tags.length <= 5)).toBe(true);
    const freq = new Map<string, number>();
    for (const item of corel.items) for (const tag of item.tags) freq.set(tag, (freq.get(tag) ?? 0) + 1);
    expect(freq.get('water')).toBe(1120);
    expect(freq.get('sky')).toBe(988);
    expect(new Set(trainItems(corel).flatMap((i) => i.tags)).size).toBe(371);
    expect(new Set(testItems(corel).flatMap((i) => i.tags)).size).toBe(263);
  });

  it('names the line of a malformed annotation', async () => {
    const good = '{"id": "1", "file": "images/1.jpg", "tags": ["sky"], "tag_ids": [0], "split": "train"}';
    const vocabulary = 'sky\nsea\n';
    const cases: [string, RegExp][] = [
      [`${good}\n${good}\n{"id": "3", "file": "images/3.jpg", "tags": [`, /annotations\.jsonl, line 3: not valid JSON/],
      [`${good}\n{"id": "2", "file": "images/2.jpg", "tags": ["sky"], "tag_ids": [0], "split": "val"}`, /line 2: split:/],
      [`${good}\n\n{"id": "2", "file": "images/2.jpg", "tags": [], "tag_ids": [], "split": "test"}`, /line 3: tags:/],
      [`{"id": "1", "file": "images/1.jpg", "tags": ["sky"], "tag_ids": [1], "split": "train"}`, /line 1: tag_ids\.0: id 1 is "sea" in the vocabulary but the tag is "sky"/],
      [`{"id": "1", "file": "images/1.jpg", "tags": ["sky"], "tag_ids": [7], "split": "train"}`, /line 1: tag_ids\.0: id 7 is outside the 2-word vocabulary/],
      [`{"id": "1", "file": "../../etc/passwd", "tags": ["sky"], "tag_ids": [0], "split": "train"}`, /line 1: file: must be a relative path/],
    ];
    for (const [i, [annotations, message]] of cases.entries()) {
      const dir = fixture(`corel-bad-${i}`, { 'corel5k/vocabulary.txt': vocabulary, 'corel5k/annotations.jsonl': annotations });
      const error = await rejection(loadCorel5k(dir));
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(path.join(dir, 'corel5k', 'annotations.jsonl'));
    }
  });
});

describe('Omniglot', () => {
  let small1: OmniglotCharacter[];
  beforeAll(async () => {
    small1 = await loadOmniglotBackground('small1', DATA);
  });

  it('small1 has 136 characters × 20 drawers, each with parsed strokes', () => {
    expect(small1).toHaveLength(136);
    expect(new Set(small1.map((c) => c.alphabet))).toEqual(new Set(['Balinese', 'Early_Aramaic', 'Greek', 'Korean', 'Latin']));
    expect(small1.filter((c) => c.alphabet === 'Korean')).toHaveLength(40);
    for (const character of small1) {
      expect(character.drawings.map((d) => d.drawer)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      for (const drawing of character.drawings) {
        expect(drawing.png.subarray(0, 4)).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
        expect(drawing.strokes).toBeDefined();
        expect(drawing.strokes!.length).toBeGreaterThanOrEqual(1);
        for (const stroke of drawing.strokes!) expect(stroke.length).toBeGreaterThanOrEqual(1);
      }
    }
    const first = small1[0].drawings[0];
    expect([small1[0].alphabet, small1[0].character, first.name]).toEqual(['Balinese', 'character01', '0108_01']);
    // First line of 0108_01.txt after START; times increase within the drawing.
    expect(first.strokes![0][0]).toEqual({ x: 18.954528, y: -43.534334, t: 0 });
    const times = first.strokes!.flat().map((p) => p.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('small2 has 156 characters, and strokes can be skipped', async () => {
    const small2 = await loadOmniglotBackground('small2', DATA, { strokes: false });
    expect(small2).toHaveLength(156);
    expect(small2.every((c) => c.drawings.length === 20 && c.drawings.every((d) => d.strokes === undefined))).toBe(true);
  });

  it('decodes a PNG to 105×105 floats with ink = 1', async () => {
    const pixels = await decodeOmniglotPng(small1[0].drawings[0].png);
    expect(pixels).toBeInstanceOf(Float32Array);
    expect(pixels.length).toBe(105 * 105);
    expect(pixels.every((v) => v === 0 || v === 1)).toBe(true);
    const ink = pixels.reduce((a, b) => a + b, 0);
    expect(ink).toBeGreaterThan(50);
    expect(ink).toBeLessThan(105 * 105 * 0.3); // mostly background
    // Corners are background.
    expect([pixels[0], pixels[104], pixels[105 * 104], pixels[105 * 105 - 1]]).toEqual([0, 0, 0, 0]);
  });

  it('decodeOmniglotPng maps black to 1 and rejects other sizes', async () => {
    const raw = Buffer.alloc(105 * 105, 255);
    raw[105 * 3 + 7] = 0;
    const png = await sharp(raw, { raw: { width: 105, height: 105, channels: 1 } }).png().toBuffer();
    const pixels = await decodeOmniglotPng(png);
    expect(pixels[105 * 3 + 7]).toBe(1);
    expect(pixels.reduce((a, b) => a + b, 0)).toBe(1);
    const small = await sharp(Buffer.alloc(16, 255), { raw: { width: 4, height: 4, channels: 1 } }).png().toBuffer();
    await expect(decodeOmniglotPng(small)).rejects.toThrow(/4×4×1, expected 105×105×1/);
    await expect(decodeOmniglotPng(new Uint8Array([1, 2, 3]))).rejects.toThrow(/cannot decode/);
  });

  it('loads the 20 one-shot runs with 20 + 20 images and a valid answer key', async () => {
    const runs = await loadOneShotRuns(DATA);
    expect(runs.map((r) => r.run)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const run of runs) {
      expect(run.training.map((t) => t.name)).toEqual(Array.from({ length: 20 }, (_, i) => `class${String(i + 1).padStart(2, '0')}`));
      expect(run.test.map((t) => t.name)).toEqual(Array.from({ length: 20 }, (_, i) => `item${String(i + 1).padStart(2, '0')}`));
      // Each class has exactly one test item: the key is a permutation of 0..19.
      expect([...run.answers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    // run01/class_labels.txt: item01 → class08, item02 → class09, item20 → class16.
    expect(runs[0].answers[0]).toBe(7);
    expect(runs[0].answers[1]).toBe(8);
    expect(runs[0].answers[19]).toBe(15);
    expect((await decodeOmniglotPng(runs[19].test[19].png)).length).toBe(105 * 105);
  });

  it('rejects a bad answer key and a corrupt zip', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const zip = (labels: string) =>
      zipSync({
        'run01/class_labels.txt': new TextEncoder().encode(labels),
        'run01/training/class01.png': png,
        'run01/training/class02.png': png,
        'run01/test/item01.png': png,
        'run01/test/item02.png': png,
      });
    const ok = fixture('runs-ok', {
      'omniglot/all_runs.zip': zip('run01/test/item01.png run01/training/class02.png\r\nrun01/test/item02.png run01/training/class01.png\r\n'),
    });
    expect((await loadOneShotRuns(ok))[0].answers).toEqual([1, 0]);

    const cases: [string, RegExp][] = [
      ['run01/test/item01.png run01/training/class02.png\n', /no label for item02/],
      ['run01/test/item01.png run01/training/class09.png\n', /line 1: training image class09\.png is not in the zip/],
      ['run01/test/item01.png\n', /line 1: expected "<run>\/test\/itemNN\.png <run>\/training\/classNN\.png"/],
      ['run01/test/item01.png run01/training/class01.png\nrun01/test/item01.png run01/training/class02.png\n', /line 2: item01 is labelled twice/],
    ];
    for (const [i, [labels, message]] of cases.entries()) {
      const dir = fixture(`runs-bad-${i}`, { 'omniglot/all_runs.zip': zip(labels) });
      await expect(loadOneShotRuns(dir)).rejects.toThrow(message);
    }
    const corrupt = fixture('runs-corrupt', { 'omniglot/all_runs.zip': 'this is not a zip' });
    const error = await rejection(loadOneShotRuns(corrupt));
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect(error.message).toMatch(/all_runs\.zip: not a readable zip/);
  });
});

describe('parseStrokes', () => {
  it("parses Lake's x,y,t format with START and BREAK", () => {
    const text = ['START', '1.5,-2.25,0', '2,-3,17', 'BREAK', '10,-10,40', 'BREAK', ''].join('\n');
    expect(parseStrokes(text)).toEqual([
      [
        { x: 1.5, y: -2.25, t: 0 },
        { x: 2, y: -3, t: 17 },
      ],
      [{ x: 10, y: -10, t: 40 }],
    ]);
  });

  it('tolerates CRLF, blank lines, a missing final BREAK and unusual number forms', () => {
    const text = 'START\r\n\r\n  1,2,3  \r\nBREAK\r\n-0.5,+4,1e2\r\n12345678.123456789,-1E-3,5';
    expect(parseStrokes(text)).toEqual([
      [{ x: 1, y: 2, t: 3 }],
      [
        { x: -0.5, y: 4, t: 100 },
        { x: 12345678.123456789, y: -0.001, t: 5 },
      ],
    ]);
    expect(parseStrokes('')).toEqual([]);
    expect(parseStrokes('START\nBREAK\n')).toEqual([]);
  });

  it('gives the same numbers as Number()', () => {
    const rows = [
      ['18.954528', '-43.534334', '0.1'],
      ['-0.000001', '105', '99.99999999'],
      ['7.0', '0.3', '123456789012345'],
    ];
    const points = parseStrokes(`START\n${rows.map((r) => r.join(',')).join('\n')}\nBREAK\n`).flat();
    expect(points.map((p) => [p.x, p.y, p.t])).toEqual(rows.map((r) => r.map(Number)));
  });

  it('names the line of a malformed file', () => {
    expect(() => parseStrokes('START\n1,2,3\n1,2\nBREAK', 'a.txt')).toThrow(/a\.txt, line 3: expected "x,y,t", START or BREAK, got "1,2"/);
    expect(() => parseStrokes('START\n1,2,3,4')).toThrow(/line 2/);
    expect(() => parseStrokes('START\n1,,3')).toThrow(/line 2/);
    expect(() => parseStrokes('START\nx,2,3')).toThrow(/line 2/);
    expect(() => parseStrokes('START\n1,2,')).toThrow(/line 2/);
    expect(() => parseStrokes('START\nEND')).toThrow(/line 2/);
    expect(() => parseStrokes('1,2,3\nBREAK')).toThrow(/line 1: point before START/);
    expect(() => parseStrokes('\nBREAK')).toThrow(/line 2: BREAK before START/);
  });
});

describe('caption corpora', () => {
  it('COCO val2017: 5,000 images, 25,014 captions, text only', async () => {
    const coco = await loadCocoCaptions(DATA);
    expect(coco).toHaveLength(5000);
    expect(coco.reduce((n, item) => n + item.captions.length, 0)).toBe(25_014);
    expect(coco.every((item) => item.file === null && item.split === 'val2017')).toBe(true);
    expect(coco.every((item) => item.captions.length >= 5 && item.captions.length <= 7)).toBe(true);
    expect(coco[0]).toMatchObject({ id: '139', fileName: '000000000139.jpg', width: 640, height: 426 });
  });

  it('Flickr8k: 8,092 images, 40,460 captions, official splits, 90 photos', async () => {
    const flickr = await loadFlickr8kCaptions(DATA);
    expect(flickr).toHaveLength(8092);
    expect(flickr.reduce((n, item) => n + item.captions.length, 0)).toBe(40_460);
    const splits = new Map<string | null, number>();
    for (const item of flickr) splits.set(item.split, (splits.get(item.split) ?? 0) + 1);
    expect(Object.fromEntries(splits)).toEqual({ train: 6000, dev: 1000, test: 1000, null: 92 });
    const withPhotos = flickr.filter((item) => item.file !== null);
    expect(withPhotos).toHaveLength(90);
    for (const item of withPhotos) {
      expect(path.isAbsolute(item.file!)).toBe(true);
      expect(fs.existsSync(item.file!)).toBe(true);
    }
    expect(flickr.find((item) => item.id === '101654506_8eb26cfb60')!.file).toBe(
      path.join(DATA, 'flickr8k_captions', 'images', '101654506_8eb26cfb60.jpg'),
    );
  });

  it('Pascal Sentences: 1,000 images in 20 categories, 47 photos', async () => {
    const pascal = await loadPascalSentences(DATA);
    expect(pascal).toHaveLength(1000);
    expect(pascal.reduce((n, item) => n + item.captions.length, 0)).toBe(4998);
    expect(new Set(pascal.map((item) => item.category)).size).toBe(20);
    expect(pascal.every((item) => item.split === null)).toBe(true);
    const withPhotos = pascal.filter((item) => item.file !== null);
    expect(withPhotos).toHaveLength(47);
    expect(withPhotos.every((item) => fs.existsSync(item.file!))).toBe(true);
  });

  it('allCaptions returns every caption string', async () => {
    const captions = await allCaptions(DATA);
    expect(captions).toHaveLength(25_014 + 40_460 + 4998);
    expect(captions.every((c) => typeof c === 'string' && c.trim().length > 0)).toBe(true);
    expect(await allCaptions(DATA, ['pascal'])).toHaveLength(4998);
  });

  it('names the line of a malformed caption file', async () => {
    const dir = fixture('pascal-bad', {
      'pascal_sentences/captions.jsonl':
        '{"id": "a", "file": null, "category": "bus", "captions": ["A bus."]}\n{"id": "b", "file": null, "category": "bus"}\n',
    });
    await expect(loadPascalSentences(dir)).rejects.toThrow(/captions\.jsonl, line 2: captions:/);
  });
});

describe('missing data', () => {
  it('gives DATASET_MISSING naming the full path and DATA_DIR', async () => {
    const missing = path.join(tmp, 'no-such-dir');
    const loaders: [() => Promise<unknown>, string][] = [
      [() => loadMnist('test', missing), 'mnist/t10k-images-idx3-ubyte.gz'],
      [() => loadCorel5k(missing), 'corel5k/vocabulary.txt'],
      [() => loadOmniglotBackground('small1', missing), 'omniglot/images_background_small1.zip'],
      [() => loadOneShotRuns(missing), 'omniglot/all_runs.zip'],
      [() => loadCocoCaptions(missing), 'coco_captions_val2017/captions.jsonl'],
      [() => loadFlickr8kCaptions(missing), 'flickr8k_captions/captions.jsonl'],
      [() => loadPascalSentences(missing), 'pascal_sentences/captions.jsonl'],
      [() => allCaptions(missing), 'coco_captions_val2017/captions.jsonl'],
    ];
    for (const [load, rel] of loaders) {
      const error = await rejection(load());
      expect(isAppError(error)).toBe(true);
      if (!isAppError(error)) continue;
      expect(error.code).toBe('DATASET_MISSING');
      expect(error.status).toBe(404);
      expect(error.message).toContain(path.join(missing, rel));
      expect(error.message).toContain('DATA_DIR');
    }
  });

  it('names the one missing file when the folder exists', async () => {
    const dir = fixture('omniglot-partial', { 'omniglot/images_background_small1.zip': zipSync({}) });
    const error = await rejection(loadOmniglotBackground('small1', dir));
    expect(isAppError(error) && error.code).toBe('DATASET_MISSING');
    expect(error.message).toContain(path.join(dir, 'omniglot', 'strokes_background_small1.zip'));
  });
});

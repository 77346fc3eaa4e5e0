/**
 * MNIST with Captions (Mansimov, Parisotto, Ba & Salakhutdinov, ICLR 2016, appendix A): one or
 * two 28×28 MNIST digits on a 60×60 canvas, described by a caption of a fixed grammar:
 *
 *   the digit 3 is on the left of the digit 5.        the digit 7 is at the top of the digit 2.
 *   the digit 3 is on the right of the digit 5.       the digit 7 is at the bottom of the digit 2.
 *   the digit 7 is at the top left of the image.      (top right, bottom left, bottom right)
 *
 * The paper's vocabulary is 22 words: the numerals 0–9, "the digit is on at left right bottom top
 * of image" and ".". Its eight caption forms are drawn equally often, as in the authors' code.
 *
 * Digit images: only MNIST's 10,000 test images exist here (lib/datasets/mnist.ts). They are split
 * once, with a fixed seed, into 9,000 images for training and 1,000 for testing, so a test canvas
 * never shows a digit image seen in training.
 *
 * Novel captions: some scenes are never drawn for training (`HELD_OUT`): ten pairs of digits side
 * by side, ten pairs stacked, and ten (digit, corner) placements. A held-out scene is held out
 * under both of its captions ("3 on the left of 6" and "6 on the right of 3" are one image).
 * `kind: 'novel'` draws only those scenes (on test digit images) to measure how the model
 * generalises to captions it has never read.
 *
 * Placement: a digit's 28×28 box is pasted whole; two boxes never overlap (side by side the right
 * box starts at least 28 pixels right of the left one), and the jitter across the relation's axis
 * is at most 4 pixels, so the relation in the caption is the only one the image shows.
 *
 * Generation is plain typed-array copying (no tensors): ~40 µs a canvas here, cheap enough to draw fresh
 * examples every epoch. The same seed gives the same canvases, captions and ground truth.
 */
import { loadMnistTest, type MnistSet } from '@/lib/datasets';
import { AppError } from '@/lib/errors';
import { mulberry32, seededShuffle } from '@/lib/random';

export const CANVAS = 60;
export const DIGIT_SIZE = 28;
export const CANVAS_PIXELS = CANVAS * CANVAS;

export const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
export type Digit = (typeof DIGITS)[number];

/** The paper's 22 words, in the order of the authors' dictionary. */
export const VOCABULARY = [
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
  'the', 'digit', 'is', 'on', 'at', 'left', 'right', 'bottom', 'top', 'of', 'image', '.',
] as const;

/** "the digit A is <relation> the digit B": where A is, seen from B. */
export const RELATIONS = ['left', 'right', 'top', 'bottom'] as const;
export type Relation = (typeof RELATIONS)[number];

/** "the digit A is at the <position> of the image". */
export const POSITIONS = ['top left', 'top right', 'bottom left', 'bottom right'] as const;
export type Position = (typeof POSITIONS)[number];

/** The split of MNIST's 10,000 test images into digit images for training and for testing. */
export const DIGIT_SPLIT = { train: 9000, test: 1000, seed: 20160205 } as const;

export type DigitSplit = 'train' | 'test';
/** `seen`: scenes of the training grammar; `novel`: only the held-out scenes (test split only). */
export type CaptionKind = 'seen' | 'novel';

export interface PairCaption {
  type: 'pair';
  /** The digit the sentence is about ("the digit 3 is ..."). */
  subject: Digit;
  relation: Relation;
  /** The digit it is placed against ("... of the digit 5"). */
  object: Digit;
}

export interface SingleCaption {
  type: 'single';
  digit: Digit;
  position: Position;
}

export type CaptionStructure = PairCaption | SingleCaption;

/** Canvas pixels, top-left corner at (x, y). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedDigit {
  digit: Digit;
  /** Which of MNIST's 10,000 test images was pasted. */
  mnistIndex: number;
  /** The pasted 28×28 image on the canvas. */
  box: Box;
  /** The tight box around its ink (pixels > 0) on the canvas; always inside `box`. */
  inkBox: Box;
}

export interface CaptionedMnistExample {
  caption: string;
  structure: CaptionStructure;
  /** The digits in the order the caption names them: the subject first. */
  digits: PlacedDigit[];
  /** True for a held-out scene (never drawn for training). */
  heldOut: boolean;
}

export interface CaptionedMnistBatch {
  count: number;
  /** `count × 60 × 60` pixels in [0, 1], row-major, 0 = background. */
  images: Float32Array;
  captions: string[];
  examples: CaptionedMnistExample[];
}

/**
 * Scenes never drawn for training. Each digit appears once on each side of each list, so every
 * digit is still seen in every place in training, only not next to these partners.
 */
export const HELD_OUT = {
  /** [left digit, right digit]: left = d, right = d + 3 (mod 10). */
  sideBySide: DIGITS.map((d) => [d, ((d + 3) % 10) as Digit] as const),
  /** [top digit, bottom digit]: top = d, bottom = d + 6 (mod 10). */
  stacked: DIGITS.map((d) => [d, ((d + 6) % 10) as Digit] as const),
  /** [digit, corner]: digit d never in corner d mod 4 (0, 4, 8 top left; 1, 5, 9 top right; ...). */
  corners: DIGITS.map((d) => [d, POSITIONS[d % 4]] as const),
} as const;

/** Where each digit of a caption goes: the scene it describes, whatever the wording. */
export type Layout =
  | { axis: 'horizontal'; left: Digit; right: Digit }
  | { axis: 'vertical'; top: Digit; bottom: Digit }
  | { axis: 'corner'; digit: Digit; position: Position };

export function layoutOf(structure: CaptionStructure): Layout {
  if (structure.type === 'single') return { axis: 'corner', digit: structure.digit, position: structure.position };
  const { subject, relation, object } = structure;
  switch (relation) {
    case 'left':
      return { axis: 'horizontal', left: subject, right: object };
    case 'right':
      return { axis: 'horizontal', left: object, right: subject };
    case 'top':
      return { axis: 'vertical', top: subject, bottom: object };
    case 'bottom':
      return { axis: 'vertical', top: object, bottom: subject };
  }
}

/** True when the caption's scene is held out of training. */
export function isHeldOut(structure: CaptionStructure): boolean {
  const layout = layoutOf(structure);
  switch (layout.axis) {
    case 'horizontal':
      return HELD_OUT.sideBySide.some(([l, r]) => l === layout.left && r === layout.right);
    case 'vertical':
      return HELD_OUT.stacked.some(([t, b]) => t === layout.top && b === layout.bottom);
    case 'corner':
      return HELD_OUT.corners.some(([d, p]) => d === layout.digit && p === layout.position);
  }
}

/** The eight caption forms, drawn equally often. */
type CaptionForm = { type: 'pair'; relation: Relation } | { type: 'single'; position: Position };
const FORMS: readonly CaptionForm[] = [
  ...RELATIONS.map((relation) => ({ type: 'pair', relation }) as const),
  ...POSITIONS.map((position) => ({ type: 'single', position }) as const),
];

const sameForm = (form: CaptionForm, s: CaptionStructure) =>
  form.type === 'pair' ? s.type === 'pair' && s.relation === form.relation : s.type === 'single' && s.position === form.position;

/** Every held-out caption (50: each held-out pair scene under its two wordings, and 10 corners). */
export const HELD_OUT_CAPTIONS: readonly CaptionStructure[] = [
  ...HELD_OUT.sideBySide.flatMap(([left, right]): PairCaption[] => [
    { type: 'pair', subject: left, relation: 'left', object: right },
    { type: 'pair', subject: right, relation: 'right', object: left },
  ]),
  ...HELD_OUT.stacked.flatMap(([top, bottom]): PairCaption[] => [
    { type: 'pair', subject: top, relation: 'top', object: bottom },
    { type: 'pair', subject: bottom, relation: 'bottom', object: top },
  ]),
  ...HELD_OUT.corners.map(([digit, position]): SingleCaption => ({ type: 'single', digit, position })),
];

// ---------------------------------------------------------------------------------------------
// Captions: structure → text, text → structure

const RELATION_PHRASE: Record<Relation, string> = {
  left: 'on the left of',
  right: 'on the right of',
  top: 'at the top of',
  bottom: 'at the bottom of',
};

/** The caption of a structure, as the generator writes it (ends with "."). */
export function captionText(structure: CaptionStructure): string {
  if (structure.type === 'single') return `the digit ${structure.digit} is at the ${structure.position} of the image.`;
  return `the digit ${structure.subject} is ${RELATION_PHRASE[structure.relation]} the digit ${structure.object}.`;
}

/** A caption outside the MNIST grammar, with the word where it left it. */
export class CaptionGrammarError extends AppError {
  readonly caption: string;
  /** 0-based index of the offending word in `words`, or `words.length` when the caption stops too early. */
  readonly position: number;
  readonly words: string[];

  constructor(caption: string, words: string[], position: number, problem: string) {
    super(
      'BAD_REQUEST',
      `"${caption.trim()}" is not a caption this model was trained on: ${problem}. ` +
        `Captions look like ${EXAMPLE_CAPTIONS.map((c) => `"${c}"`).join(', ')}.`,
      { details: { caption, position, words } },
    );
    this.name = 'CaptionGrammarError';
    this.caption = caption;
    this.position = position;
    this.words = words;
  }
}

const EXAMPLE_CAPTIONS = [
  'the digit 3 is on the left of the digit 5',
  'the digit 7 is at the bottom of the digit 2',
  'the digit 7 is at the top right of the image',
];

/** Punctuation a caption may carry that the grammar ignores (read as a space). */
export const CAPTION_PUNCTUATION = ['.', ',', ';', ':', '!', '?', '"', "'", '(', ')', '-'] as const;
const PUNCTUATION_PATTERN = new RegExp(`[${CAPTION_PUNCTUATION.map((c) => `\\${c}`).join('')}]`, 'g');

/**
 * The words of a caption, the way the grammar reads them: lower case, punctuation dropped
 * ("bottom-right" → "bottom right"), any whitespace between words.
 */
export function captionWords(caption: string): string[] {
  return caption
    .normalize('NFKC')
    .toLowerCase()
    .replace(PUNCTUATION_PATTERN, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/**
 * Reads a caption of the grammar back into its structure. Case, punctuation and "on"/"at" are
 * not checked ("The digit 3 is at the LEFT of the digit 5." reads as 3 left of 5); anything else
 * outside the grammar throws a `CaptionGrammarError` naming the word where it goes wrong.
 */
export function parseCaption(caption: string): CaptionStructure {
  const words = captionWords(caption);
  let at = 0;
  const fail = (problem: string): never => {
    throw new CaptionGrammarError(caption, words, at, problem);
  };
  const quoted = (w: string) => `"${w}"`;
  const where = () => (at < words.length ? `found "${words[at]}" (word ${at + 1})` : 'the caption ends there');
  const expectOne = <T extends string>(options: readonly T[]): T => {
    const word = words[at];
    if (!options.includes(word as T)) {
      const after = at > 0 ? ` after "${words.slice(0, at).join(' ')}"` : ' at the start';
      fail(`expected ${options.map(quoted).join(' or ')}${after}, ${where()}`);
    }
    at++;
    return word as T;
  };
  const expectDigit = (): Digit => {
    const word = words[at];
    if (word === undefined || !/^[0-9]$/.test(word)) {
      fail(`expected a digit written as a numeral 0–9 after "${words.slice(0, at).join(' ')}", ${where()}`);
    }
    at++;
    return Number(word) as Digit;
  };

  expectOne(['the']);
  expectOne(['digit']);
  const subject = expectDigit();
  expectOne(['is']);
  expectOne(['on', 'at']);
  expectOne(['the']);
  const side = expectOne(RELATIONS);
  let structure: CaptionStructure;
  if ((side === 'top' || side === 'bottom') && (words[at] === 'left' || words[at] === 'right')) {
    const position = `${side} ${words[at]}` as Position;
    at++;
    expectOne(['of']);
    expectOne(['the']);
    expectOne(['image']);
    structure = { type: 'single', digit: subject, position };
  } else {
    expectOne(['of']);
    expectOne(['the']);
    expectOne(['digit']);
    const object = expectDigit();
    structure = { type: 'pair', subject, relation: side, object };
  }
  if (at < words.length) fail(`unexpected words after the end of the caption: "${words.slice(at).join(' ')}"`);
  return structure;
}

// ---------------------------------------------------------------------------------------------
// Digit images: the fixed train/test split of MNIST's test images

export interface DigitImages {
  count: number;
  /** `count × 28 × 28` grey levels 0–255. */
  pixels: Uint8Array;
  labels: Uint8Array;
  /** Index of each image among MNIST's 10,000 test images. */
  mnistIndices: Int32Array;
  /** Positions (into this split) of the images of each digit. */
  byDigit: Int32Array[];
  /** Tight ink box of each image in its own 28×28 frame. */
  inkBoxes: Box[];
}

export interface MnistDigitSplits {
  train: DigitImages;
  test: DigitImages;
}

function inkBoxOf(pixels: Uint8Array, offset: number): Box {
  let x0 = DIGIT_SIZE, y0 = DIGIT_SIZE, x1 = -1, y1 = -1;
  for (let y = 0; y < DIGIT_SIZE; y++) {
    for (let x = 0; x < DIGIT_SIZE; x++) {
      if (pixels[offset + y * DIGIT_SIZE + x] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  // A blank image (none in MNIST) gets an empty box at its centre.
  if (x1 < 0) return { x: DIGIT_SIZE / 2, y: DIGIT_SIZE / 2, width: 0, height: 0 };
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

function digitImages(set: MnistSet, indices: number[]): DigitImages {
  const size = DIGIT_SIZE * DIGIT_SIZE;
  const pixels = new Uint8Array(indices.length * size);
  indices.forEach((source, i) => pixels.set(set.images.subarray(source * size, (source + 1) * size), i * size));
  const labels = Uint8Array.from(indices, (i) => set.labels[i]);
  const byDigit = DIGITS.map((d) => Int32Array.from(indices.keys()).filter((i) => labels[i] === d));
  for (const d of DIGITS) {
    if (byDigit[d].length === 0) throw new Error(`the digit images hold no ${d}`);
  }
  return {
    count: indices.length,
    pixels,
    labels,
    mnistIndices: Int32Array.from(indices),
    byDigit,
    inkBoxes: indices.map((_, i) => inkBoxOf(pixels, i * size)),
  };
}

/** Splits MNIST's test images into training and test digit images (`DIGIT_SPLIT`). */
export function splitMnistDigits(set: MnistSet): MnistDigitSplits {
  if (set.rows !== DIGIT_SIZE || set.cols !== DIGIT_SIZE) throw new Error(`MNIST images are ${set.rows}×${set.cols}, expected 28×28`);
  const total = DIGIT_SPLIT.train + DIGIT_SPLIT.test;
  if (set.count < total) throw new Error(`MNIST test set has ${set.count} images, expected ${total}`);
  const order = seededShuffle(Array.from({ length: set.count }, (_, i) => i), DIGIT_SPLIT.seed);
  return {
    train: digitImages(set, order.slice(0, DIGIT_SPLIT.train)),
    test: digitImages(set, order.slice(DIGIT_SPLIT.train, total)),
  };
}

const loaded = new Map<string, Promise<MnistDigitSplits>>();

/** The digit splits of `<dataDir>/mnist` (loaded once per directory). */
export function loadMnistDigitSplits(dataDir?: string): Promise<MnistDigitSplits> {
  const key = dataDir ?? '';
  let splits = loaded.get(key);
  if (!splits) {
    splits = loadMnistTest(dataDir).then(splitMnistDigits);
    splits.catch(() => loaded.delete(key));
    loaded.set(key, splits);
  }
  return splits;
}

// ---------------------------------------------------------------------------------------------
// Canvases

type Random = () => number;
/** An integer in [lo, hi], both included. */
const between = (random: Random, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(random: Random, items: ArrayLike<T>): T => items[Math.floor(random() * items.length)];

/** Most a box is shifted from its slot; side by side boxes' tops differ by ≤ 4, far below 28. */
const JITTER = 4;
const FAR = CANVAS - DIGIT_SIZE - JITTER; // 28: the left/top edge of a right/bottom slot
const MIDDLE = (CANVAS - DIGIT_SIZE) / 2; // 16: a centred box

/** Top-left corners of the layout's digits (left/top first), jittered, never overlapping. */
function placeDigits(layout: Layout, random: Random): Array<{ x: number; y: number }> {
  const across = () => between(random, MIDDLE - JITTER / 2, MIDDLE + JITTER / 2);
  const near = () => between(random, 0, JITTER);
  // The second box starts at least one box width after the first, and ends inside the canvas.
  const after = (first: number) => between(random, first + DIGIT_SIZE, CANVAS - DIGIT_SIZE);
  switch (layout.axis) {
    case 'horizontal': {
      const left = near();
      return [
        { x: left, y: across() },
        { x: after(left), y: across() },
      ];
    }
    case 'vertical': {
      const top = near();
      return [
        { x: across(), y: top },
        { x: across(), y: after(top) },
      ];
    }
    case 'corner': {
      const far = () => between(random, FAR, FAR + JITTER);
      const [vertical, horizontal] = layout.position.split(' ');
      return [{ x: horizontal === 'left' ? near() : far(), y: vertical === 'top' ? near() : far() }];
    }
  }
}

/** The caption's digits in scene order (left/top first) → the caption's order (subject first). */
function sceneOrderToCaptionOrder<T>(structure: CaptionStructure, scene: T[]): T[] {
  if (structure.type === 'pair' && (structure.relation === 'right' || structure.relation === 'bottom')) return [scene[1], scene[0]];
  return scene;
}

/** Grey level 0–255 → [0, 1]. */
const GREY = Float32Array.from({ length: 256 }, (_, g) => g / 255);

/** Pastes the images (positions into `images`) for `structure` onto canvas `n` of `out`. */
function drawExample(
  out: Float32Array,
  n: number,
  structure: CaptionStructure,
  images: DigitImages,
  imageIds: number[],
  random: Random,
): CaptionedMnistExample {
  const corners = sceneOrderToCaptionOrder(structure, placeDigits(layoutOf(structure), random));
  const canvas = n * CANVAS_PIXELS;
  const size = DIGIT_SIZE * DIGIT_SIZE;
  const digits = imageIds.map((id, k): PlacedDigit => {
    const { x, y } = corners[k];
    for (let r = 0; r < DIGIT_SIZE; r++) {
      const from = id * size + r * DIGIT_SIZE;
      const to = canvas + (y + r) * CANVAS + x;
      for (let c = 0; c < DIGIT_SIZE; c++) out[to + c] = GREY[images.pixels[from + c]];
    }
    const ink = images.inkBoxes[id];
    return {
      digit: images.labels[id] as Digit,
      mnistIndex: images.mnistIndices[id],
      box: { x, y, width: DIGIT_SIZE, height: DIGIT_SIZE },
      inkBox: { x: x + ink.x, y: y + ink.y, width: ink.width, height: ink.height },
    };
  });
  return { caption: captionText(structure), structure, digits, heldOut: isHeldOut(structure) };
}

const captionDigits = (s: CaptionStructure): Digit[] => (s.type === 'pair' ? [s.subject, s.object] : [s.digit]);

/** A fresh seed for batch `index` of a stream seeded `seed`. */
export function batchSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

export interface CaptionedMnistOptions {
  split: DigitSplit;
  /** `seen` (default): the training grammar's scenes; `novel`: held-out scenes, test split only. */
  kind?: CaptionKind;
  count: number;
  seed: number;
}

/**
 * `count` captioned canvases. `seen` draws one of the eight caption forms uniformly, then digit
 * images uniformly from the split, redrawing held-out scenes; `novel` draws a form, then one of
 * its held-out scenes uniformly, then images of those digits.
 */
export function captionedMnist(digits: MnistDigitSplits, options: CaptionedMnistOptions): CaptionedMnistBatch {
  const { split, kind = 'seen', count, seed } = options;
  if (kind === 'novel' && split === 'train') {
    throw new Error('novel captions are held out of training: ask for split "test" with kind "novel"');
  }
  if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a whole number ≥ 0, got ${count}`);
  const images = digits[split];
  const random = mulberry32(seed);
  const out = new Float32Array(count * CANVAS_PIXELS);
  const examples: CaptionedMnistExample[] = [];
  for (let n = 0; n < count; n++) {
    const form = pick(random, FORMS);
    let structure: CaptionStructure;
    let imageIds: number[];
    if (kind === 'novel') {
      structure = pick(random, HELD_OUT_CAPTIONS.filter((s) => sameForm(form, s)));
      imageIds = captionDigits(structure).map((d) => pick(random, images.byDigit[d]));
    } else {
      do {
        imageIds = form.type === 'pair' ? [between(random, 0, images.count - 1), between(random, 0, images.count - 1)] : [between(random, 0, images.count - 1)];
        const [a, b] = imageIds.map((id) => images.labels[id] as Digit);
        structure =
          form.type === 'pair'
            ? { type: 'pair', subject: a, relation: form.relation, object: b }
            : { type: 'single', digit: a, position: form.position };
      } while (isHeldOut(structure));
    }
    examples.push(drawExample(out, n, structure, images, imageIds, random));
  }
  return { count, images: out, captions: examples.map((e) => e.caption), examples };
}

/**
 * Batches of fresh canvases, one seed per batch derived from `seed` (`batchSeed`): a training
 * loop can take `batches` per epoch with `seed = epoch`. Endless unless `batches` is given.
 */
export function* captionedMnistBatches(
  digits: MnistDigitSplits,
  options: { split: DigitSplit; kind?: CaptionKind; batchSize: number; seed: number; batches?: number },
): Generator<CaptionedMnistBatch> {
  const { batchSize, seed, batches = Infinity } = options;
  for (let b = 0; b < batches; b++) {
    yield captionedMnist(digits, { split: options.split, kind: options.kind, count: batchSize, seed: batchSeed(seed, b) });
  }
}

/**
 * Real canvases for given captions (e.g. a user's, after `parseCaption`): random digit images of
 * the named digits from `split`, placed as the caption says. Held-out captions are refused for the
 * training split.
 */
export function captionedMnistFor(
  digits: MnistDigitSplits,
  structures: readonly CaptionStructure[],
  options: { split: DigitSplit; seed: number },
): CaptionedMnistBatch {
  const images = digits[options.split];
  const random = mulberry32(options.seed);
  const out = new Float32Array(structures.length * CANVAS_PIXELS);
  const examples = structures.map((structure, n) => {
    if (options.split === 'train' && isHeldOut(structure)) {
      throw new Error(`"${captionText(structure)}" is held out of training: draw it from the test split`);
    }
    const imageIds = captionDigits(structure).map((d) => pick(random, images.byDigit[d]));
    return drawExample(out, n, structure, images, imageIds, random);
  });
  return { count: structures.length, images: out, captions: examples.map((e) => e.caption), examples };
}

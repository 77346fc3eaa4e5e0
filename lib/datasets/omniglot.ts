/**
 * Omniglot (Lake, Salakhutdinov & Tenenbaum 2015), read straight from the zips in
 * `<DATA_DIR>/omniglot/` with fflate, in memory (nothing is extracted to disk):
 *
 * - `images_background_small{1,2}.zip`: `images_background_smallN/<alphabet>/<characterNN>/<CCCC>_<DD>.png`,
 *   105×105 1-bit PNGs (black ink on white). `CCCC` is the character's global number, `DD` the
 *   drawer (01–20).
 * - `strokes_background_small{1,2}.zip`: the same tree under `strokes_background_smallN/`, with
 *   `<CCCC>_<DD>.txt` stroke files. These zips also hold macOS junk (`__MACOSX/`, `.DS_Store`),
 *   which is skipped. Images and strokes are paired by `<alphabet>/<character>/<CCCC>_<DD>`.
 * - `all_runs.zip`: `runNN/training/classNN.png`, `runNN/test/itemNN.png` and
 *   `runNN/class_labels.txt`, whose lines read `runNN/test/itemKK.png runNN/training/classMM.png`
 *   (the answer key: the true class of each test item).
 *
 * Stroke coordinates are as in Lake's files: x right, y *negated* (y = −row), in pixels of the
 * 105×105 image, t in ms. Lake's own code flips y (`space_motor_to_img`) before drawing. A few
 * points fall slightly outside the image (x up to ~113, y down to ~−118).
 */
import fsp from 'node:fs/promises';
import { unzipSync, type Unzipped } from 'fflate';
import sharp from 'sharp';
import { env } from '@/lib/env';
import { DatasetFormatError, datasetPath } from './paths';

export interface StrokePoint {
  x: number;
  y: number;
  /** Milliseconds since the drawing started. */
  t: number;
}
/** One pen-down trajectory. */
export type Stroke = StrokePoint[];

export interface OmniglotDrawing {
  /** Drawer number, 1–20 (the `DD` of `CCCC_DD.png`). */
  drawer: number;
  /** File stem, e.g. `0108_01`. */
  name: string;
  /** The 105×105 PNG, as stored in the zip. Decode with `decodeOmniglotPng`. */
  png: Uint8Array;
  /** Pen trajectory; absent when strokes were not requested or the stroke file is missing. */
  strokes?: Stroke[];
}

export interface OmniglotCharacter {
  alphabet: string;
  /** Folder name within the alphabet, e.g. `character01`. */
  character: string;
  /** Sorted by drawer. */
  drawings: OmniglotDrawing[];
}

export type OmniglotBackgroundSplit = 'small1' | 'small2';

export interface OneShotImage {
  /** File stem: `class01`…`class20` or `item01`…`item20`. */
  name: string;
  png: Uint8Array;
}

export interface OneShotRun {
  /** 1–20. */
  run: number;
  /** The 20 training images, one per class, in `class01`…`class20` order. */
  training: OneShotImage[];
  /** The 20 test images, `item01`…`item20` order. */
  test: OneShotImage[];
  /** `answers[i]` is the index into `training` of test image `i`'s true class (from class_labels.txt). */
  answers: number[];
}

export const OMNIGLOT_SIZE = 105;

const decoder = new TextDecoder('utf-8');

function readZip(file: string, bytes: Uint8Array, filter?: (name: string) => boolean): Unzipped {
  try {
    return unzipSync(bytes, filter ? { filter: (f) => filter(f.name) } : undefined);
  } catch (error) {
    throw new DatasetFormatError(file, `not a readable zip (${(error as Error).message})`, { cause: error });
  }
}

/** macOS metadata (`__MACOSX/`, `.DS_Store`, `._x`) and folder entries. */
function isJunk(name: string): boolean {
  if (name.endsWith('/') || name.startsWith('__MACOSX/')) return true;
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base.startsWith('.');
}

/** `<top>/<alphabet>/<character>/<stem>.<ext>` → parts, or null for other shapes. */
function splitEntry(name: string, ext: string): { alphabet: string; character: string; stem: string } | null {
  if (!name.endsWith(ext)) return null;
  const parts = name.split('/');
  if (parts.length < 4) return null;
  const [alphabet, character, fileName] = parts.slice(-3);
  return { alphabet, character, stem: fileName.slice(0, -ext.length) };
}

// Powers of ten that are exact doubles: mantissa / POW10[k] is then correctly rounded, i.e. equal to Number().
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** End index of the last number read by `scanNumber` (module scratch, to avoid allocating). */
let scanEnd = 0;

/**
 * Reads a decimal number from s[i..end), stopping at the first character that cannot continue it,
 * and sets `scanEnd`. Plain `-12.345` forms with ≤ 15 digits take a fast path; anything else
 * (exponents, long mantissas, spaces) falls back to `Number()` on the text up to the next comma.
 * Returns NaN when there is no number.
 */
function scanNumber(s: string, i: number, end: number): number {
  const start = i;
  let negative = false;
  let c = s.charCodeAt(i);
  if (c === 45 /* - */ || c === 43 /* + */) {
    negative = c === 45;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    i++;
  }
  if (i < end && s.charCodeAt(i) === 46 /* . */) {
    i++;
    while (i < end && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      fraction++;
      i++;
    }
  }
  if (digits > 0 && digits <= 15 && (i === end || s.charCodeAt(i) === 44 /* , */)) {
    scanEnd = i;
    const value = fraction === 0 ? mantissa : mantissa / POW10[fraction];
    return negative ? -value : value;
  }
  let j = start;
  while (j < end && s.charCodeAt(j) !== 44) j++;
  scanEnd = j;
  const token = s.slice(start, j);
  return token.trim() === '' ? NaN : Number(token);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13; // space, tab, CR
}

/**
 * Parses one of Lake's stroke files: `START` begins the character, each `x,y,t` line is a point,
 * `BREAK` ends a stroke (pen up). Blank lines and CRLF are ignored; points left after the last
 * `BREAK` form a final stroke. Malformed lines throw a DatasetFormatError naming the line.
 *
 * Hand-rolled (char codes, no per-line split/slice): each stroke zip holds ~380k lines, and this
 * is about 3× faster than `split(',').map(Number)`, with identical values.
 */
export function parseStrokes(text: string, file = 'strokes'): Stroke[] {
  const strokes: Stroke[] = [];
  let current: Stroke | null = null;
  let lineNo = 0;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = n;
    lineNo++;
    let a = pos;
    let b = end;
    pos = end + 1;
    while (a < b && isBlank(text.charCodeAt(a))) a++;
    while (b > a && isBlank(text.charCodeAt(b - 1))) b--;
    if (a === b) continue;
    if (b - a === 5 && text.startsWith('START', a)) {
      if (current && current.length > 0) strokes.push(current);
      current = [];
    } else if (b - a === 5 && text.startsWith('BREAK', a)) {
      if (current === null) throw new DatasetFormatError(file, 'BREAK before START', { line: lineNo });
      if (current.length > 0) strokes.push(current);
      current = [];
    } else {
      if (current === null) throw new DatasetFormatError(file, 'point before START', { line: lineNo });
      const x = scanNumber(text, a, b);
      let ok = scanEnd < b;
      const y = ok ? scanNumber(text, scanEnd + 1, b) : NaN;
      ok = ok && scanEnd < b;
      const t = ok ? scanNumber(text, scanEnd + 1, b) : NaN;
      ok = ok && scanEnd === b && Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(t);
      if (!ok) {
        throw new DatasetFormatError(file, `expected "x,y,t", START or BREAK, got ${JSON.stringify(text.slice(a, Math.min(b, a + 80)))}`, {
          line: lineNo,
        });
      }
      current.push({ x, y, t });
    }
  }
  if (current && current.length > 0) strokes.push(current);
  return strokes;
}

function drawerOf(stem: string, file: string): number {
  const match = /_(\d+)$/.exec(stem);
  if (!match) throw new DatasetFormatError(file, `image name ${stem} is not <character>_<drawer>`);
  return Number(match[1]);
}

/**
 * One of the two "minimal" background splits: 136 (small1) or 156 (small2) characters × 20
 * drawers, each image paired with its stroke file. Sorted by alphabet, then character.
 * `options.strokes: false` skips the (larger) stroke zip.
 */
export async function loadOmniglotBackground(
  split: OmniglotBackgroundSplit,
  dataDir: string = env.DATA_DIR,
  options: { strokes?: boolean } = {},
): Promise<OmniglotCharacter[]> {
  const wantStrokes = options.strokes ?? true;
  const imagesZip = datasetPath(dataDir, 'omniglot', `images_background_${split}.zip`);
  const strokesZip = wantStrokes ? datasetPath(dataDir, 'omniglot', `strokes_background_${split}.zip`) : null;
  const [imageBytes, strokeBytes] = await Promise.all([
    fsp.readFile(imagesZip),
    strokesZip ? fsp.readFile(strokesZip) : Promise.resolve(null),
  ]);

  const keep = (ext: string) => (name: string) => !isJunk(name) && name.endsWith(ext);
  const images = readZip(imagesZip, imageBytes, keep('.png'));
  const strokeFiles = strokesZip && strokeBytes ? readZip(strokesZip, strokeBytes, keep('.txt')) : {};

  const strokesByKey = new Map<string, string>();
  for (const name of Object.keys(strokeFiles)) {
    const parts = splitEntry(name, '.txt');
    if (parts) strokesByKey.set(`${parts.alphabet}/${parts.character}/${parts.stem}`, name);
  }

  const characters = new Map<string, OmniglotCharacter>();
  for (const [name, png] of Object.entries(images)) {
    const parts = splitEntry(name, '.png');
    if (!parts) continue;
    const where = `${imagesZip}!${name}`;
    const key = `${parts.alphabet}/${parts.character}`;
    let character = characters.get(key);
    if (!character) {
      character = { alphabet: parts.alphabet, character: parts.character, drawings: [] };
      characters.set(key, character);
    }
    const drawing: OmniglotDrawing = { drawer: drawerOf(parts.stem, where), name: parts.stem, png };
    const strokeName = strokesByKey.get(`${key}/${parts.stem}`);
    if (strokeName !== undefined) {
      drawing.strokes = parseStrokes(decoder.decode(strokeFiles[strokeName]), `${strokesZip}!${strokeName}`);
    }
    character.drawings.push(drawing);
  }
  if (characters.size === 0) throw new DatasetFormatError(imagesZip, 'no <alphabet>/<character>/<name>.png entries');

  const list = [...characters.values()];
  for (const c of list) c.drawings.sort((a, b) => a.drawer - b.drawer || a.name.localeCompare(b.name));
  list.sort((a, b) => a.alphabet.localeCompare(b.alphabet) || a.character.localeCompare(b.character));
  return list;
}

/**
 * The 20 one-shot classification runs from `all_runs.zip` (evaluation alphabets), each with its
 * 20 training images (one per class), 20 test images and the answer key from `class_labels.txt`.
 */
export async function loadOneShotRuns(dataDir: string = env.DATA_DIR): Promise<OneShotRun[]> {
  const zipFile = datasetPath(dataDir, 'omniglot', 'all_runs.zip');
  const entries = readZip(zipFile, await fsp.readFile(zipFile), (name) => !isJunk(name));

  const runs = new Map<string, { training: Map<string, Uint8Array>; test: Map<string, Uint8Array>; labels?: string }>();
  const runOf = (dir: string) => {
    let run = runs.get(dir);
    if (!run) runs.set(dir, (run = { training: new Map(), test: new Map() }));
    return run;
  };
  for (const [name, data] of Object.entries(entries)) {
    const image = /^(run\d+)\/(training|test)\/([^/]+)\.png$/.exec(name);
    if (image) {
      runOf(image[1])[image[2] as 'training' | 'test'].set(image[3], data);
      continue;
    }
    const labels = /^(run\d+)\/class_labels\.txt$/.exec(name);
    if (labels) runOf(labels[1]).labels = decoder.decode(data);
  }
  if (runs.size === 0) throw new DatasetFormatError(zipFile, 'no runNN/ folders');

  const result: OneShotRun[] = [];
  for (const dir of [...runs.keys()].sort()) {
    const run = runs.get(dir)!;
    const where = `${zipFile}!${dir}/class_labels.txt`;
    if (run.labels === undefined) throw new DatasetFormatError(`${zipFile}!${dir}`, 'no class_labels.txt');
    const trainingNames = [...run.training.keys()].sort();
    const testNames = [...run.test.keys()].sort();
    const trainingIndex = new Map(trainingNames.map((n, i) => [n, i]));
    const testIndex = new Map(testNames.map((n, i) => [n, i]));
    const answers: (number | undefined)[] = new Array(testNames.length).fill(undefined);

    run.labels.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') return;
      const match = /^(?:\S*\/)?test\/([^/\s]+)\.png\s+(?:\S*\/)?training\/([^/\s]+)\.png$/.exec(line);
      if (!match) throw new DatasetFormatError(where, `expected "<run>/test/itemNN.png <run>/training/classNN.png", got ${JSON.stringify(line)}`, { line: i + 1 });
      const t = testIndex.get(match[1]);
      const c = trainingIndex.get(match[2]);
      if (t === undefined) throw new DatasetFormatError(where, `test image ${match[1]}.png is not in the zip`, { line: i + 1 });
      if (c === undefined) throw new DatasetFormatError(where, `training image ${match[2]}.png is not in the zip`, { line: i + 1 });
      if (answers[t] !== undefined) throw new DatasetFormatError(where, `${match[1]} is labelled twice`, { line: i + 1 });
      answers[t] = c;
    });
    const unlabelled = testNames.filter((_, i) => answers[i] === undefined);
    if (unlabelled.length > 0) throw new DatasetFormatError(where, `no label for ${unlabelled.join(', ')}`);

    result.push({
      run: Number(dir.slice(3)),
      training: trainingNames.map((name) => ({ name, png: run.training.get(name)! })),
      test: testNames.map((name) => ({ name, png: run.test.get(name)! })),
      answers: answers as number[],
    });
  }
  return result;
}

/**
 * Decodes an Omniglot PNG to 105×105 floats, row-major, ink = 1 and background = 0
 * (the files are black ink on white, so this inverts them).
 */
export async function decodeOmniglotPng(png: Uint8Array): Promise<Float32Array> {
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    decoded = await sharp(png).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new DatasetFormatError('Omniglot PNG', `cannot decode (${(error as Error).message})`, { cause: error });
  }
  const { data, info } = decoded;
  if (info.width !== OMNIGLOT_SIZE || info.height !== OMNIGLOT_SIZE || info.channels !== 1) {
    throw new DatasetFormatError(
      'Omniglot PNG',
      `decoded to ${info.width}×${info.height}×${info.channels}, expected ${OMNIGLOT_SIZE}×${OMNIGLOT_SIZE}×1`,
    );
  }
  const out = new Float32Array(OMNIGLOT_SIZE * OMNIGLOT_SIZE);
  for (let i = 0; i < out.length; i++) out[i] = 1 - data[i] / 255;
  return out;
}

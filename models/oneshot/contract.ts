/**
 * What the one-shot model answers through the model server (`oneshot`). One request does one of
 * two things with one drawing (pen strokes in Omniglot's 105×105 frame, y down):
 *
 * - `variants`: `count` new drawings of the character, reproducible from `seed`. Each variant is
 *   reported as progress the moment it is drawn (`preview: VariantPreview`), so a page can fill
 *   its grid one by one; the result has them all.
 * - `classify`: which of one-shot run `run`'s 20 characters (Lake et al.'s runs, evaluation
 *   alphabets) the drawing is, as a ranking over the 20, most probable first.
 *
 * Images cross the server as packed bitmaps: 105×105 pixels, one bit each (1 = ink), row-major,
 * most significant bit first, 1,379 bytes, where a byte per pixel would take 11,025.
 */
import type { Drawing } from '@/lib/strokes';

export const IMAGE_SIZE = 105;
export const MAX_VARIANTS = 16;
export const RUN_COUNT = 20;
export const RUN_CHARACTERS = 20;
export const BITMAP_BYTES = Math.ceil((IMAGE_SIZE * IMAGE_SIZE) / 8);

export type OneShotInput =
  | { task: 'variants'; drawing: Drawing; /** 1–16. */ count: number; /** 0 – 2³¹−1. */ seed: number }
  | { task: 'classify'; drawing: Drawing; /** 1–20. */ run: number };

/** Progress preview when variant `index` (0-based) has been drawn. */
export interface VariantPreview {
  index: number;
  count: number;
  /** The variant as a packed 105×105 bitmap. */
  bitmap: Uint8Array;
}

export interface VariantsOutput {
  task: 'variants';
  /** One packed 105×105 bitmap per variant. */
  bitmaps: Uint8Array[];
  /** The variants' pen strokes. */
  strokes: Drawing[];
}

export interface RankedCharacter {
  /** 0-based index into the run's training characters (`class01` is 0). */
  index: number;
  /** log p(drawing | character) up to a constant shared by the 20. */
  logScore: number;
  /** Its share of the probability over the run's 20 characters. */
  probability: number;
}

/** Whether the drawing is any of the run's characters at all (models/oneshot/abstention.ts). */
export interface NoneOfThese {
  /** True: no character fits well enough; the ranking is still given. */
  noneOfThese: boolean;
  /** What is compared: the best score, the best share, or the best score's margin over the median. */
  statistic: 'score' | 'probability' | 'margin';
  /** The drawing's value of it, and the value below which it is "none of these" (chosen on background characters). */
  confidence: number;
  threshold: number;
}

export interface ClassifyOutput {
  task: 'classify';
  run: number;
  ranking: RankedCharacter[];
  /** Null where the checkpoint has no abstention.json: the model always answers. */
  abstention: NoneOfThese | null;
}

export type OneShotOutput = VariantsOutput | ClassifyOutput;

/** A binary image (ink > 0.5) → packed bitmap. */
export function packBitmap(image: Float32Array | Uint8Array, threshold = 0.5): Uint8Array {
  const bits = new Uint8Array(Math.ceil(image.length / 8));
  for (let i = 0; i < image.length; i++) if (image[i] > threshold) bits[i >> 3] |= 0x80 >> (i & 7);
  return bits;
}

/** Packed bitmap → canvas bytes, `ink` for ink pixels and `paper` for the rest. */
export function unpackBitmap(bits: Uint8Array, pixels = IMAGE_SIZE * IMAGE_SIZE, ink = 0, paper = 255): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) out[i] = bits[i >> 3] & (0x80 >> (i & 7)) ? ink : paper;
  return out;
}

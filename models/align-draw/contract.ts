/**
 * What alignDRAW answers through the model server. Two models share this contract:
 *
 * - `align-draw-mnist`: captions of the MNIST grammar ("the digit 3 is on the left of the digit 5")
 *   → 60×60 grey canvases;
 * - `align-draw-corel`: captions made of Corel-5k tags ("water sky tree") → 32×32 colour photos;
 * - `align-draw-flickr`: any English sentence ("a dog runs on the beach"), read in word pieces
 *   learned from Flickr8k's training sentences → 32×32 colour photos. What no piece spells (an
 *   emoji) is left out and named, not refused.
 *
 * One request draws `samples` images of one caption. Every drawing step is reported as progress
 * with `preview: DrawingStep`, so a page can show the canvases being drawn; the result carries the
 * final canvases, the per-step canvases of every sample, the alignment of every step over the
 * caption's words (steps × words, each row sums to 1) and the write-attention box of every step.
 * The same caption, sample count, seed and temperature give the same images.
 */
export const CAPTION_MODELS = ['align-draw-mnist', 'align-draw-corel', 'align-draw-flickr'] as const;
export type CaptionModel = (typeof CAPTION_MODELS)[number];

/**
 * The sampling temperature a drawing gets when the request names none. MNIST: 0.5, where drawings of
 * validation captions (not the evaluation's) were mostly right yet still varied; `npm run
 * eval:caption` prints correctness and diversity at 1, 0.7, 0.5, 0.3 and 0. Corel: the prior itself.
 */
export const DEFAULT_TEMPERATURE: Record<CaptionModel, number> = { 'align-draw-mnist': 0.5, 'align-draw-corel': 1, 'align-draw-flickr': 1 };

export const MAX_SAMPLES = 16;
export const MAX_CAPTION_CHARS = 200;

export interface DrawInput {
  caption: string;
  /** 1–16. */
  samples: number;
  /** Any integer 0 – 2^31−1; sample i uses the stream seeded by (seed, i). */
  seed: number;
  /** 0–1, how far each step's latent strays from the prior's mean (z = μ + τσε); absent: 1. */
  temperature?: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CanvasShape {
  width: number;
  height: number;
  /** 1: grey, 3: RGB (pixel-interleaved). */
  channels: 1 | 3;
}

/** Progress preview after drawing step `step` (1-based) of `steps`. */
export interface DrawingStep extends CanvasShape {
  step: number;
  steps: number;
  /** One canvas per sample: `height × width × channels` bytes, 0 = black. */
  canvases: Uint8Array[];
  /** Where each sample's write attention looked at this step. */
  writeBoxes: Box[];
}

export interface Drawing extends CanvasShape {
  /** The caption's words as the model read them (what the alignment columns are). */
  words: string[];
  /** What the model left out because no word piece spells it (free text only; absent otherwise). */
  dropped?: string[];
  steps: number;
  /** Final canvases, one per sample: `height × width × channels` bytes. */
  images: Uint8Array[];
  /** `samples × steps` canvases (each `height × width × channels` bytes), for replaying the drawing. */
  stepCanvases: Uint8Array[][];
  /** `samples × steps × words`: how much each step attended to each word. */
  alignments: number[][][];
  /** `samples × steps` write-attention boxes. */
  writeBoxes: Box[][];
}

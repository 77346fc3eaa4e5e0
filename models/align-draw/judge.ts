/**
 * Is the picture right? Finds the digits on a canvas (generated or real) without looking at the
 * caption, cuts each out the way MNIST was made (the ink's bounding box scaled into 20×20 and
 * centred by its centre of mass in 28×28), and says where they are relative to each other. A
 * separate digit classifier (digit-classifier.ts) then reads the cut-outs; `verdict` compares
 * both with what the caption asked for.
 */

import { DIGIT_SIZE, layoutOf, type CaptionStructure } from './data';

const BOX = 20;

export interface Blob {
  /** Ink-weighted centre, in canvas pixels. */
  cx: number;
  cy: number;
  /** Bounding box of the blob's ink, inclusive. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Total ink (sum of intensities over the blob). */
  mass: number;
  /** The blob cut out MNIST-style: 28×28, ink in [0, 1]. */
  digit: Float32Array;
}

/** Pixels fainter than this share of the canvas's brightest pixel are background. */
const INK = 0.25;

/**
 * Splits a canvas's ink into `count` blobs (1 or 2) by weighted k-means on the ink pixels'
 * coordinates, so two digits side by side or one above the other come apart whatever the
 * caption said. Returns null when there is no ink at all.
 */
export function findDigits(canvas: ArrayLike<number>, size: number, count: 1 | 2): Blob[] | null {
  let peak = 0;
  for (let i = 0; i < size * size; i++) peak = Math.max(peak, canvas[i]);
  if (peak <= 0.05) return null;
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = canvas[y * size + x];
      if (v >= INK * peak) {
        xs.push(x);
        ys.push(y);
        ws.push(v);
      }
    }
  }
  const assignment = new Uint8Array(xs.length);
  const centres = count === 2 ? twoMeans(xs, ys, ws, assignment) : [];
  const nearest = (x: number, y: number) => ((x - centres[1][0]) ** 2 + (y - centres[1][1]) ** 2 < (x - centres[0][0]) ** 2 + (y - centres[0][1]) ** 2 ? 1 : 0);
  const blobs: Blob[] = [];
  for (let k = 0; k < count; k++) {
    let mass = 0, sx = 0, sy = 0, x0 = size, y0 = size, x1 = -1, y1 = -1;
    for (let i = 0; i < xs.length; i++) {
      if (assignment[i] !== k) continue;
      mass += ws[i];
      sx += ws[i] * xs[i];
      sy += ws[i] * ys[i];
      x0 = Math.min(x0, xs[i]);
      x1 = Math.max(x1, xs[i]);
      y0 = Math.min(y0, ys[i]);
      y1 = Math.max(y1, ys[i]);
    }
    if (mass === 0) return null;
    // Only this blob's ink: pixels nearer the other blob's centre are left out.
    const mask = (x: number, y: number) => nearest(x, y) === k;
    blobs.push({ cx: sx / mass, cy: sy / mass, x0, y0, x1, y1, mass, digit: cutOut(canvas, size, { x0, y0, x1, y1 }, count === 2 ? mask : undefined) });
  }
  return blobs;
}

/** Two-centre k-means on weighted points, started from the two points farthest apart along the wider axis. */
function twoMeans(xs: number[], ys: number[], ws: number[], assignment: Uint8Array): number[][] {
  const spread = (v: number[]) => Math.max(...v) - Math.min(...v);
  const along = spread(xs) >= spread(ys) ? xs : ys;
  let lo = 0, hi = 0;
  along.forEach((v, i) => {
    if (v < along[lo]) lo = i;
    if (v > along[hi]) hi = i;
  });
  const centres = [
    [xs[lo], ys[lo]],
    [xs[hi], ys[hi]],
  ];
  for (let iteration = 0; iteration < 20; iteration++) {
    let changed = false;
    for (let i = 0; i < xs.length; i++) {
      const d0 = (xs[i] - centres[0][0]) ** 2 + (ys[i] - centres[0][1]) ** 2;
      const d1 = (xs[i] - centres[1][0]) ** 2 + (ys[i] - centres[1][1]) ** 2;
      const k = d1 < d0 ? 1 : 0;
      if (assignment[i] !== k) changed = true;
      assignment[i] = k;
    }
    for (const k of [0, 1]) {
      let m = 0, sx = 0, sy = 0;
      for (let i = 0; i < xs.length; i++) {
        if (assignment[i] !== k) continue;
        m += ws[i];
        sx += ws[i] * xs[i];
        sy += ws[i] * ys[i];
      }
      if (m > 0) centres[k] = [sx / m, sy / m];
    }
    if (!changed && iteration > 0) break;
  }
  return centres;
}

/**
 * MNIST's normalisation: the box scaled (aspect kept, bilinear) so its longer side is 20 px, then
 * placed in 28×28 with its centre of mass at the centre.
 */
export function cutOut(
  canvas: ArrayLike<number>,
  size: number,
  box: { x0: number; y0: number; x1: number; y1: number },
  keep?: (x: number, y: number) => boolean,
): Float32Array {
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const scale = BOX / Math.max(w, h);
  const sw = Math.max(1, Math.round(w * scale));
  const sh = Math.max(1, Math.round(h * scale));
  const at = (x: number, y: number) => {
    const cx = Math.min(Math.max(x, box.x0), box.x1);
    const cy = Math.min(Math.max(y, box.y0), box.y1);
    if (keep && !keep(cx, cy)) return 0;
    return canvas[cy * size + cx];
  };
  const scaled = new Float32Array(sw * sh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const fx = box.x0 + (x + 0.5) / scale - 0.5;
      const fy = box.y0 + (y + 0.5) / scale - 0.5;
      const ix = Math.floor(fx), iy = Math.floor(fy);
      const ax = fx - ix, ay = fy - iy;
      scaled[y * sw + x] =
        (1 - ax) * (1 - ay) * at(ix, iy) + ax * (1 - ay) * at(ix + 1, iy) + (1 - ax) * ay * at(ix, iy + 1) + ax * ay * at(ix + 1, iy + 1);
    }
  }
  let m = 0, mx = 0, my = 0, peak = 0;
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const v = scaled[y * sw + x];
      m += v;
      mx += v * x;
      my += v * y;
      peak = Math.max(peak, v);
    }
  }
  const out = new Float32Array(DIGIT_SIZE * DIGIT_SIZE);
  if (m === 0) return out;
  const ox = Math.round(DIGIT_SIZE / 2 - 0.5 - mx / m);
  const oy = Math.round(DIGIT_SIZE / 2 - 0.5 - my / m);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const tx = x + ox, ty = y + oy;
      if (tx >= 0 && tx < DIGIT_SIZE && ty >= 0 && ty < DIGIT_SIZE) out[ty * DIGIT_SIZE + tx] = scaled[y * sw + x] / peak;
    }
  }
  return out;
}

export type Side = 'left' | 'right' | 'top' | 'bottom';

/** Where blob `a` is relative to blob `b`: along whichever axis they are farther apart. */
export function sideOf(a: Pick<Blob, 'cx' | 'cy'>, b: Pick<Blob, 'cx' | 'cy'>): Side {
  const dx = a.cx - b.cx;
  const dy = a.cy - b.cy;
  if (Math.abs(dx) >= Math.abs(dy)) return dx < 0 ? 'left' : 'right';
  return dy < 0 ? 'top' : 'bottom';
}

/** Which quarter (or half) of the canvas a blob sits in, in the caption grammar's words. */
export function placeOf(blob: Pick<Blob, 'cx' | 'cy'>, size: number): { vertical: 'top' | 'bottom'; horizontal: 'left' | 'right' } {
  return { vertical: blob.cy < size / 2 ? 'top' : 'bottom', horizontal: blob.cx < size / 2 ? 'left' : 'right' };
}

export interface Verdict {
  /** The caption's digits were read where its layout puts them (both, for two digits). */
  correct: boolean;
  /** The right digits are on the canvas, wherever they are. */
  digitsRight: boolean;
  /** The blobs stand in the caption's relation (or the digit in its corner), whatever they show. */
  layoutRight: boolean;
  /** What the classifier read, in the order the blobs were found. */
  read: number[];
}

/**
 * Judges one canvas against its caption: finds as many blobs as the caption has digits, reads
 * them, and checks that the caption's layout holds (left/right, top/bottom, or the corner).
 */
export function verdict(canvas: ArrayLike<number>, size: number, structure: CaptionStructure, read: (digits: Float32Array, n: number) => number[]): Verdict {
  const layout = layoutOf(structure);
  const count = layout.axis === 'corner' ? 1 : 2;
  const blobs = findDigits(canvas, size, count);
  if (!blobs) return { correct: false, digitsRight: false, layoutRight: false, read: [] };
  const cutOuts = new Float32Array(count * DIGIT_SIZE * DIGIT_SIZE);
  blobs.forEach((b, i) => cutOuts.set(b.digit, i * DIGIT_SIZE * DIGIT_SIZE));
  const labels = read(cutOuts, count);
  if (layout.axis === 'corner') {
    const place = placeOf(blobs[0], size);
    const layoutRight = `${place.vertical} ${place.horizontal}` === layout.position;
    const digitsRight = labels[0] === layout.digit;
    return { correct: layoutRight && digitsRight, digitsRight, layoutRight, read: labels };
  }
  // Which blob is first along the caption's axis, and are the two apart along that axis?
  const [first, second] = layout.axis === 'horizontal' ? ['left', 'right'] : ['top', 'bottom'];
  const firstBlob = sideOf(blobs[0], blobs[1]) === first ? 0 : sideOf(blobs[1], blobs[0]) === first ? 1 : -1;
  const layoutRight = firstBlob >= 0 && sideOf(blobs[1 - firstBlob], blobs[firstBlob]) === second;
  const wanted = layout.axis === 'horizontal' ? [layout.left, layout.right] : [layout.top, layout.bottom];
  const digitsRight = [...labels].sort().join() === [...wanted].sort().join();
  const correct = layoutRight && labels[firstBlob] === wanted[0] && labels[1 - firstBlob] === wanted[1];
  return { correct, digitsRight, layoutRight, read: labels };
}

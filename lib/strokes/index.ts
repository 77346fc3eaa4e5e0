/**
 * Pen drawings as strokes: what the one-shot page's canvas records and what Omniglot's stroke
 * files hold. A drawing is a list of strokes (pen down … pen up), each a list of points x, y in
 * the pixels of a 105×105 Omniglot image (x right, y *down*) with t in ms since the drawing began.
 *
 * Lake's files store y negated (y = −row); `fromOmniglot` turns them into this frame.
 */
import { z } from 'zod';
import type { Stroke as OmniglotStroke } from '@/lib/datasets/omniglot';

export const CANVAS_SIZE = 105;
/**
 * Pen width in pixels of the 105×105 frame: Omniglot's ink area over its trajectories' length
 * (strokes.test.ts checks that ratio stays within half a pixel of this).
 */
export const PEN_WIDTH = 4.7;

export interface Point {
  x: number;
  y: number;
  t: number;
}
export type Stroke = Point[];
export type Drawing = Stroke[];

/** Nobody draws one character for a day; the bound keeps a stored point's text short. */
export const MAX_TIME_MS = 24 * 60 * 60 * 1000;
/**
 * Most points in all the strokes: the page records points 0.5 px apart, so the longest pen path
 * taken (2,000 px, models/oneshot/limits.ts) is about 4,000 of them.
 */
export const MAX_POINTS_IN_ALL = 10_000;
export const MAX_POINTS_PER_STROKE = 2000;
export const MAX_STROKES_IN_LIST = 40;

const STROKE_LIST = 'strokes are a list of strokes, each a list of [x, y, t] points';
/** Points far outside the canvas are a malformed list, not a drawing. */
const POINT = `a point is [x, y, t] or { x, y, t }: x and y from ${-CANVAS_SIZE} to ${2 * CANVAS_SIZE}, t from 0 to ${MAX_TIME_MS.toLocaleString('en-US')} ms since the drawing began`;

const within = (value: unknown, low: number, high: number): value is number => typeof value === 'number' && value >= low && value <= high;

/** One point as the API takes it, or null. */
function readPoint(value: unknown): Point | null {
  let x: unknown, y: unknown, t: unknown;
  if (Array.isArray(value)) {
    if (value.length !== 3) return null;
    [x, y, t] = value;
  } else if (value !== null && typeof value === 'object') {
    ({ x, y, t } = value as Record<string, unknown>);
  } else return null;
  return within(x, -CANVAS_SIZE, 2 * CANVAS_SIZE) && within(y, -CANVAS_SIZE, 2 * CANVAS_SIZE) && within(t, 0, MAX_TIME_MS) ? { x, y, t } : null;
}

/**
 * A drawing as the API takes it: 1–40 strokes of 1–2,000 points, at most 10,000 points in all,
 * each point `{x, y, t}` or `[x, y, t]`, in the 105×105 frame (y down), t at most a day.
 *
 * Read by hand, not point by point through zod: the list's size is checked before any point, and
 * the first bad point ends the reading, so even a body full of wrong values costs the app's own
 * thread a few milliseconds (checking 10,000 bad points with zod took 0.4 s).
 */
export const drawingSchema = z.unknown().transform((value, ctx): Drawing => {
  const fail = (message: string, path: (string | number)[] = []) => {
    ctx.addIssue({ code: 'custom', message, path });
    return z.NEVER;
  };
  if (!Array.isArray(value) || !value.every(Array.isArray)) return fail(STROKE_LIST);
  if (value.length === 0) return fail('the drawing is empty: draw something first');
  if (value.length > MAX_STROKES_IN_LIST) return fail(`a drawing has at most ${MAX_STROKES_IN_LIST} strokes`);
  const points = value.reduce((n: number, stroke: unknown[]) => n + stroke.length, 0);
  if (points > MAX_POINTS_IN_ALL) return fail(`a drawing has at most ${MAX_POINTS_IN_ALL.toLocaleString('en-US')} points in all (this one has ${points.toLocaleString('en-US')})`);
  const drawing: Drawing = [];
  for (const [s, stroke] of (value as unknown[][]).entries()) {
    if (stroke.length === 0) return fail('a stroke needs at least one point', [s]);
    if (stroke.length > MAX_POINTS_PER_STROKE) return fail(`a stroke has at most ${MAX_POINTS_PER_STROKE.toLocaleString('en-US')} points`, [s]);
    const read: Stroke = [];
    for (const [i, raw] of stroke.entries()) {
      const point = readPoint(raw);
      if (!point) return fail(POINT, [s, i]);
      read.push(point);
    }
    drawing.push(read);
  }
  return drawing;
});

/** Lake's stroke files → this frame (y flipped). */
export function fromOmniglot(strokes: OmniglotStroke[]): Drawing {
  return strokes.map((s) => s.map((p) => ({ x: p.x, y: -p.y, t: p.t })));
}

/** Total length of the pen's path while down, in pixels. */
export function inkLength(drawing: Drawing): number {
  let length = 0;
  for (const stroke of drawing) for (let i = 1; i < stroke.length; i++) length += Math.hypot(stroke[i].x - stroke[i - 1].x, stroke[i].y - stroke[i - 1].y);
  return length;
}

/** Points in all the strokes. */
export function pointCount(drawing: Drawing): number {
  return drawing.reduce((n, stroke) => n + stroke.length, 0);
}

/**
 * The drawing with fewer points: along each stroke, a point closer than `spacing` px to the last
 * point kept is dropped (a stroke's first and last points are always kept). The kept points are
 * drawn ones, so corners stay, and the thinned path lies within `spacing` of the drawn path both
 * ways. A stroke ℓ px long keeps at most ℓ / spacing + 2 points; with `maxPoints`, the spacing is
 * widened as far as that bound needs for the whole drawing to fit.
 */
export function simplifyDrawing(drawing: Drawing, spacing: number, maxPoints?: number): Drawing {
  const thinned = drawing.map((stroke) => thinStroke(stroke, spacing));
  if (maxPoints === undefined || pointCount(thinned) <= maxPoints) return thinned;
  const room = maxPoints - 2 * drawing.length;
  if (room <= 0) throw new RangeError(`${drawing.length} strokes do not fit in ${maxPoints} points`);
  // Σ (ℓ / s + 2) ≤ maxPoints; a hair wider so rounding cannot let one more point in.
  const wider = (inkLength(drawing) / room) * (1 + 1e-9);
  return drawing.map((stroke) => thinStroke(stroke, Math.max(spacing, wider)));
}

function thinStroke(stroke: Stroke, spacing: number): Stroke {
  if (stroke.length <= 2) return [...stroke];
  const kept = [stroke[0]];
  let last = stroke[0];
  for (let i = 1; i < stroke.length - 1; i++) {
    const p = stroke[i];
    if (Math.hypot(p.x - last.x, p.y - last.y) < spacing) continue;
    kept.push(p);
    last = p;
  }
  kept.push(stroke[stroke.length - 1]);
  return kept;
}

/**
 * Draws the strokes with a round pen into a `size`×`size` image (ink 1, paper 0, row-major), the
 * 105×105 frame scaled to fit. Each pixel's ink is how far its centre lies inside the pen's
 * outline, clamped to [0, 1] (one pixel of anti-aliasing); a single point is a dot.
 */
export function renderDrawing(drawing: Drawing, size = CANVAS_SIZE, penWidth = PEN_WIDTH): Float32Array {
  const image = new Float32Array(size * size);
  const scale = size / CANVAS_SIZE;
  const radius = (penWidth * scale) / 2;
  const reach = radius + 0.5;
  const segment = (ax: number, ay: number, bx: number, by: number) => {
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
    const x1 = Math.min(size - 1, Math.ceil(Math.max(ax, bx) + reach));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
    const y1 = Math.min(size - 1, Math.ceil(Math.max(ay, by) + reach));
    const dx = bx - ax;
    const dy = by - ay;
    const length2 = dx * dx + dy * dy;
    for (let row = y0; row <= y1; row++) {
      for (let col = x0; col <= x1; col++) {
        const px = col + 0.5;
        const py = row + 0.5;
        const along = length2 > 0 ? Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / length2)) : 0;
        const distance = Math.hypot(px - (ax + along * dx), py - (ay + along * dy));
        const ink = Math.min(1, Math.max(0, reach - distance));
        if (ink > image[row * size + col]) image[row * size + col] = ink;
      }
    }
  };
  for (const stroke of drawing) {
    if (stroke.length === 1) segment(stroke[0].x * scale, stroke[0].y * scale, stroke[0].x * scale, stroke[0].y * scale);
    for (let i = 1; i < stroke.length; i++) segment(stroke[i - 1].x * scale, stroke[i - 1].y * scale, stroke[i].x * scale, stroke[i].y * scale);
  }
  return image;
}

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

/** Points far outside the canvas are a malformed list, not a drawing. */
const coordinate = z.number().finite().min(-CANVAS_SIZE).max(2 * CANVAS_SIZE);
/** Nobody draws one character for a day; the bound keeps a stored point's text short. */
export const MAX_TIME_MS = 24 * 60 * 60 * 1000;
const time = z.number().finite().min(0).max(MAX_TIME_MS, 't is milliseconds since the drawing began, at most a day (86,400,000)');
const pointSchema = z.union([
  z.object({ x: coordinate, y: coordinate, t: time }),
  z.tuple([coordinate, coordinate, time]).transform(([x, y, t]) => ({ x, y, t })),
]);

/**
 * Most points in all the strokes: the page records points 0.5 px apart, so the longest pen path
 * taken (2,000 px, models/oneshot/limits.ts) is about 4,000 of them. Checked before any point is,
 * since checking each point is what costs the app's own thread time (80,000 of them: 0.3 s).
 */
export const MAX_POINTS_IN_ALL = 10_000;

/**
 * A drawing as the API takes it: up to 40 strokes of up to 2,000 points, at most 10,000 points in
 * all, each point `{x, y, t}` or `[x, y, t]`, in the 105×105 frame (y down), t at most a day.
 */
export const drawingSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    const points = Array.isArray(value) ? value.reduce((n: number, stroke) => n + (Array.isArray(stroke) ? stroke.length : 0), 0) : 0;
    if (points > MAX_POINTS_IN_ALL) ctx.addIssue({ code: 'custom', message: `a drawing has at most ${MAX_POINTS_IN_ALL.toLocaleString('en-US')} points in all (this one has ${points.toLocaleString('en-US')})` });
  })
  .pipe(
    z
      .array(z.array(pointSchema).min(1, 'a stroke needs at least one point').max(2000, 'a stroke has at most 2,000 points'), {
        error: 'strokes are a list of strokes, each a list of [x, y, t] points',
      })
      .min(1, 'the drawing is empty: draw something first')
      .max(40, 'a drawing has at most 40 strokes'),
  );

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

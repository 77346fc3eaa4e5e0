/**
 * How large a drawing the one-shot model takes, so that no request costs more than a couple of
 * seconds of a worker or stores more than a few hundred kilobytes. Classification fits every
 * character of a run to points spread every 2 px along the drawing's pen path and back, so its cost
 * grows with the pen path's length (up to about 1 ms per point on one core, against the 20
 * characters of the run with the most ink); variants and the stored strokes grow with the drawing's points. The
 * figures: `npx tsx test/bench/oneshot-limits.ts`.
 */
import { inkLength, simplifyDrawing, type Drawing } from '@/lib/strokes';

/**
 * Most pen path, in px of the 105×105 frame: about 4.5× the longest of Omniglot's 4,840 background
 * drawings (446 px), and most of what inking the whole canvas with the pen takes (105² / 4.7 ≈
 * 2,350). At it, classification takes about 1 s on one core (at 2,500 px it passed 2 s on a busy
 * machine).
 */
export const MAX_INK_PX = 2000;
/**
 * Most strokes, drawn or parsed from a PNG: Omniglot's drawings have at most 29, the one-shot runs'
 * parses 25. (A PNG of specks or noise parses into thousands.)
 */
export const MAX_STROKES = 40;
/**
 * Most points the model works on: a drawing is thinned to points POINT_SPACING apart along its
 * strokes, further apart only when that leaves more than this (past about 500 px of pen path, more than
 * the longest of Omniglot's drawings; at MAX_INK_PX, 2.2 px apart). Variants have as many points as
 * their drawing, so a variants generation stores at most 17 × MAX_POINTS points.
 */
export const MAX_POINTS = 1000;
/**
 * Closest two points of a stroke may be (px): what the page records already (it skips pointer
 * moves under 0.5 px), and closer than Omniglot's pen trajectories (on a grid of 0.79 px) and the
 * parses of images (pixel to pixel), so that thinning leaves all of those as they are.
 */
export const POINT_SPACING = 0.5;

/** What is over the limits, for a message ("3,512 px of pen path"), or null. */
export function overLimits(drawing: Drawing, ink = inkLength(drawing)): { inkLength: number; strokes: number } | null {
  return ink > MAX_INK_PX || drawing.length > MAX_STROKES ? { inkLength: ink, strokes: drawing.length } : null;
}

/**
 * The drawing as the model works on it: thinned along its strokes (lib/strokes' simplifyDrawing),
 * its pen path moved by less than the spacing; at most MAX_POINTS points for a drawing within the
 * limits. Thinning it again changes nothing.
 */
export function modelDrawing(drawing: Drawing): Drawing {
  return simplifyDrawing(drawing, POINT_SPACING, MAX_POINTS);
}

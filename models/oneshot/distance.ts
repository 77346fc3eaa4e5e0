/**
 * Distances between drawings, on points spread along their pen paths: the modified Hausdorff
 * distance (Dubuisson & Jain 1994), the baseline of Lake et al.'s one-shot classification.
 */
import type { Drawing } from '@/lib/strokes';

/** Flat [x0, y0, x1, y1, …] of points every `spacing` px along each stroke (each stroke's ends included). */
export function pathPoints(drawing: Drawing, spacing = 2): Float32Array {
  const out: number[] = [];
  for (const stroke of drawing) {
    if (stroke.length === 0) continue;
    out.push(stroke[0].x, stroke[0].y);
    let carried = 0;
    for (let i = 1; i < stroke.length; i++) {
      const ax = stroke[i - 1].x;
      const ay = stroke[i - 1].y;
      const length = Math.hypot(stroke[i].x - ax, stroke[i].y - ay);
      let at = spacing - carried;
      while (at <= length) {
        out.push(ax + ((stroke[i].x - ax) * at) / length, ay + ((stroke[i].y - ay) * at) / length);
        at += spacing;
      }
      carried = length - (at - spacing);
    }
    const last = stroke[stroke.length - 1];
    if (carried > 0.25 * spacing) out.push(last.x, last.y);
  }
  return Float32Array.from(out);
}

/** Mean over a's points of the distance to the nearest of b's. */
function meanNearest(a: Float32Array, b: Float32Array): number {
  let total = 0;
  for (let i = 0; i < a.length; i += 2) {
    let best = Infinity;
    const x = a[i];
    const y = a[i + 1];
    for (let j = 0; j < b.length; j += 2) {
      const dx = x - b[j];
      const dy = y - b[j + 1];
      const d = dx * dx + dy * dy;
      if (d < best) best = d;
    }
    total += Math.sqrt(best);
  }
  return total / (a.length / 2);
}

/** Modified Hausdorff distance: the larger of the two mean nearest-point distances (px). */
export function modifiedHausdorff(a: Float32Array, b: Float32Array): number {
  if (a.length === 0 || b.length === 0) return Infinity;
  return Math.max(meanNearest(a, b), meanNearest(b, a));
}

/** Points' centre of mass. */
export function centreOf(points: Float32Array): [number, number] {
  let x = 0;
  let y = 0;
  for (let i = 0; i < points.length; i += 2) {
    x += points[i];
    y += points[i + 1];
  }
  return [(2 * x) / points.length, (2 * y) / points.length];
}

/** The points moved so that their centre of mass sits at the frame's centre. */
export function centred(points: Float32Array, at = 52.5): Float32Array {
  const [cx, cy] = centreOf(points);
  return points.map((v, i) => v + (i % 2 === 0 ? at - cx : at - cy));
}

/**
 * The points centred in the frame and scaled about their centre to an RMS radius of `radius` px:
 * compared this way, two drawings differ by shape alone, not by where or how large they were drawn.
 */
export function sizeNormalised(points: Float32Array, radius = 20, at = 52.5): Float32Array {
  const moved = centred(points, at);
  let total = 0;
  for (let i = 0; i < moved.length; i += 2) total += (moved[i] - at) ** 2 + (moved[i + 1] - at) ** 2;
  const rms = Math.sqrt(total / (moved.length / 2));
  if (!(rms > 0)) return moved;
  return moved.map((v) => at + (radius / rms) * (v - at));
}

/** For each drawing's points, the index of the exemplar's points nearest by the modified Hausdorff distance. */
export function nearestExemplar(drawings: Float32Array[], exemplars: Float32Array[]): number[] {
  return drawings.map((points) => {
    let best = 0;
    let bestDistance = Infinity;
    exemplars.forEach((e, k) => {
      const d = modifiedHausdorff(points, e);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    });
    return best;
  });
}

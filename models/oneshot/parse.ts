/**
 * A character image → pen paths, for the characters that come without strokes (the one-shot
 * runs' images, an uploaded PNG). As in Lake et al.'s parser the ink is first thinned to a
 * one-pixel skeleton (Zhang & Suen 1984); the skeleton is then traced into polylines between its
 * ends and junctions. Drawn again with the pen (`renderDrawing`), the paths give back the image.
 * The order and timing people used is not recoverable from pixels: each path is a stroke of its
 * own, with t counting its points.
 */
import type { Drawing, Stroke } from '@/lib/strokes';

const OFFSETS = [
  [-1, 0],
  [-1, 1],
  [0, 1],
  [1, 1],
  [1, 0],
  [1, -1],
  [0, -1],
  [-1, -1],
] as const; // P2…P9 of Zhang & Suen, clockwise from north, as [row, col]

/** Zhang–Suen thinning of a binary image (1 = ink), in place; returns it. */
export function thin(mask: Uint8Array, size: number): Uint8Array {
  const at = (r: number, c: number) => (r >= 0 && r < size && c >= 0 && c < size ? mask[r * size + c] : 0);
  const remove: number[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (const pass of [0, 1]) {
      remove.length = 0;
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          if (!mask[r * size + c]) continue;
          const p = OFFSETS.map(([dr, dc]) => at(r + dr, c + dc));
          const neighbours = p.reduce<number>((a, b) => a + b, 0);
          if (neighbours < 2 || neighbours > 6) continue;
          let transitions = 0;
          for (let k = 0; k < 8; k++) if (p[k] === 0 && p[(k + 1) % 8] === 1) transitions++;
          if (transitions !== 1) continue;
          // P2·P4·P6 and P4·P6·P8 on the first pass; P2·P4·P8 and P2·P6·P8 on the second.
          const [p2, , p4, , p6, , p8] = p;
          if (pass === 0 ? p2 * p4 * p6 || p4 * p6 * p8 : p2 * p4 * p8 || p2 * p6 * p8) continue;
          remove.push(r * size + c);
        }
      }
      for (const i of remove) mask[i] = 0;
      if (remove.length > 0) changed = true;
    }
  }
  return mask;
}

/**
 * The skeleton's pixels traced into polylines (pixel centres): each path runs between two pixels
 * that are not simple line pixels (ends, junctions; neighbours in m-adjacency); loops with no such pixel are traced once
 * around. Paths shorter than `minLength` pixels that end in the open (spurs of the thinning) are
 * dropped.
 */
export function traceSkeleton(skeleton: Uint8Array, size: number, minLength = 3): Drawing {
  const on = (r: number, c: number) => r >= 0 && r < size && c >= 0 && c < size && skeleton[r * size + c] === 1;
  const neighboursOf = (i: number): number[] => {
    const r = Math.floor(i / size);
    const c = i % size;
    const out: number[] = [];
    for (const [dr, dc] of OFFSETS) {
      if (!on(r + dr, c + dc)) continue;
      // m-adjacency: a diagonal neighbour already reached through an orthogonal one is not a
      // second branch (otherwise every staircase step of the skeleton would be a junction).
      if (dr !== 0 && dc !== 0 && (on(r + dr, c) || on(r, c + dc))) continue;
      out.push((r + dr) * size + c + dc);
    }
    return out;
  };
  const degree = new Map<number, number>();
  for (let i = 0; i < skeleton.length; i++) if (skeleton[i]) degree.set(i, neighboursOf(i).length);
  const isNode = (i: number) => degree.get(i) !== 2;
  const walked = new Set<string>();
  const edge = (a: number, b: number) => (a < b ? `${a}-${b}` : `${b}-${a}`);
  const visited = new Set<number>();
  const paths: number[][] = [];

  const walk = (start: number, next: number): number[] => {
    const path = [start];
    let previous = start;
    let current = next;
    walked.add(edge(start, next));
    for (;;) {
      path.push(current);
      visited.add(current);
      if (isNode(current) || current === start) break;
      const onward = neighboursOf(current).find((n) => n !== previous && !walked.has(edge(current, n)));
      if (onward === undefined) break;
      walked.add(edge(current, onward));
      previous = current;
      current = onward;
    }
    return path;
  };

  for (const [i] of degree) {
    if (!isNode(i)) continue;
    visited.add(i);
    if (degree.get(i) === 0) paths.push([i]);
    for (const n of neighboursOf(i)) if (!walked.has(edge(i, n))) paths.push(walk(i, n));
  }
  for (const [i] of degree) {
    if (visited.has(i)) continue; // a loop of simple line pixels only
    visited.add(i);
    paths.push(walk(i, neighboursOf(i)[0]));
  }

  const lengthOf = (path: number[]) => path.length - 1;
  const endsInTheOpen = (path: number[]) => degree.get(path[0]) === 1 || degree.get(path[path.length - 1]) === 1;
  return paths
    .filter((path) => path.length === 1 || lengthOf(path) >= minLength || !endsInTheOpen(path))
    .map((path): Stroke => path.map((i, t) => ({ x: (i % size) + 0.5, y: Math.floor(i / size) + 0.5, t })));
}

/** An image (ink 1, paper 0, `size`×`size`, in the 105×105 frame's pixels) → pen paths. */
export function parseImage(image: Float32Array, size: number, threshold = 0.5): Drawing {
  const mask = new Uint8Array(size * size);
  for (let i = 0; i < mask.length; i++) mask[i] = image[i] > threshold ? 1 : 0;
  return traceSkeleton(thin(mask, size), size);
}

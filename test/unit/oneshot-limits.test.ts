/**
 * How large a drawing the one-shot model takes, and what it does with the ones it takes: drawings
 * beyond the limits are turned away before any work, the rest are thinned to a bounded number of
 * points without changing what the pen draws, and a variants generation stores a bounded result.
 * (Speed is measured in test/bench/oneshot-limits.ts, not here.)
 */
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { errorOf } from './helpers';
import { decodeOmniglotPng, loadOmniglotBackground, loadOneShotRuns, OMNIGLOT_SIZE } from '@/lib/datasets';
import { MAX_INK_PX, MAX_POINTS, MAX_STROKES, prepareDrawing, storedOutput } from '@/lib/oneshot';
import { mulberry32 } from '@/lib/random';
import { fromOmniglot, inkLength, pointCount, renderDrawing, simplifyDrawing, type Drawing } from '@/lib/strokes';
import { pathPoints } from '@/models/oneshot/distance';
import { modelDrawing } from '@/models/oneshot/limits';
import { loadOneShotModel } from '@/models/oneshot/model';
import { parseImage } from '@/models/oneshot/parse';
import { makeVariants, servable } from '@/models/oneshot/serve';

const DATA = path.resolve('../shared/data');

/** 40 strokes of 250 points (10,000 in all), the most the API's stroke list takes. */
function zigZagAcrossTheRange(seed = 1): Drawing {
  const random = mulberry32(seed);
  return Array.from({ length: 40 }, () => Array.from({ length: 250 }, (_, i) => ({ x: -105 + 315 * random(), y: -105 + 315 * random(), t: i })));
}

/** 40 straight strokes of 250 points across the canvas, shortened to just under the ink limit in all. */
function straightAtTheLimit(): Drawing {
  const length = (0.999 * MAX_INK_PX) / 40;
  return Array.from({ length: 40 }, (_, s) => Array.from({ length: 250 }, (_, i) => ({ x: 10 + (length * i) / 249, y: 3 + 2.5 * s, t: i })));
}

/** A pen's path, points `step` px apart, as the page records them (a smooth random walk). */
function penPath(strokes: number, points: number, step: number, seed = 2): Drawing {
  const random = mulberry32(seed);
  return Array.from({ length: strokes }, () => {
    let x = 30 + 45 * random();
    let y = 30 + 45 * random();
    let heading = 2 * Math.PI * random();
    return Array.from({ length: points }, (_, i) => {
      heading += 0.5 * (random() - 0.5);
      x = Math.min(100, Math.max(5, x + step * Math.cos(heading)));
      y = Math.min(100, Math.max(5, y + step * Math.sin(heading)));
      return { x, y, t: 8 * i };
    });
  });
}

/** Largest distance from a point of `a`'s path to `b`'s path, on points 0.25 px apart (px). */
function farthest(a: Drawing, b: Drawing): number {
  const from = pathPoints(a, 0.25);
  const to = pathPoints(b, 0.25);
  let worst = 0;
  for (let i = 0; i < from.length; i += 2) {
    let best = Infinity;
    for (let j = 0; j < to.length; j += 2) best = Math.min(best, (from[i] - to[j]) ** 2 + (from[i + 1] - to[j + 1]) ** 2);
    worst = Math.max(worst, Math.sqrt(best));
  }
  return worst;
}

/** Pixels inked (> 0.5) in one image but not the other, over those inked in either. */
function inkChanged(a: Float32Array, b: Float32Array): number {
  let changed = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    changed += Number(a[i] > 0.5 !== b[i] > 0.5);
    either += Number(a[i] > 0.5 || b[i] > 0.5);
  }
  return changed / either;
}

describe('the limits of a drawing', () => {
  it('turns away 40 strokes of 250 points zig-zagging across the whole range as too much ink', async () => {
    const error = await errorOf(prepareDrawing({ strokes: zigZagAcrossTheRange() }));
    expect(error.code).toBe('TOO_MUCH_INK');
    expect(error.message).toContain(`${MAX_INK_PX.toLocaleString('en-US')} px`);
    expect(error.details).toMatchObject({ strokes: 40, maximum: { inkLength: MAX_INK_PX, strokes: MAX_STROKES } });
    expect((error.details as { inkLength: number }).inkLength).toBeGreaterThan(1e6);
  });

  it('turns away more than 10,000 points in all before checking any one of them', async () => {
    const dense = Array.from({ length: 40 }, () => Array.from({ length: 2000 }, (_, i) => [10 + i / 100, 10, i]));
    const error = await errorOf(prepareDrawing({ strokes: dense }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('at most 10,000 points in all (this one has 80,000)');
  });

  it('turns away a PNG of noise, which parses into thousands of strokes', async () => {
    const random = mulberry32(3);
    const pixels = Buffer.from(Array.from({ length: 105 * 105 }, () => (random() < 0.3 ? 0 : 255)));
    const png = await sharp(pixels, { raw: { width: 105, height: 105, channels: 1 } }).png().toBuffer();
    const error = await errorOf(prepareDrawing({ png: png.toString('base64') }));
    expect(error.code).toBe('TOO_MUCH_INK');
    expect((error.details as { strokes: number }).strokes).toBeGreaterThan(MAX_STROKES);
  });

  it('takes the largest stroke list within the ink limit, thinned to at most MAX_POINTS points', async () => {
    for (const strokes of [straightAtTheLimit(), penPath(40, 250, (0.999 * MAX_INK_PX) / (40 * 249))]) {
      expect(pointCount(strokes)).toBe(10_000);
      const prepared = await prepareDrawing({ strokes });
      expect(prepared.inkLength).toBeLessThanOrEqual(MAX_INK_PX);
      expect(pointCount(prepared.drawing)).toBeLessThanOrEqual(MAX_POINTS);
      expect(prepared.drawing).toHaveLength(40);
    }
  });

  it('refuses a time past a day, which would only lengthen every stored point', async () => {
    const error = await errorOf(prepareDrawing({ strokes: [[[10, 10, 0], [60, 60, 1e300]]] }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('strokes.0.1');
  });
});

describe('thinning a drawing', () => {
  it('keeps points at least the spacing apart, the first and last of every stroke, and changes nothing when done again', () => {
    const drawing = penPath(3, 400, 0.3);
    const thinned = simplifyDrawing(drawing, 1);
    thinned.forEach((stroke, s) => {
      expect(stroke[0]).toEqual(drawing[s][0]);
      expect(stroke.at(-1)).toEqual(drawing[s].at(-1));
      for (let i = 1; i < stroke.length - 1; i++) expect(Math.hypot(stroke[i].x - stroke[i - 1].x, stroke[i].y - stroke[i - 1].y)).toBeGreaterThanOrEqual(1);
    });
    expect(pointCount(thinned)).toBeLessThan(pointCount(drawing) / 2.5);
    expect(simplifyDrawing(thinned, 1)).toEqual(thinned);
    const long = penPath(40, 2000, 0.03);
    expect(modelDrawing(modelDrawing(long))).toEqual(modelDrawing(long));
  });

  it('moves the pen path by less than the spacing, both ways, and barely changes the ink', () => {
    const drawing = penPath(4, 300, 0.3);
    const thinned = simplifyDrawing(drawing, 1);
    expect(farthest(drawing, thinned)).toBeLessThan(1);
    expect(farthest(thinned, drawing)).toBeLessThan(1);
    expect(inkChanged(renderDrawing(drawing), renderDrawing(thinned))).toBeLessThan(0.02);
  });

  it('widens the spacing only as far as the point budget needs', () => {
    const long = penPath(10, 2000, 0.12); // 2,400 px of pen path
    const thinned = simplifyDrawing(long, 0.5, 1000);
    expect(pointCount(thinned)).toBeLessThanOrEqual(1000);
    expect(pointCount(thinned)).toBeGreaterThan(800);
    const spacing = inkLength(long) / (1000 - 2 * long.length);
    expect(farthest(long, thinned)).toBeLessThan(spacing);
    expect(farthest(thinned, long)).toBeLessThan(spacing);
  });

  it('leaves what the page records, the runs’ parsed characters and Omniglot’s pen trajectories as they are', async () => {
    // The page skips pointer moves under 0.5 px from the last point it kept.
    const recorded = penPath(4, 300, 0.2).map((stroke) => stroke.reduce<typeof stroke>((kept, p) => (kept.length === 0 || Math.hypot(p.x - kept.at(-1)!.x, p.y - kept.at(-1)!.y) >= 0.5 ? [...kept, p] : kept), []));
    expect(modelDrawing(recorded)).toEqual(recorded);
    const runs = await loadOneShotRuns(DATA);
    for (const run of runs.slice(0, 5)) {
      for (const image of [...run.training, ...run.test]) {
        const parse = parseImage(await decodeOmniglotPng(image.png), OMNIGLOT_SIZE);
        expect(modelDrawing(parse)).toEqual(parse);
      }
    }
    const trajectories = (await loadOmniglotBackground('small1', DATA)).slice(0, 10).flatMap((c) => c.drawings.map((d) => fromOmniglot(d.strokes!)));
    expect(trajectories.length).toBeGreaterThanOrEqual(200);
    // Only a point repeated where the pen rested goes.
    const withoutRepeats = (d: Drawing) => d.map((stroke) => stroke.filter((p, i) => i === 0 || i === stroke.length - 1 || p.x !== stroke[i - 1].x || p.y !== stroke[i - 1].y));
    for (const drawing of trajectories) expect(modelDrawing(drawing)).toEqual(withoutRepeats(drawing));
  });
});

describe('what the model does with the largest drawing it takes', () => {
  it('stores a variants generation of under 0.7 MB (it was 41 MB)', async () => {
    const model = await loadOneShotModel();
    for (const strokes of [straightAtTheLimit(), penPath(40, 250, (0.999 * MAX_INK_PX) / (40 * 249))]) {
      const prepared = await prepareDrawing({ strokes });
      const variants = await makeVariants(model, { drawing: prepared.drawing, count: 16, seed: 1 });
      const bytes = Buffer.byteLength(JSON.stringify(storedOutput(prepared, variants.strokes)));
      expect(bytes).toBeLessThan(0.7 * 1024 * 1024);
    }
  });

  it('the model server turns away a drawing over the limits that did not come through the service', async () => {
    const ctx = { progress: () => undefined, cancelled: () => false };
    const error = await errorOf(servable.runBatch([{ task: 'classify', drawing: zigZagAcrossTheRange(), run: 1 }], ctx));
    expect(error.code).toBe('TOO_MUCH_INK');
  });
});

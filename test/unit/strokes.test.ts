/**
 * Pen drawings: the API's stroke schema and the round-pen renderer, checked against Omniglot's own
 * images of the same stroke files.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeOmniglotPng, loadOmniglotBackground } from '@/lib/datasets';
import { drawingSchema, fromOmniglot, inkLength, PEN_WIDTH, renderDrawing } from '@/lib/strokes';

const DATA = path.resolve('../shared/data');

describe('drawingSchema', () => {
  it('takes points as objects or [x, y, t] triples', () => {
    const parsed = drawingSchema.parse([[[10, 20, 0], { x: 30, y: 40, t: 16 }]]);
    expect(parsed).toEqual([[{ x: 10, y: 20, t: 0 }, { x: 30, y: 40, t: 16 }]]);
  });

  it.each([
    ['an empty canvas', [], /empty/],
    ['a stroke with no points', [[]], /at least one point/],
    ['a point with two numbers', [[[1, 2]]], /./],
    ['a point far off the canvas', [[[1e6, 2, 0]]], /./],
    ['a negative time', [[[1, 2, -5]]], /./],
    ['not a list', 'draw me a cat', /list of strokes/],
  ])('rejects %s with a message', (_, input, message) => {
    const result = drawingSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].message).toMatch(message);
  });
});

describe('renderDrawing', () => {
  it('draws a horizontal line as a band one pen wide, nothing elsewhere', () => {
    const image = renderDrawing([[{ x: 20, y: 50.5, t: 0 }, { x: 80, y: 50.5, t: 100 }]]);
    const column = Array.from({ length: 105 }, (_, row) => image[row * 105 + 50]);
    const inked = column.reduce((a, b) => a + b, 0);
    expect(inked).toBeCloseTo(PEN_WIDTH, 0);
    expect(image[50 * 105 + 10]).toBe(0); // left of the line's start, beyond the pen's reach
    expect(image[10 * 105 + 50]).toBe(0);
  });

  it('draws a lone point as a dot and scales the frame to the output size', () => {
    const dot = renderDrawing([[{ x: 52.5, y: 52.5, t: 0 }]]);
    expect(dot[52 * 105 + 52]).toBe(1);
    expect(dot.reduce((a, b) => a + b, 0)).toBeCloseTo(Math.PI * (PEN_WIDTH / 2) ** 2, -1);
    const small = renderDrawing([[{ x: 10, y: 52.5, t: 0 }, { x: 95, y: 52.5, t: 50 }]], 28);
    const column = Array.from({ length: 28 }, (_, row) => small[row * 28 + 14]);
    expect(column.reduce((a, b) => a + b, 0)).toBeCloseTo((PEN_WIDTH * 28) / 105, 0);
  });

  it("matches Omniglot's own images of the same stroke files", async () => {
    const characters = await loadOmniglotBackground('small1', DATA);
    let overlap = 0;
    let count = 0;
    let lengthRatio = 0;
    for (const character of characters.slice(0, 30)) {
      const drawing = character.drawings[0];
      const real = await decodeOmniglotPng(drawing.png);
      const strokes = fromOmniglot(drawing.strokes!);
      const mine = renderDrawing(strokes);
      let both = 0;
      let either = 0;
      for (let i = 0; i < real.length; i++) {
        both += Number(real[i] > 0.5 && mine[i] > 0.5);
        either += Number(real[i] > 0.5 || mine[i] > 0.5);
      }
      overlap += both / either;
      lengthRatio += real.reduce((a, b) => a + b, 0) / inkLength(strokes);
      count++;
    }
    expect(overlap / count).toBeGreaterThan(0.75); // intersection over union of the inked pixels
    expect(lengthRatio / count).toBeGreaterThan(PEN_WIDTH - 0.5);
    expect(lengthRatio / count).toBeLessThan(PEN_WIDTH + 0.5);
  });
});

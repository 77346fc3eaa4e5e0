/**
 * A one-shot request whose caller has gone (timed out, cancelled, the page closed) stops: the
 * classifier scores a run's characters one at a time and checks between them, as variants are
 * checked between variants. Without it a worker kept fitting a large drawing for minutes after
 * its caller had been answered 504.
 */
import { describe, expect, it } from 'vitest';
import { errorOf } from './helpers';
import type { Drawing } from '@/lib/strokes';
import { loadOneShotModel } from '@/models/oneshot/model';
import { classifyDrawing, servable, type RunCharacters } from '@/models/oneshot/serve';

describe('stopping when the caller has gone', () => {
  const line = (x0: number, y0: number, x1: number, y1: number) => Array.from({ length: 30 }, (_, i) => ({ x: x0 + ((x1 - x0) * i) / 29, y: y0 + ((y1 - y0) * i) / 29, t: i }));
  const exemplars: Drawing[] = Array.from({ length: 20 }, (_, k) => [line(20, 20 + 3 * k, 85, 85 - 2 * k), line(52, 15, 52 + k, 90)]);
  const runs = { exemplars: async () => exemplars } as unknown as RunCharacters;
  const drawing = [line(20, 30, 85, 80), line(52, 15, 60, 90)];

  it('classification stops between characters once cancelled, with CANCELLED', async () => {
    const model = await loadOneShotModel();
    let asked = 0;
    const error = await errorOf(classifyDrawing(model, runs, { drawing, run: 1 }, { cancelled: () => ++asked >= 3 }));
    expect(error.code).toBe('CANCELLED');
    expect(asked).toBe(3); // three characters scored of twenty, then it stopped
    const done = await classifyDrawing(model, runs, { drawing, run: 1 }, { cancelled: () => false });
    expect(done.ranking).toHaveLength(20);
  });

  it('the served model stops a classification whose caller has gone', async () => {
    let asked = 0;
    const ctx = { progress: () => undefined, cancelled: () => ++asked > 1 };
    const error = await errorOf(servable.runBatch([{ task: 'classify', drawing, run: 1 }], ctx));
    expect(error.code).toBe('CANCELLED');
    expect(asked).toBe(2);
  });
});

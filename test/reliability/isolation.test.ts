/**
 * The dearest one-shot requests the API accepts, several at once, must not freeze the other
 * models: the GAN keeps answering at about its usual speed while they run, health stays ok, and
 * a drawing past the limits is refused at once instead of running for minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from './app';

/** 40 straight strokes of 250 points (10,000 in all), 1,996 px of pen path: the dearest drawing taken. */
const dearest = Array.from({ length: 40 }, (_, s) => Array.from({ length: 250 }, (_, i) => [5 + (i * 49.9) / 249, 5 + s * 2.4, i]));
/** As many points zig-zagging across the whole accepted range: far over the ink limit. */
const zigzag = Array.from({ length: 40 }, () => Array.from({ length: 250 }, (_, i) => [i % 2 ? -100 : 205, (i * 7) % 210 - 100, i]));

const post = (app: AppProcess, path: string, body: unknown) =>
  fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { ms: performance.now() - t0, value };
}

describe('one model flooded with its dearest requests', () => {
  let app: AppProcess;

  beforeAll(async () => {
    app = await startApp();
    // Both models loaded on their workers.
    expect((await post(app, '/api/gan/samples', { count: 16, seed: 1 })).status).toBe(200);
    expect((await post(app, '/api/oneshot/classify', { strokes: dearest, run: 9 })).status).toBe(200);
  });

  afterAll(async () => {
    await app?.kill();
  });

  it('refuses a drawing past the limits at once, with a clear 422', async () => {
    const { ms, value: response } = await timed(() => post(app, '/api/oneshot/classify', { strokes: zigzag, run: 9 }));
    expect(response.status).toBe(422);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('TOO_MUCH_INK');
    expect(ms).toBeLessThan(2000);
  });

  it('keeps the GAN answering while four of the dearest classifications run', async () => {
    const alone: number[] = [];
    for (let i = 0; i < 5; i++) alone.push((await timed(() => post(app, '/api/gan/samples', { count: 16, seed: 10 + i }).then((r) => r.text()))).ms);

    const classifications = Promise.all(Array.from({ length: 4 }, () => timed(() => post(app, '/api/oneshot/classify', { strokes: dearest, run: 9 }).then((r) => r.status))));
    let finished = false;
    void classifications.then(() => (finished = true));
    const during: number[] = [];
    const healthy: boolean[] = [];
    while (!finished) {
      during.push((await timed(() => post(app, '/api/gan/samples', { count: 16, seed: 20 + during.length }).then((r) => r.text()))).ms);
      healthy.push((await fetch(`${app.url}/api/health`)).status === 200);
    }
    const answered = await classifications;
    expect(answered.map((a) => a.value)).toEqual([200, 200, 200, 200]);
    expect(during.length).toBeGreaterThanOrEqual(2);
    // The GAN has a worker of its own: it answers about as fast as alone, not after the classifications.
    const slowestClassification = Math.max(...answered.map((a) => a.ms));
    expect(Math.max(...during)).toBeLessThan(Math.max(1000, 3 * Math.max(...alone)));
    expect(Math.max(...during)).toBeLessThan(slowestClassification);
    expect(healthy.every(Boolean)).toBe(true);
  });
});

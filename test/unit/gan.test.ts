/**
 * The GAN service and its routes: what a person can send to /api/gan/* and what they get back.
 * The committed MNIST generator answers through a real model server (one worker); results are
 * saved to a gallery of the test's own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, asRoute, errorOf, ownerHeaders, refusingServer } from './helpers';
import { POST as interpolateRoute } from '@/app/api/gan/interpolate/route';
import { POST as samplesRoute } from '@/app/api/gan/samples/route';
import { POST as varyRoute } from '@/app/api/gan/vary/route';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { GanService, interpolateRequest, MAX_SEED, samplesRequest, varyRequest } from '@/lib/gan';
import { GenerationService } from '@/lib/generations';
import { ModelServer } from '@/lib/model-server';
import { BlobStore } from '@/lib/storage';

const DB_URL = 'file:./test/.tmp/gan.db';

let db: Db;
let blobDir: string;
let server: ModelServer;

beforeAll(async () => {
  fs.rmSync(DB_URL.slice('file:'.length), { force: true });
  await migrateDatabase(DB_URL);
  db = createDb(DB_URL);
  blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-blobs-'));
  server = new ModelServer({
    models: [{ name: 'gan-mnist', module: 'models/gan/serve.ts', maxBatch: 16 }],
    workers: 1,
    backend: 'wasm',
    defaults: { maxBatch: 16, maxWaitMs: 0, queueLimit: 8, timeoutMs: 60_000 },
    root: process.cwd(),
  });
  await server.ready(60_000);
});

afterAll(async () => {
  await server?.close();
  await db?.$disconnect();
  fs.rmSync(blobDir, { recursive: true, force: true });
});

const service = () => new GanService({ db, models: server, generations: new GenerationService(db, new BlobStore(blobDir)) });

// Each request checked with its route's schema, as the route does, then answered by the service.
const samples = (gans: GanService, body: unknown, signal?: AbortSignal) => asRoute(samplesRequest, body, (request) => gans.samples(ALICE, request, signal));
const interpolate = (gans: GanService, body: unknown) => asRoute(interpolateRequest, body, (request) => gans.interpolate(ALICE, request));
const vary = (gans: GanService, body: unknown) => asRoute(varyRequest, body, (request) => gans.vary(ALICE, request));

/** A data URL's PNG as grey bytes. */
async function pixels(dataUrl: string): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(Buffer.from(dataUrl.split(',')[1], 'base64')).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

describe('sampling', () => {
  it('draws a grid of 28×28 digits, sample i from latent seed seed + i, the same for the same seed, saved to the gallery', async () => {
    const gans = service();
    const result = await samples(gans, { count: 6, seed: 40 });
    expect(result).toMatchObject({ task: 'samples', model: 'gan-mnist', seed: 40, modelVersion: expect.stringMatching(/^gan-mnist-[0-9a-f]{12}$/) });
    expect(result.images.map((i) => i.latent)).toEqual([40, 41, 42, 43, 44, 45].map((seed) => ({ seed })));
    const first = await pixels(result.images[0].image);
    expect([first.width, first.height]).toEqual([28, 28]);
    // A digit: some bright ink on a dark background.
    const ink = [...first.data].filter((v) => v > 128).length;
    expect(ink).toBeGreaterThan(30);
    expect(ink).toBeLessThan(400);

    const again = await samples(gans, { count: 2, seed: 41 });
    expect(again.images[0].image).toBe(result.images[1].image);
    const saved = await gans.generation(ALICE, result.generationId);
    expect(saved).toMatchObject({ kind: 'gan', status: 'done', seed: 40, params: { task: 'samples', model: 'gan-mnist', request: { count: 6, seed: 40 } } });
    expect(saved.images).toHaveLength(6);
    expect((await gans.recent(ALICE, 1))[0].id).toBe(again.generationId);
  });

  it('picks a random seed when none is given, and 16 samples by default', async () => {
    const result = await samples(service(), {});
    expect(result.images).toHaveLength(16);
    expect(Number.isInteger(result.seed) && result.seed! >= 0 && result.seed! <= MAX_SEED).toBe(true);
  });
});

describe('walking and varying', () => {
  it('a walk starts and ends at the two samples it joins', async () => {
    const gans = service();
    const grid = await samples(gans, { count: 2, seed: 100 });
    const walk = await interpolate(gans, { from: 100, to: 101, steps: 5 });
    expect(walk.images).toHaveLength(5);
    expect(walk.images.map((i) => i.latent)).toEqual([{ seed: 100 }, null, null, null, { seed: 101 }]);
    expect(walk.images[0].image).toBe(grid.images[0].image);
    expect(walk.images[4].image).toBe(grid.images[1].image);
    // The middle differs from both ends.
    expect(walk.images[2].image).not.toBe(grid.images[0].image);
  });

  it('variations stay near the sample they vary: closer for a small amount than for a large one', async () => {
    const gans = service();
    const [original] = (await samples(gans, { count: 1, seed: 7 })).images;
    const distance = async (a: string, b: string) => {
      const [x, y] = await Promise.all([pixels(a), pixels(b)]);
      return x.data.reduce((s, v, i) => s + Math.abs(v - y.data[i]), 0);
    };
    const mean = async (amount: number) => {
      const varied = await vary(gans, { latent: 7, count: 6, amount, seed: 3 });
      expect(varied.images.map((i) => i.latent)).toEqual([3, 4, 5, 6, 7, 8].map((seed) => ({ seed: 7, nudges: [{ seed, amount }] })));
      const ds = await Promise.all(varied.images.map((v) => distance(v.image, original.image)));
      return ds.reduce((a, b) => a + b, 0) / ds.length;
    };
    const small = await mean(0.1);
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThan((await mean(1)) * 0.6);
  });

  it('a variation can be an end of a walk', async () => {
    const walk = await interpolate(service(), { from: { seed: 7, nudges: [{ seed: 3, amount: 0.2 }] }, to: 9, steps: 3 });
    expect(walk.images[0].latent).toEqual({ seed: 7, nudges: [{ seed: 3, amount: 0.2 }] });
  });
});

describe('bad requests', () => {
  it.each([
    ['65 samples', () => samples(service(), { count: 65 }), 'count: must be a whole number from 1 to 64'],
    ['a fractional seed', () => samples(service(), { seed: 1.5 }), 'seed: must be a whole number from 0 to 2147483647'],
    ['seeds that run past the largest', () => samples(service(), { count: 4, seed: MAX_SEED - 1 }), 'choose a seed up to 2147483644'],
    ['an unknown model', () => samples(service(), { model: 'stylegan' }), 'model: must be one of gan-mnist, gan-omniglot'],
    ['a walk of one step', () => interpolate(service(), { from: 1, to: 2, steps: 1 }), 'steps: must be a whole number from 2 to 16'],
    ['a walk without an end', () => interpolate(service(), { from: 1 }), 'to: must be a latent seed'],
    ['a latent as text', () => interpolate(service(), { from: 'one', to: 2 }), 'from: must be a latent seed'],
    ['a variation by 2', () => vary(service(), { latent: 1, amount: 2 }), 'amount: must be a number from 0.05 to 1'],
    ['varying a latent varied 8 times over', () => vary(service(), { latent: { seed: 1, nudges: Array.from({ length: 8 }, (_, i) => ({ seed: i, amount: 0.1 })) } }), 'latent: it has been varied 8 times over'],
    ['a latent with 9 nudges', () => interpolate(service(), { from: { seed: 1, nudges: Array.from({ length: 9 }, (_, i) => ({ seed: i, amount: 0.1 })) }, to: 2 }), 'from.nudges: at most 8 nudges'],
  ])('rejects %s with BAD_REQUEST (400)', async (_name, call, message) => {
    const error = await errorOf(call());
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
  });

  it('a GAN without a checkpoint here is MODEL_UNAVAILABLE, naming the ones that are', async () => {
    const gans = new GanService({ db, models: server, generations: new GenerationService(db, new BlobStore(blobDir)), root: fs.mkdtempSync(path.join(os.tmpdir(), 'no-gan-')) });
    const error = await errorOf(samples(gans, { model: 'gan-mnist' }));
    expect(error.code).toBe('MODEL_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect(await gans.servedModels()).toEqual([]);
  });

  it('a request the model server turns away (SERVER_BUSY, 503) is answered at once and records nothing', async () => {
    const full = refusingServer('gan-mnist', 'models/gan/serve.ts');
    try {
      const gans = new GanService({ db, models: full, generations: new GenerationService(db, new BlobStore(blobDir)) });
      const rows = await db.generation.count();
      const error = await errorOf(samples(gans, { count: 4, seed: 1 }));
      expect(error.code).toBe('SERVER_BUSY');
      expect(error.retryAfter).toBeGreaterThanOrEqual(1);
      expect(await db.generation.count()).toBe(rows);
    } finally {
      await full.close();
    }
  });

  it('a caller that goes away while its samples are drawn: the generation is recorded as cancelled', async () => {
    const leaving = new AbortController();
    const answer = samples(service(), { count: 64, seed: 77 }, leaving.signal);
    leaving.abort();
    expect((await errorOf(answer)).code).toBe('CANCELLED');
    const row = await db.generation.findFirstOrThrow({ where: { kind: 'gan', seed: 77 }, orderBy: { createdAt: 'desc' } });
    expect(row.status).toBe('cancelled');
  });
});

describe('the routes', () => {
  const post = async (route: (request: Request) => Promise<Response>, body: string, contentType = 'application/json') =>
    route(new Request('http://localhost/api/gan', { method: 'POST', headers: { 'content-type': contentType, ...(await ownerHeaders(ALICE)) }, body }));

  it('POST /api/gan/samples, /interpolate and /vary answer with images and their latents', async () => {
    const samples = await post(samplesRoute, JSON.stringify({ count: 3, seed: 5 }));
    expect(samples.status).toBe(200);
    expect((await samples.json()).images).toHaveLength(3);
    const walk = await post(interpolateRoute, JSON.stringify({ from: 5, to: 6, steps: 4 }));
    expect(walk.status).toBe(200);
    expect((await walk.json()).images).toHaveLength(4);
    const varied = await post(varyRoute, JSON.stringify({ latent: 5, count: 2 }));
    expect(varied.status).toBe(200);
    expect((await varied.json()).images).toHaveLength(2);
  });

  it.each([
    ['text that is not JSON', '{count: 3', 'application/json', 400, 'BAD_REQUEST'],
    ['a count out of range', JSON.stringify({ count: 0 }), 'application/json', 400, 'BAD_REQUEST'],
  ])('answers %s with a clear 4xx', async (_name, body, contentType, status, code) => {
    const response = await post(samplesRoute, body, contentType);
    expect(response.status).toBe(status);
    expect((await response.json()).error.code).toBe(code);
  });
});

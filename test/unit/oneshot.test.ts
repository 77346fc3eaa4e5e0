/**
 * The one-shot service and its routes: what a person can send to /api/oneshot/* and what they get
 * back. The committed one-shot model answers through a real model server (one worker), on Lake's
 * one-shot runs from DATA_DIR; drawings are saved to a gallery of the test's own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, asRoute, errorOf, ownerHeaders, refusingServer } from './helpers';
import { POST as classifyRoute } from '@/app/api/oneshot/classify/route';
import { GET as runRoute } from '@/app/api/oneshot/runs/[run]/route';
import { POST as variantsRoute } from '@/app/api/oneshot/variants/route';
import { loadOneShotRuns, type OneShotRun } from '@/lib/datasets';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { GenerationService } from '@/lib/generations';
import { JobRegistry, type JobView } from '@/lib/jobs';
import { ModelServer } from '@/lib/model-server';
import { classifyRequest, MAX_SEED, MIN_INK_PX, OneShotService, runNumber, variantProgress, variantsRequest, type VariantEvent, type VariantsJobResult } from '@/lib/oneshot';
import { BlobStore } from '@/lib/storage';
import { inkLength } from '@/lib/strokes';
import { BITMAP_BYTES, IMAGE_SIZE, unpackBitmap } from '@/models/oneshot/contract';

const DB_URL = 'file:./test/.tmp/oneshot.db';

/** A character of three strokes (an "A" with its bar), points as [x, y, t]. */
const LETTER_A = [
  [
    [30, 85, 0],
    [42, 55, 40],
    [52, 25, 80],
  ],
  [
    [52, 25, 300],
    [63, 55, 340],
    [75, 85, 380],
  ],
  [
    [38, 62, 700],
    [66, 62, 760],
  ],
];

let db: Db;
let blobDir: string;
let server: ModelServer;
let runs: OneShotRun[];

beforeAll(async () => {
  fs.rmSync(DB_URL.slice('file:'.length), { force: true });
  await migrateDatabase(DB_URL);
  db = createDb(DB_URL);
  blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oneshot-blobs-'));
  server = new ModelServer({
    models: [{ name: 'oneshot', module: 'models/oneshot/serve.ts', maxBatch: 1 }],
    workers: 1,
    backend: 'wasm',
    defaults: { maxBatch: 1, maxWaitMs: 0, queueLimit: 8, timeoutMs: 60_000 },
    root: process.cwd(),
  });
  [runs] = await Promise.all([loadOneShotRuns(), server.ready(60_000)]);
});

afterAll(async () => {
  await server?.close();
  await db?.$disconnect();
  fs.rmSync(blobDir, { recursive: true, force: true });
});

const service = (jobs = new JobRegistry()) => new OneShotService({ db, models: server, jobs, generations: new GenerationService(db, new BlobStore(blobDir)) });

// Each request checked with its route's schema, as the route does, then answered by the service.
const prepareVariants = (oneshot: OneShotService, body: unknown) => asRoute(variantsRequest, body, (request) => oneshot.prepareVariants(request));
const classify = (oneshot: OneShotService, body: unknown) => asRoute(classifyRequest, body, (request) => oneshot.classify(request));
const runCharacters = (oneshot: OneShotService, run: string) => asRoute(runNumber, run, (checked) => oneshot.runCharacters(checked));

function followToEnd(jobs: JobRegistry, id: string): Promise<{ end: JobView; variants: VariantEvent[] }> {
  return new Promise((resolve) => {
    const variants: VariantEvent[] = [];
    jobs.follow(ALICE, id, (event, job) => {
      if (event === 'progress') variants.push(job.progress!.preview as VariantEvent);
      else resolve({ end: job, variants });
    });
  });
}

const base64 = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64');
const inkOf = (bitmap: Uint8Array) => unpackBitmap(bitmap, IMAGE_SIZE * IMAGE_SIZE, 1, 0).reduce((s, v) => s + v, 0);

describe('checking a drawing', () => {
  it('takes strokes as [x, y, t] triples, 9 variants and a random seed by default', async () => {
    const prepared = await prepareVariants(service(), { strokes: LETTER_A });
    expect(prepared.source).toBe('strokes');
    expect(prepared.count).toBe(9);
    expect(prepared.drawing).toHaveLength(3);
    expect(prepared.drawing[0][1]).toEqual({ x: 42, y: 55, t: 40 });
    expect(prepared.inkLength).toBeCloseTo(inkLength(prepared.drawing));
    expect(Number.isInteger(prepared.seed) && prepared.seed >= 0 && prepared.seed <= MAX_SEED).toBe(true);
    expect(await prepareVariants(service(), { strokes: LETTER_A, count: 16, seed: 0 })).toMatchObject({ count: 16, seed: 0 });
    expect((await prepareVariants(service(), { strokes: LETTER_A, count: 1, seed: MAX_SEED })).seed).toBe(MAX_SEED);
  });

  it('takes a PNG (base64 or a data: URL) and parses it into pen strokes', async () => {
    const png = runs[0].training[0].png;
    const plain = await prepareVariants(service(), { png: base64(png) });
    const url = await prepareVariants(service(), { png: `data:image/png;base64,${base64(png)}` });
    expect(plain.source).toBe('png');
    expect(plain.drawing.length).toBeGreaterThan(0);
    expect(url.drawing).toEqual(plain.drawing);
    // Any size is fitted into the 105×105 frame.
    const large = await sharp(png).resize(420, 420, { kernel: 'nearest' }).png().toBuffer();
    expect((await prepareVariants(service(), { png: base64(large) })).inkLength).toBeGreaterThan(MIN_INK_PX);
  });

  it.each([
    ['an empty canvas', { strokes: [] }, 'EMPTY_DRAWING', 400, 'The canvas is empty: draw a character first.'],
    ['no drawing at all', { count: 4 }, 'EMPTY_DRAWING', 400, 'There is no drawing'],
    ['a dot', { strokes: [[[50, 50, 0]]] }, 'TOO_LITTLE_INK', 422, `a character needs at least ${MIN_INK_PX} px`],
    ['a tap and a tiny scribble', { strokes: [[[50, 50, 0]], [[20, 20, 100], [23, 22, 120], [21, 24, 140]]] }, 'TOO_LITTLE_INK', 422, 'the strokes are 6.4 px long in all'],
    ['more pen path than a character has', { strokes: Array.from({ length: 40 }, (_, s) => [[2, 2.5 * s, 0], [102, 2.5 * s, 50]]) }, 'TOO_MUCH_INK', 422, 'at most 2,000 px in 40 strokes'],
    ['strokes that are not a list', { strokes: 'an A' }, 'BAD_REQUEST', 400, 'strokes: strokes are a list of strokes'],
    ['points without their time', { strokes: [[[1, 2], [3, 4]]] }, 'BAD_REQUEST', 400, 'strokes.0.0'],
    ['points far outside the canvas', { strokes: [[[10, 10, 0], [5000, 10, 10]]] }, 'BAD_REQUEST', 400, 'strokes.0.1'],
    ['an empty stroke', { strokes: [[], ...LETTER_A] }, 'BAD_REQUEST', 400, 'a stroke needs at least one point'],
    ['strokes and a PNG at once', { strokes: LETTER_A, png: 'iVBORw0KGgo=' }, 'BAD_REQUEST', 400, 'either "strokes" or "png"'],
    ['0 variants', { strokes: LETTER_A, count: 0 }, 'BAD_REQUEST', 400, 'count: must be a whole number from 1 to 16'],
    ['17 variants', { strokes: LETTER_A, count: 17 }, 'BAD_REQUEST', 400, 'count: must be a whole number from 1 to 16'],
    ['2.5 variants', { strokes: LETTER_A, count: 2.5 }, 'BAD_REQUEST', 400, 'count: must be a whole number from 1 to 16'],
    ['a negative seed', { strokes: LETTER_A, seed: -1 }, 'BAD_REQUEST', 400, 'seed: must be a whole number from 0 to 2147483647'],
    ['a seed of 2^31', { strokes: LETTER_A, seed: 2 ** 31 }, 'BAD_REQUEST', 400, 'seed: must be a whole number from 0 to 2147483647'],
    ['a PNG that is text', { png: base64(Buffer.from('hello, this is not an image at all')) }, 'UNSUPPORTED_FORMAT', 415, 'PNG'],
    ['a JPEG instead of a PNG', { png: base64(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1])) }, 'UNSUPPORTED_FORMAT', 415, 'PNG'],
    ['a PNG that is not base64', { png: '<svg onload=alert(1)>' }, 'BAD_REQUEST', 400, 'png: must be a PNG'],
    ['null', null, 'BAD_REQUEST', 400, 'expected object'],
  ])('rejects %s with %s (%i)', async (_name, body, code, status, message) => {
    const error = await errorOf(prepareVariants(service(), body));
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.message).toContain(message);
  });

  it('a cut-off PNG is CORRUPT_IMAGE, a blank one EMPTY_DRAWING', async () => {
    const png = runs[0].training[0].png;
    const cut = await errorOf(prepareVariants(service(), { png: base64(png.subarray(0, Math.floor(png.length / 2))) }));
    expect(cut.code).toBe('CORRUPT_IMAGE');
    expect(cut.status).toBe(422);
    const blank = await sharp({ create: { width: 105, height: 105, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const empty = await errorOf(prepareVariants(service(), { png: base64(blank) }));
    expect(empty.code).toBe('EMPTY_DRAWING');
    expect(empty.message).toContain('The image has no ink');
  });

  it('every character of the one-shot runs has enough ink to pass', async () => {
    for (const run of runs.slice(0, 5)) {
      for (const image of run.training) expect((await prepareVariants(service(), { png: base64(image.png) })).inkLength).toBeGreaterThan(2 * MIN_INK_PX);
    }
  });
});

describe('making variants', () => {
  it('streams one variant at a time, then saves the drawing and its variants to the gallery', async () => {
    const jobs = new JobRegistry();
    const oneshot = service(jobs);
    const started = await oneshot.startVariants(ALICE, await prepareVariants(oneshot, { strokes: LETTER_A, count: 5, seed: 42 }));
    expect(started).toMatchObject({ count: 5, seed: 42, source: 'strokes' });
    const { end, variants } = await followToEnd(jobs, started.job.id);
    expect(end.status).toBe('done');
    expect(variants.map((v) => v.index)).toEqual([0, 1, 2, 3, 4]);
    for (const v of variants) {
      const bits = Buffer.from(v.bitmap, 'base64');
      expect(bits.byteLength).toBe(BITMAP_BYTES);
      expect(inkOf(bits)).toBeGreaterThan(100); // a character's worth of ink
    }
    const result = end.result as VariantsJobResult;
    expect(result.generationId).toBe(started.generationId);
    const generation = await oneshot.generation(ALICE, result.generationId);
    expect(generation).toMatchObject({ kind: 'oneshot', modelName: 'oneshot', seed: 42, status: 'done', params: { count: 5, source: 'strokes' } });
    expect(generation.modelVersion).toMatch(/^oneshot-[0-9a-f]{12}$/);
    expect(generation.images).toHaveLength(6); // the drawing, then 5 variants
    expect(generation.canvas).toEqual({ width: 105, height: 105, channels: 1 });
    expect(generation.result!.drawing).toHaveLength(3);
    expect(generation.result!.variants).toHaveLength(5);
    expect(new Set(generation.images.map((i) => i.sha256)).size).toBe(6);
    expect((await oneshot.recent(ALICE)).map((g) => g.id)).toContain(generation.id);

    // The same drawing, count and seed give the same variants.
    const again = await oneshot.startVariants(ALICE, await prepareVariants(oneshot, { strokes: LETTER_A, count: 5, seed: 42 }));
    const second = (await followToEnd(jobs, again.job.id)).end.result as VariantsJobResult;
    expect(second.generation.images.map((i) => i.sha256)).toEqual(generation.images.map((i) => i.sha256));
  });

  it('a cancelled job saves nothing and marks the generation cancelled', async () => {
    const jobs = new JobRegistry();
    const oneshot = service(jobs);
    const started = await oneshot.startVariants(ALICE, await prepareVariants(oneshot, { strokes: LETTER_A, count: 16, seed: 1 }));
    jobs.cancel(ALICE, started.job.id);
    const { end } = await followToEnd(jobs, started.job.id);
    expect(end.status).toBe('cancelled');
    expect((await oneshot.generation(ALICE, started.generationId)).status).toBe('cancelled');
  });

  it('a request the model server turns away (SERVER_BUSY, 503) records nothing', async () => {
    const full = refusingServer('oneshot', 'models/oneshot/serve.ts');
    try {
      const oneshot = new OneShotService({ db, models: full, jobs: new JobRegistry(), generations: new GenerationService(db, new BlobStore(blobDir)) });
      const rows = await db.generation.count();
      const prepared = await prepareVariants(oneshot, { strokes: LETTER_A, count: 4, seed: 3 });
      await expect(oneshot.startVariants(ALICE, prepared)).rejects.toMatchObject({ code: 'SERVER_BUSY', status: 503 });
      expect(await db.generation.count()).toBe(rows);
    } finally {
      await full.close();
    }
  });

  it('turns a model progress event into "variant k of n" with the bitmap as base64', () => {
    const bitmap = new Uint8Array(BITMAP_BYTES).fill(0x81);
    const event = variantProgress({ step: 2, total: 9, preview: { index: 1, count: 9, bitmap } });
    expect(event).toMatchObject({ step: 2, total: 9, message: 'Variant 2 of 9', preview: { index: 1, count: 9, size: 105, bitmap: base64(bitmap) } });
    expect(variantProgress({ step: 1, total: 1 })).toEqual({ step: 1, total: 1, message: 'Variant 1 of 1' });
  });
});

describe('which character is it', () => {
  it('ranks a run’s 20 characters for a drawing of one of them, in well under a second', async () => {
    const run = runs[0];
    const answer = run.answers[0];
    const oneshot = service();
    await classify(oneshot, { png: base64(run.test[1].png), run: 1 }); // warm: parses the run's characters once
    const started = performance.now();
    const result = await classify(oneshot, { png: base64(run.test[0].png), run: 1 });
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(1500);
    expect(result.run).toBe(1);
    expect(result.ranking).toHaveLength(20);
    expect(new Set(result.ranking.map((r) => r.index)).size).toBe(20);
    expect(result.ranking.reduce((s, r) => s + r.probability, 0)).toBeCloseTo(1, 3);
    for (let i = 1; i < 20; i++) expect(result.ranking[i].logScore).toBeLessThanOrEqual(result.ranking[i - 1].logScore);
    expect(result.ranking[0]).toMatchObject({ index: answer, name: `run 1, character ${answer + 1}` });
    // One of the run's own characters, fitting well: answered, not "none of these".
    expect(result.abstention).toMatchObject({ statistic: expect.any(String), noneOfThese: false });
    expect(result.abstention!.confidence).toBeGreaterThanOrEqual(result.abstention!.threshold);
    expect(result).toMatchObject({ noneOfThese: false, answer: result.ranking[0] });
  });

  it('says "none of these" for a letter that is none of a run’s characters, still ranking them', async () => {
    // Run 1's alphabet has no A; its closest character fits the letter poorly (score about −7.2,
    // below the −5.48 chosen on background characters).
    const result = await classify(service(), { strokes: LETTER_A, run: 1 });
    expect(result).toMatchObject({ noneOfThese: true, answer: null, abstention: { noneOfThese: true, statistic: 'score' } });
    expect(result.abstention!.confidence).toBeLessThan(result.abstention!.threshold);
    expect(result.ranking).toHaveLength(20);
    expect(result.ranking[0].name).toMatch(/^run 1, character \d+$/);
  });

  it.each([
    ['run 0', { strokes: LETTER_A, run: 0 }, 'run: must be a run number from 1 to 20'],
    ['run 21', { strokes: LETTER_A, run: 21 }, 'run: must be a run number from 1 to 20'],
    ['no run', { strokes: LETTER_A }, 'run: must be a run number from 1 to 20'],
    ['a run as text', { strokes: LETTER_A, run: 'first' }, 'run: must be a run number from 1 to 20'],
  ])('rejects %s with BAD_REQUEST', async (_name, body, message) => {
    const error = await errorOf(classify(service(), body));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain(message);
  });

  it('an empty canvas is EMPTY_DRAWING before any run is read', async () => {
    expect((await errorOf(classify(service(), { strokes: [], run: 1 }))).code).toBe('EMPTY_DRAWING');
  });

  it('shows a run’s 20 characters as PNG data URLs', async () => {
    const { run, characters } = await runCharacters(service(), '3');
    expect(run).toBe(3);
    expect(characters).toHaveLength(20);
    expect(characters[0]).toMatchObject({ index: 0, name: 'run 3, character 1', file: 'class01', image: expect.stringMatching(/^data:image\/png;base64,iVBORw0KGgo/) });
    for (const bad of ['0', '21', 'x', '1.5']) expect((await errorOf(runCharacters(service(), bad))).code).toBe('BAD_REQUEST');
  });
});

describe('the /api/oneshot routes', () => {
  const holder = globalThis as { __latentStudioOneShot?: OneShotService };
  const post = async (route: (request: Request) => Promise<Response>, body: string, contentType = 'application/json') =>
    route(new Request('http://localhost/api/oneshot', { method: 'POST', headers: { 'content-type': contentType, ...(await ownerHeaders(ALICE)) }, body }));

  beforeAll(() => {
    holder.__latentStudioOneShot = service();
  });
  afterAll(() => {
    delete holder.__latentStudioOneShot;
  });

  it('answers 202 with a job for variants, and the ranking for classify', async () => {
    const started = await post(variantsRoute, JSON.stringify({ strokes: LETTER_A, count: 2, seed: 3 }));
    expect(started.status).toBe(202);
    expect(await started.json()).toMatchObject({ job: { id: expect.any(String) }, generationId: expect.any(String), count: 2, seed: 3 });
    const classified = await post(classifyRoute, JSON.stringify({ strokes: LETTER_A, run: 2 }));
    expect(classified.status).toBe(200);
    expect((await classified.json()).ranking).toHaveLength(20);
    const run = await runRoute(new Request('http://localhost/api/oneshot/runs/2'), { params: Promise.resolve({ run: '2' }) });
    expect((await run.json()).characters).toHaveLength(20);
  });

  it('answers every mistake with a 4xx JSON error, never a 500', async () => {
    const cases: [Response, number, string][] = [
      [await post(variantsRoute, JSON.stringify({ strokes: [] })), 400, 'EMPTY_DRAWING'],
      [await post(variantsRoute, JSON.stringify({ strokes: [[[5, 5, 0]]] })), 422, 'TOO_LITTLE_INK'],
      [await post(variantsRoute, '{"strokes": '), 400, 'BAD_REQUEST'],
      [await post(variantsRoute, 'strokes=1', 'application/x-www-form-urlencoded'), 400, 'BAD_REQUEST'],
      [await post(variantsRoute, JSON.stringify({ strokes: LETTER_A, count: 99 })), 400, 'BAD_REQUEST'],
      [await post(classifyRoute, JSON.stringify({ strokes: LETTER_A, run: 99 })), 400, 'BAD_REQUEST'],
      [await post(classifyRoute, JSON.stringify({ png: base64(Buffer.from('GIF89a not really')), run: 1 })), 415, 'UNSUPPORTED_FORMAT'],
      [await runRoute(new Request('http://localhost/api/oneshot/runs/0'), { params: Promise.resolve({ run: '0' }) }), 400, 'BAD_REQUEST'],
    ];
    for (const [response, status, code] of cases) {
      expect(response.status).toBe(status);
      const body = await response.json();
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(10);
    }
  });
});

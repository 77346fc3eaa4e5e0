/**
 * The caption service and POST /api/caption: what a person can send and what they get back.
 *
 * Everything runs on the committed alignDRAW checkpoint, served by a real model server with one
 * WASM worker: checking a caption uses its tokenizer and grammar, and drawing streams its real
 * steps into the job and the gallery. Only the failure test wraps the server, to make a worker
 * crash at a known step.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, asRoute, errorOf, ownerHeaders } from './helpers';
import { POST } from '@/app/api/caption/route';
import { CAPTION_MODEL_INFO, captionRequest, CaptionService, drawingProgress, EXAMPLE_CAPTIONS, MAX_SEED, readCaption, type CaptionJobResult, type DrawingPreview } from '@/lib/caption';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { AppError } from '@/lib/errors';
import { GenerationService } from '@/lib/generations';
import { JobRegistry, type JobView } from '@/lib/jobs';
import { ModelServer, type ModelClient, type RunOptions, type RunResult } from '@/lib/model-server';
import type { ServableRef } from '@/lib/model-server/servable';
import { BlobStore } from '@/lib/storage';

const DB_URL = 'file:./test/.tmp/caption.db';
const SIZE = 60;
/** Drawing steps of the committed checkpoint. */
const STEPS = 16;

/** The model server with the three caption models on one WASM worker. */
const drawingServer = () =>
  new ModelServer({
    models: [
      { name: 'align-draw-mnist', module: 'models/align-draw/serve.ts', maxBatch: 1 },
      { name: 'align-draw-corel', module: 'models/align-draw/serve-corel.ts', maxBatch: 1 },
      { name: 'align-draw-flickr', module: 'models/align-draw/serve-flickr.ts', maxBatch: 1 },
    ],
    workers: 1,
    backend: 'wasm',
    defaults: { maxBatch: 1, maxWaitMs: 0, queueLimit: 8, timeoutMs: 60_000 },
    root: process.cwd(),
  });

/** The real server, except that a run fails with MODEL_WORKER_CRASHED when step `at` arrives. */
function crashingAt(server: ModelClient, at: number): ModelClient {
  return {
    run<I, O>(servable: ServableRef<I, O>, input: I, run: RunOptions = {}): Promise<RunResult<O>> {
      const abort = new AbortController();
      return new Promise<RunResult<O>>((resolve, reject) => {
        const onProgress: RunOptions['onProgress'] = (event) => {
          if (event.step === at) {
            abort.abort();
            reject(new AppError('MODEL_WORKER_CRASHED', 'The model worker stopped.'));
          } else run.onProgress?.(event);
        };
        server.run(servable, input, { ...run, signal: abort.signal, onProgress }).then(resolve, reject);
      });
    },
    admit: (model, options) => server.admit(model, options),
    health: () => server.health(),
    close: async () => {},
  };
}

/** Pixels of a canvas bright enough to be a stroke. */
const strokePixels = (canvas: Uint8Array) => canvas.filter((v) => v > 128).length;

/** Resolves with the job once it ends, collecting its progress events. */
function followToEnd(jobs: JobRegistry, id: string): Promise<{ end: JobView; steps: JobView['progress'][] }> {
  return new Promise((resolve) => {
    const steps: JobView['progress'][] = [];
    jobs.follow(ALICE, id, (event, job) => {
      if (event === 'progress') steps.push(job.progress);
      else resolve({ end: job, steps });
    });
  });
}

let db: Db;
let blobDir: string;
let server: ModelServer;

beforeAll(async () => {
  fs.rmSync(DB_URL.slice('file:'.length), { force: true });
  await migrateDatabase(DB_URL);
  db = createDb(DB_URL);
  blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caption-blobs-'));
  server = drawingServer();
  await server.ready(60_000);
});

afterAll(async () => {
  await server?.close();
  await db?.$disconnect();
  fs.rmSync(blobDir, { recursive: true, force: true });
});

const service = (models: ModelClient = server, jobs = new JobRegistry()) =>
  new CaptionService({ db, models, jobs, generations: new GenerationService(db, new BlobStore(blobDir)) });
// A caption request checked with its route's schema, as the route does, then prepared by the service.
const prepare = (captions: CaptionService, body: unknown) => asRoute(captionRequest, body, (request) => captions.prepare(request));

describe('checking a caption', () => {
  it('reads a caption of the grammar: its words, a seen scene, 4 samples and a random seed by default', async () => {
    const prepared = await prepare(service(), { caption: '  The digit 3 is on the LEFT of the digit 5.  ' });
    expect(prepared).toMatchObject({
      caption: 'The digit 3 is on the LEFT of the digit 5.',
      samples: 4,
      model: 'align-draw-mnist',
      words: ['the', 'digit', '3', 'is', 'on', 'the', 'left', 'of', 'the', 'digit', '5', '.'],
      reading: { kind: 'seen', structure: { type: 'pair', subject: 3, relation: 'left', object: 5 } },
    });
    expect(Number.isInteger(prepared.seed) && prepared.seed >= 0 && prepared.seed <= MAX_SEED).toBe(true);
    const other = await prepare(service(), { caption: 'the digit 3 is on the left of the digit 5' });
    expect(other.seed).not.toBe(prepared.seed);
    expect(await prepare(service(), { caption: 'the digit 1 is at the top left of the image', samples: 16, seed: 0 })).toMatchObject({ samples: 16, seed: 0 });
    expect((await prepare(service(), { caption: 'the digit 1 is at the top left of the image', seed: MAX_SEED })).seed).toBe(MAX_SEED);
  });

  it('samples at the model’s default temperature unless the request names one (0 to 1)', async () => {
    const caption = 'the digit 1 is at the top left of the image';
    expect((await prepare(service(), { caption })).temperature).toBe(CAPTION_MODEL_INFO['align-draw-mnist'].defaultTemperature);
    expect((await prepare(service(), { caption, temperature: 1 })).temperature).toBe(1);
    expect((await prepare(service(), { caption, temperature: 0 })).temperature).toBe(0);
  });

  it('says when a scene was held out of training (a novel caption)', async () => {
    expect((await prepare(service(), { caption: 'the digit 3 is on the left of the digit 6', samples: 2 })).reading).toEqual({
      kind: 'novel',
      structure: { type: 'pair', subject: 3, relation: 'left', object: 6 },
    });
    // The same held-out scene in its other wording.
    expect(readCaption('align-draw-mnist', 'the digit 6 is on the right of the digit 3').kind).toBe('novel');
  });

  it('allows known words outside the grammar, and says where the grammar stops', async () => {
    const prepared = await prepare(service(), { caption: 'the digit 3 is the digit 5' });
    expect(prepared.reading.kind).toBe('outside-grammar');
    expect(prepared.reading).toMatchObject({ problem: expect.stringContaining('"the"') });
    expect(prepared.words).toEqual(['the', 'digit', '3', 'is', 'the', 'digit', '5', '.']);
  });

  it('turns away words the model does not know with UNKNOWN_WORDS (422), naming them and what it knows', async () => {
    const error = await errorOf(prepare(service(), { caption: 'the digit 3 is next to the cat', model: 'align-draw-mnist' }));
    expect(error.code).toBe('UNKNOWN_WORDS');
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/^The MNIST with Captions model does not know the words "next", "to", "cat"\./);
    expect(error.message).toContain('It reads only the 22 words of its grammar: 0 1 2 3 4 5 6 7 8 9 the digit is on at left right bottom top of image (and a full stop).');
    expect(error.details).toMatchObject({
      unknown: ['next', 'to', 'cat'],
      known: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'the', 'digit', 'is', 'on', 'at', 'left', 'right', 'bottom', 'top', 'of', 'image', '.'],
    });
  });

  it('says which served model could draw a caption the chosen one cannot', async () => {
    // MNIST's grammar cannot draw a beach; the Flickr8k model reads the whole sentence (the Corel-5k
    // model would leave "a", "on", "the" out).
    const error = await errorOf(prepare(service(), { caption: 'a dog running on the beach', model: 'align-draw-mnist' }));
    expect(error).toMatchObject({ code: 'UNKNOWN_WORDS', status: 422 });
    expect(error.message).toContain('The Flickr8k photos model could draw it.');
    expect(error.details).toMatchObject({ unknown: ['a', 'dog', 'running', 'beach'], otherModel: { model: 'align-draw-flickr', caption: 'a dog running on the beach' } });
    // Tags that Corel-5k knows every one of go to the tag model.
    const tags = await errorOf(prepare(service(), { caption: 'sky water tree', model: 'align-draw-mnist' }));
    expect(tags.details).toMatchObject({ otherModel: { model: 'align-draw-corel', caption: 'sky water tree' } });
    // And the other way round: Corel-5k's tags hold no digit.
    const back = await errorOf(prepare(service(), { caption: 'the digit 3 is on the left of the digit 5', model: 'align-draw-corel' }));
    expect(back.message).toContain('The MNIST with Captions model could draw it.');
    expect(back.details).toMatchObject({ otherModel: { model: 'align-draw-mnist' } });
  });

  it('a request that names no model goes to MNIST for its grammar’s words, to Corel-5k for its tags, and to the Flickr8k model for any other sentence', async () => {
    expect(await prepare(service(), { caption: 'the digit 3 is on the left of the digit 5' })).toMatchObject({ model: 'align-draw-mnist', reading: { kind: 'seen' } });
    expect(await prepare(service(), { caption: 'A dog running on the beach' })).toMatchObject({
      model: 'align-draw-flickr',
      caption: 'A dog running on the beach',
      words: ['a', 'dog', 'running', 'on', 'the', 'beach'],
      leftOut: [],
      reading: { kind: 'free-text' },
      temperature: CAPTION_MODEL_INFO['align-draw-flickr'].defaultTemperature,
    });
    // Words of MNIST's grammar outside its sentences still go to MNIST (it draws what they say),
    // and a list of Corel-5k tags to the tag model.
    expect((await prepare(service(), { caption: 'the digit 3 is the digit 5' })).model).toBe('align-draw-mnist');
    expect((await prepare(service(), { caption: 'sky water tree' })).model).toBe('align-draw-corel');
  });

  it('the Flickr8k model reads any sentence: rare words in pieces, what no piece spells left out and named', async () => {
    const prepared = await prepare(service(), { caption: 'A skateboarder does a kickflip 🛹 at sunset', model: 'align-draw-flickr' });
    expect(prepared.words).toContain('skateboarder');
    expect(prepared.words.filter((w) => w.startsWith('##')).length).toBeGreaterThan(0);
    expect(prepared.leftOut).toEqual(['🛹']);
    expect((await prepare(service(), { caption: 'Zwei Hunde spielen im Schnee', model: 'align-draw-flickr' })).words.length).toBeGreaterThan(5);
    // Every example the page offers for it reads with nothing left out.
    for (const example of EXAMPLE_CAPTIONS.filter((e) => e.model === 'align-draw-flickr')) {
      expect((await prepare(service(), { caption: example.caption })).model, example.caption).toBe('align-draw-flickr');
      expect((await prepare(service(), { caption: example.caption, model: 'align-draw-flickr' })).leftOut, example.caption).toEqual([]);
    }
  });

  it.each([
    ['an empty sentence', { caption: '  ' }, 'caption: write a caption first'],
    ['a sentence over 200 characters', { caption: 'a dog runs on the beach '.repeat(9) }, 'caption: a caption has at most 200 characters'],
    ['only characters no word piece spells', { caption: '🐱 🐶 ☃' }, 'The caption has no letters or numbers the model can read'],
    ['only punctuation', { caption: '?! … --' }, 'The caption has no letters or numbers the model can read'],
  ])('the Flickr8k model turns away %s with BAD_REQUEST (400), saying what to type', async (_name, body, message) => {
    const error = await errorOf(prepare(service(), { ...body, model: 'align-draw-flickr' }));
    expect(error).toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    expect(error.message).toContain(message);
  });

  it.each([
    ['an empty caption', { caption: '   ' }, 'caption: write a caption first'],
    ['a caption of punctuation only', { caption: '?!' }, 'The caption is empty'],
    ['an over-long caption', { caption: `the digit 3 ${'is '.repeat(70)}` }, 'caption: a caption has at most 200 characters'],
    ['a caption that is not text', { caption: 3 }, 'caption: must be text'],
    ['no caption', { samples: 2 }, 'caption: must be text'],
    ['0 samples', { caption: 'the digit 1 is at the top left of the image', samples: 0 }, 'samples: draw at least 1 image'],
    ['17 samples', { caption: 'the digit 1 is at the top left of the image', samples: 17 }, 'samples: draw at most 16 images at once'],
    ['2.5 samples', { caption: 'the digit 1 is at the top left of the image', samples: 2.5 }, 'samples: must be a whole number from 1 to 16'],
    ['samples as text', { caption: 'the digit 1 is at the top left of the image', samples: '4' }, 'samples: must be a whole number from 1 to 16'],
    ['a negative seed', { caption: 'the digit 1 is at the top left of the image', seed: -1 }, 'seed: must be a whole number from 0 to 2147483647'],
    ['a seed of 2^31', { caption: 'the digit 1 is at the top left of the image', seed: 2 ** 31 }, 'seed: must be a whole number from 0 to 2147483647'],
    ['a fractional seed', { caption: 'the digit 1 is at the top left of the image', seed: 1.5 }, 'seed: must be a whole number from 0 to 2147483647'],
    ['an unknown model', { caption: 'the digit 1 is at the top left of the image', model: 'gpt' }, 'model: must be one of align-draw-mnist, align-draw-corel, align-draw-flickr'],
    ['a temperature above 1', { caption: 'the digit 1 is at the top left of the image', temperature: 1.5 }, 'temperature: must be a number from 0 to 1 (1 samples the model’s own prior)'],
    ['a negative temperature', { caption: 'the digit 1 is at the top left of the image', temperature: -0.1 }, 'temperature: must be a number from 0 to 1'],
    ['a temperature as text', { caption: 'the digit 1 is at the top left of the image', temperature: 'hot' }, 'temperature: must be a number from 0 to 1'],
    ['a list instead of an object', ['the digit 1'], 'expected object'],
    ['null', null, 'expected object'],
  ])('rejects %s with BAD_REQUEST (400)', async (_name, body, message) => {
    const error = await errorOf(prepare(service(), body));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
  });

  it('a caption model that is not served here is MODEL_UNAVAILABLE, naming the ones that are', async () => {
    const serving = (models: string[]) => new CaptionService({ db, models: { ...crashingAt(server, 0), health: async () => ({ mode: 'embedded' as const, ok: true, workers: [], queues: {}, models, restarts: 0 }) } });
    const error = await errorOf(prepare(serving(['align-draw-mnist']), { caption: 'sky water', model: 'align-draw-corel' }));
    expect(error.code).toBe('MODEL_UNAVAILABLE');
    expect(error.message).toContain('Served: align-draw-mnist.');
    const nothing = serving([]);
    expect(await nothing.servedModels()).toEqual([]);
    expect((await errorOf(prepare(nothing, { caption: 'the digit 1 is at the top left of the image' }))).code).toBe('MODEL_UNAVAILABLE');
  });

  it('lists the served models with the words they know, and example captions that read as labelled', async () => {
    const [mnist, corel, flickr, ...others] = await service().servedModels();
    expect(others).toEqual([]);
    expect(flickr).toMatchObject({ name: 'align-draw-flickr', label: 'Flickr8k photos', grammar: null, freeText: true, vocabulary: null });
    expect(mnist).toMatchObject({ name: 'align-draw-mnist', label: 'MNIST with Captions', grammar: 'mnist' });
    expect(mnist.vocabulary).toHaveLength(22);
    expect(corel).toMatchObject({ name: 'align-draw-corel', label: 'Corel-5k photos', grammar: null });
    expect(corel.vocabulary).toHaveLength(374);
    expect(corel.vocabulary).toEqual(expect.arrayContaining(['sky', 'water', 'tree', 'close-up']));
    const examples = EXAMPLE_CAPTIONS.filter((e) => e.model === 'align-draw-mnist');
    expect(examples.filter((e) => e.kind === 'seen').length).toBeGreaterThanOrEqual(4);
    expect(examples.filter((e) => e.kind === 'novel').length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      const prepared = await prepare(service(), { caption: example.caption });
      expect(prepared.reading.kind, example.caption).toBe(example.kind);
    }
  });
});

describe('drawing a caption', () => {
  it('streams every drawing step of the trained model, stores the images in the gallery and names the generation', async () => {
    const jobs = new JobRegistry();
    const captions = service(server, jobs);
    const caption = 'the digit 7 is at the top right of the image';
    const started = await captions.start(ALICE, await prepare(captions, { caption, samples: 3, seed: 11 }));
    expect(started).toMatchObject({ seed: 11, samples: 3, job: { status: 'running', kind: 'caption' }, generationId: expect.any(String) });
    const { end, steps } = await followToEnd(jobs, started.job.id);

    expect(end.status).toBe('done');
    expect(steps.map((p) => `${p!.step}/${p!.total}`)).toEqual(Array.from({ length: STEPS }, (_, i) => `${i + 1}/${STEPS}`));
    expect(steps[1]!.message).toBe(`Drawing step 2 of ${STEPS}`);
    // The canvases travel as base64 in JSON (as the events endpoint sends them), one per sample.
    const canvasesAt = (step: number) => {
      const preview = JSON.parse(JSON.stringify(steps[step - 1]!.preview)) as DrawingPreview;
      expect(preview).toMatchObject({ step, steps: STEPS, width: SIZE, height: SIZE, channels: 1 });
      expect(preview.writeBoxes).toHaveLength(3);
      return preview.canvases.map((c) => new Uint8Array(Buffer.from(c, 'base64')));
    };
    const first = canvasesAt(1);
    const last = canvasesAt(STEPS);
    expect(first.map((c) => c.byteLength)).toEqual([3600, 3600, 3600]);
    // Strokes appear over the steps on every canvas (one MNIST digit lights about a hundred pixels),
    // and the three samples differ.
    for (let i = 0; i < 3; i++) {
      expect(strokePixels(first[i])).toBeLessThan(20);
      expect(strokePixels(last[i])).toBeGreaterThan(40);
    }
    expect(Buffer.from(last[0]).equals(Buffer.from(last[1]))).toBe(false);

    const { generationId, generation } = end.result as CaptionJobResult;
    expect(generationId).toBe(started.generationId);
    expect(generation).toMatchObject({
      status: 'done',
      kind: 'caption',
      modelName: 'align-draw-mnist',
      modelVersion: expect.stringMatching(/^align-draw-[0-9a-f]{12}$/),
      seed: 11,
      params: { caption, samples: 3, model: 'align-draw-mnist', temperature: CAPTION_MODEL_INFO['align-draw-mnist'].defaultTemperature },
      canvas: { width: SIZE, height: SIZE, channels: 1 },
      result: { steps: STEPS, reading: { kind: 'seen' } },
    });
    expect(generation.images).toHaveLength(3);
    expect(generation.strips.map((s) => s.frames)).toEqual([STEPS, STEPS, STEPS]);
    // At every step the attention over the caption's 12 words (with the full stop) sums to one.
    const { alignments, writeBoxes } = generation.result!;
    expect(alignments.map((a) => a.length)).toEqual([STEPS, STEPS, STEPS]);
    for (const weights of alignments.flat()) {
      expect(weights).toHaveLength(12);
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    }
    expect(writeBoxes[2]).toHaveLength(STEPS);
    expect(writeBoxes[2].every((b) => Number.isFinite(b.x) && Number.isFinite(b.y) && b.width > 0 && b.width === b.height)).toBe(true);
    expect(await captions.generation(ALICE, generationId)).toEqual(generation);
    expect((await captions.recent(ALICE, 5))[0].id).toBe(generationId);
    expect(await db.modelVersion.findUnique({ where: { name_version: { name: 'align-draw-mnist', version: generation.modelVersion } } })).not.toBeNull();

    // The same caption, samples and seed again: the same images, under the same blob names.
    const again = await captions.start(ALICE, await prepare(captions, { caption, samples: 3, seed: 11 }));
    const second = (await followToEnd(jobs, again.job.id)).end.result as CaptionJobResult;
    expect(second.generationId).not.toBe(generationId);
    expect(second.generation.images).toEqual(generation.images);
    // Another seed: other images; so does another temperature.
    const other = await captions.start(ALICE, await prepare(captions, { caption, samples: 3, seed: 12 }));
    const third = (await followToEnd(jobs, other.job.id)).end.result as CaptionJobResult;
    expect(third.generation.images).not.toEqual(generation.images);
    const hotter = await captions.start(ALICE, await prepare(captions, { caption, samples: 3, seed: 11, temperature: 1 }));
    const fourth = (await followToEnd(jobs, hotter.job.id)).end.result as CaptionJobResult;
    expect(fourth.generation.params.temperature).toBe(1);
    expect(fourth.generation.images).not.toEqual(generation.images);
  });

  it('cancelling the job stops the model between steps and marks the generation cancelled', async () => {
    const jobs = new JobRegistry();
    const captions = service(server, jobs);
    const started = await captions.start(ALICE, await prepare(captions, { caption: 'the digit 2 is at the bottom of the digit 8', samples: 16 }));
    await new Promise<void>((resolve) => jobs.follow(ALICE, started.job.id, (event) => event === 'progress' && resolve()));
    jobs.cancel(ALICE, started.job.id);
    const { end, steps } = await followToEnd(jobs, started.job.id);
    expect(end.status).toBe('cancelled');
    expect(steps.length).toBeLessThan(STEPS);
    const generation = await captions.generation(ALICE, started.generationId);
    expect(generation).toMatchObject({ status: 'cancelled', images: [], error: { code: 'CANCELLED' } });
    expect((await captions.recent(ALICE, 50)).map((g) => g.id)).not.toContain(started.generationId);
  });

  it('draws a caption of Corel tags in colour with the Corel model, and names tags it does not know', async () => {
    const jobs = new JobRegistry();
    const captions = service(server, jobs);
    const prepared = await prepare(captions, { caption: 'Sky, water, tree', model: 'align-draw-corel', samples: 2, seed: 4 });
    expect(prepared).toMatchObject({ model: 'align-draw-corel', words: ['sky', 'water', 'tree'], reading: { kind: 'free-text' } });
    const started = await captions.start(ALICE, prepared);
    const { end, steps } = await followToEnd(jobs, started.job.id);
    expect(end.status).toBe('done');
    expect(steps).toHaveLength(STEPS);
    const preview = JSON.parse(JSON.stringify(steps.at(-1)!.preview)) as DrawingPreview;
    expect(preview).toMatchObject({ width: 32, height: 32, channels: 3 });
    const canvas = new Uint8Array(Buffer.from(preview.canvases[0], 'base64'));
    expect(canvas.byteLength).toBe(32 * 32 * 3);
    // A colour picture: the three channels of a pixel are not all equal everywhere.
    expect(canvas.some((_, i) => i % 3 === 0 && (canvas[i] !== canvas[i + 1] || canvas[i] !== canvas[i + 2]))).toBe(true);
    const { generation } = end.result as CaptionJobResult;
    expect(generation).toMatchObject({ modelName: 'align-draw-corel', canvas: { width: 32, height: 32, channels: 3 }, params: { model: 'align-draw-corel' } });
    expect(generation.images).toHaveLength(2);
    expect(generation.result!.alignments[0][0]).toHaveLength(3);

    // Every example the page offers for this model reads with its tokenizer.
    for (const example of EXAMPLE_CAPTIONS.filter((e) => e.model === 'align-draw-corel')) {
      expect((await prepare(captions, { caption: example.caption, model: 'align-draw-corel' })).words, example.caption).toEqual(example.caption.split(' '));
    }
    // A sentence: the tags it knows, folded to their form, the other words left out and named.
    const sentence = await prepare(captions, { caption: 'A dog running on the Beach', model: 'align-draw-corel' });
    expect(sentence).toMatchObject({
      caption: 'dog run beach',
      typed: 'A dog running on the Beach',
      words: ['dog', 'run', 'beach'],
      leftOut: ['a', 'on', 'the'],
      folded: [{ typed: 'running', word: 'run' }],
    });
    expect(await prepare(captions, { caption: 'a cat sleeping on the grass', model: 'align-draw-corel' })).toMatchObject({ caption: 'cat grass', leftOut: ['a', 'sleeping', 'on', 'the'] });
    expect(await prepare(captions, { caption: 'mountains and skies', model: 'align-draw-corel' })).toMatchObject({
      caption: 'mountain sky',
      folded: [{ typed: 'mountains', word: 'mountain' }, { typed: 'skies', word: 'sky' }],
      leftOut: ['and'],
    });
    // No tag it knows at all: UNKNOWN_WORDS with a few close tags, never the whole list in the message.
    const error = await errorOf(prepare(captions, { caption: 'the bananna', model: 'align-draw-corel' }));
    expect(error).toMatchObject({ code: 'UNKNOWN_WORDS', status: 422, details: { unknown: ['the', 'bananna'] } });
    expect(error.message).toContain('Browse the tags it knows');
    expect(error.message.length).toBeLessThan(400);
    expect((error.details as { known: string[] }).known).toHaveLength(374);
  });

  it('a worker that crashes mid-way fails the job with its code and records why', async () => {
    const jobs = new JobRegistry();
    const captions = service(crashingAt(server, 3), jobs);
    const started = await captions.start(ALICE, await prepare(captions, { caption: 'the digit 2 is at the bottom of the digit 8', samples: 1 }));
    const { end, steps } = await followToEnd(jobs, started.job.id);
    expect(end).toMatchObject({ status: 'failed', error: { code: 'MODEL_WORKER_CRASHED' } });
    expect(steps.map((p) => p!.step)).toEqual([1, 2]);
    expect(await captions.generation(ALICE, started.generationId)).toMatchObject({ status: 'failed', error: { code: 'MODEL_WORKER_CRASHED' } });
  });

  it('a progress event without canvases still says which step it is', () => {
    expect(drawingProgress({ step: 3, total: 16 })).toEqual({ step: 3, total: 16, message: 'Drawing step 3 of 16' });
  });
});

describe('POST /api/caption', () => {
  const post = async (body: string, contentType = 'application/json') =>
    POST(new Request('http://localhost/api/caption', { method: 'POST', headers: { 'content-type': contentType, ...(await ownerHeaders(ALICE)) }, body }));

  beforeAll(() => {
    (globalThis as { __latentStudioCaption?: CaptionService }).__latentStudioCaption = service(server);
  });
  afterAll(() => {
    delete (globalThis as { __latentStudioCaption?: CaptionService }).__latentStudioCaption;
  });

  it('answers 202 with the job, the generation id and the seed it will use', async () => {
    const response = await post(JSON.stringify({ caption: 'the digit 5 is at the bottom right of the image', samples: 2, seed: 99 }));
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      job: { id: expect.any(String), status: 'running' },
      generationId: expect.any(String),
      seed: 99,
      samples: 2,
      model: 'align-draw-mnist',
      reading: { kind: 'seen' },
    });
  });

  it.each([
    ['bad JSON', '{"caption": "the digit', 400, 'BAD_REQUEST'],
    ['a form instead of JSON', 'caption=the+digit+3', 400, 'BAD_REQUEST'],
    ['an empty caption', JSON.stringify({ caption: '' }), 400, 'BAD_REQUEST'],
    ['an over-long body', JSON.stringify({ caption: 'x'.repeat(10_000) }), 413, 'BODY_TOO_LARGE'],
    ['unknown words', JSON.stringify({ caption: 'a cat on a mat', model: 'align-draw-mnist' }), 422, 'UNKNOWN_WORDS'],
    ['too many samples', JSON.stringify({ caption: 'the digit 3 is on the left of the digit 5', samples: 100 }), 400, 'BAD_REQUEST'],
    ['a seed as text', JSON.stringify({ caption: 'the digit 3 is on the left of the digit 5', seed: 'abc' }), 400, 'BAD_REQUEST'],
  ])('answers %s with a clear error', async (name, body, status, code) => {
    const response = await post(body, name === 'a form instead of JSON' ? 'application/x-www-form-urlencoded' : 'application/json');
    expect(response.status).toBe(status);
    const { error } = await response.json();
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
  });
});

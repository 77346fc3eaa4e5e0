/**
 * The tags service with a stand-in for the multimodal DBM whose answers are known: image features
 * are a photo's mean colour, the image code is that colour, and a word's text code is the colour
 * it names ("sky" blue, "grass" green, "sun" red). So a search for "sky" must rank blue photos
 * first, and the ranking, the stored tags and the Corel-5k index can be checked exactly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { AppError } from '@/lib/errors';
import { JobRegistry } from '@/lib/jobs';
import type { ModelClient, ModelServerHealth, ProgressEvent, RunOptions, RunResult } from '@/lib/model-server';
import type { ServableRef } from '@/lib/model-server/servable';
import { BlobStore } from '@/lib/storage';
import { cleanPersonTag, loadVocabulary, TagService, type TagScore, type Vocabulary } from '@/lib/tags';
import { featuresFile } from '@/lib/tags/corel';
import { UploadService } from '@/lib/uploads';
import type { MultimodalDbmInput } from '@/models/multimodal-dbm/contract';
import { ALICE } from './helpers';

const DB_URL = 'file:./test/.tmp/tags.db';
const COLOURS: Record<string, [number, number, number]> = { sky: [0, 0, 1], water: [0, 0.3, 0.9], grass: [0, 1, 0], sun: [1, 0, 0] };
/**
 * How common each word is among training photos: like the real model, the fake ranks words by
 * p(word | image) / frequency^0.8, so a rare word ("clouds") can rank above more probable common
 * ones ("city", "tree").
 */
const FREQUENCY: Record<string, number> = { sky: 0.3, water: 0.2, grass: 0.1, sun: 0.1, city: 0.3, tree: 0.2, people: 0.1, clouds: 0.01 };
const DBM_VERSION = 'fake-dbm-1';
const FEATURE_VERSION = 'fake-features-1';

/** A model client that answers like the real ones, with colour arithmetic instead of a trained model. */
function fakeModels(options: { dbm: boolean }) {
  const calls: Record<string, number> = {};
  const result = <O>(model: string, output: O, modelVersion: string): RunResult<O> => ({
    output,
    model,
    modelVersion,
    backend: 'fake',
    batchSize: 1,
    queueMs: 0,
    runMs: 0,
  });
  const client: ModelClient = {
    async run<I, O>(servable: ServableRef<I, O>, input: I, run: RunOptions = {}): Promise<RunResult<O>> {
      const model = servable.name;
      calls[model] = (calls[model] ?? 0) + 1;
      if (model === 'image-features') {
        const { pixels } = input as { pixels: Float32Array };
        const mean = [0, 0, 0];
        for (let i = 0; i < pixels.length; i++) mean[i % 3] += pixels[i] / (pixels.length / 3);
        return result(model, { vector: Float32Array.from([...mean, 0.5]) } as O, FEATURE_VERSION);
      }
      if (model !== 'multimodal-dbm' || !options.dbm) {
        throw new AppError('MODEL_NOT_FOUND', `There is no model called "${model}".`);
      }
      const request = input as MultimodalDbmInput;
      calls[request.task] = (calls[request.task] ?? 0) + 1;
      if (request.task === 'image-code') return result(model, { code: request.features.slice(0, 3) } as O, DBM_VERSION);
      if (request.task === 'text-code') {
        const code = new Float32Array(3);
        for (const word of request.words) COLOURS[word]?.forEach((v, d) => (code[d] += v / request.words.length));
        return result(model, { code } as O, DBM_VERSION);
      }
      // tags: p(word | image) from how close the photo's colour is to each word's colour.
      const [r, g, b] = request.features;
      const ranked = Object.entries(COLOURS)
        .map(([word, [cr, cg, cb]]) => ({ word, probability: Math.exp(-4 * ((r - cr) ** 2 + (g - cg) ** 2 + (b - cb) ** 2)) }))
        .concat(['city', 'tree', 'people', 'clouds'].map((word, i) => ({ word, probability: 0.05 - i * 0.01 })))
        .map((t) => ({ ...t, rank: t.probability / FREQUENCY[t.word] ** 0.8 }))
        .sort((x, y) => y.rank - x.rank);
      const scores = ranked.map(({ word, probability, rank }) => ({ word, probability, score: rank / ranked[0].rank }));
      const total = request.steps ?? 3;
      for (let step = 1; step <= total; step++) {
        run.onProgress?.({ step, total, preview: { tags: scores.map((s) => ({ ...s, probability: (s.probability * step) / total })) } });
      }
      return result(model, { tags: scores, steps: total } as O, DBM_VERSION);
    },
    async admit() {},
    async health(): Promise<ModelServerHealth> {
      return { mode: 'embedded', ok: true, workers: [], queues: {}, models: ['image-features', ...(options.dbm ? ['multimodal-dbm'] : [])], restarts: 0 };
    },
    async close() {},
  };
  return { client, calls };
}

const solid = (r: number, g: number, b: number) =>
  sharp({ create: { width: 48, height: 32, channels: 3, background: { r, g, b } } })
    .jpeg()
    .toBuffer();

/** A miniature Corel-5k in DATA_DIR layout: four solid-colour photos (three for training). */
async function miniCorel(dir: string) {
  const root = path.join(dir, 'corel5k');
  fs.mkdirSync(path.join(root, 'images'), { recursive: true });
  const vocabulary = ['sky', 'water', 'grass', 'sun'];
  fs.writeFileSync(path.join(root, 'vocabulary.txt'), `${vocabulary.join('\n')}\n`);
  const photos = [
    { id: '1', rgb: [10, 10, 240], tags: ['sky', 'water'], split: 'train' },
    { id: '2', rgb: [10, 240, 10], tags: ['grass'], split: 'train' },
    { id: '3', rgb: [240, 10, 10], tags: ['sun'], split: 'train' },
    { id: '4', rgb: [20, 20, 200], tags: ['sky'], split: 'test' },
  ] as const;
  const lines = [];
  for (const p of photos) {
    fs.writeFileSync(path.join(root, 'images', `${p.id}.jpg`), await solid(p.rgb[0], p.rgb[1], p.rgb[2]));
    lines.push(JSON.stringify({ id: p.id, file: `images/${p.id}.jpg`, tags: p.tags, tag_ids: p.tags.map((t) => vocabulary.indexOf(t)), split: p.split }));
  }
  fs.writeFileSync(path.join(root, 'annotations.jsonl'), `${lines.join('\n')}\n`);
}

describe('tags service', () => {
  let db: Db;
  let tmp: string;
  let vocabulary: Vocabulary;
  let corelOnlyRoot: string;
  const services = (dbm: boolean, dataDir: string) => {
    const models = fakeModels({ dbm });
    const uploads = new UploadService(db, new BlobStore(path.join(tmp, 'blobs')), models.client);
    // A project root with the Corel-5k tagger alone: the fake stands in for that one.
    const service = new TagService({ db, models: models.client, uploads, jobs: new JobRegistry(), dataDir, cacheDir: path.join(tmp, 'cache'), root: corelOnlyRoot });
    return { service, uploads, calls: models.calls };
  };

  beforeAll(async () => {
    fs.rmSync('test/.tmp/tags.db', { force: true });
    await migrateDatabase(DB_URL);
    db = createDb(DB_URL);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tags-'));
    await miniCorel(path.join(tmp, 'data'));
    vocabulary = await loadVocabulary();
    corelOnlyRoot = path.join(tmp, 'root');
    fs.mkdirSync(path.join(corelOnlyRoot, 'models/multimodal-dbm/checkpoint'), { recursive: true });
    fs.copyFileSync('models/multimodal-dbm/checkpoint/vocabulary.json', path.join(corelOnlyRoot, 'models/multimodal-dbm/checkpoint/vocabulary.json'));
  });

  afterAll(async () => {
    await db?.$disconnect();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('words', () => {
    it('knows the 374 Corel-5k words', () => {
      expect(vocabulary.words).toHaveLength(374);
      expect(vocabulary.check(['Water', ' sky ', 'water'])).toEqual(['water', 'sky']);
    });

    it('names unknown words and suggests close vocabulary words, pointing at no API address', () => {
      let error: AppError | undefined;
      try {
        vocabulary.check(['watr', 'mountians', 'sky', 'xylophone'], { label: 'Corel-5k' });
      } catch (e) {
        error = e as AppError;
      }
      expect(error).toMatchObject({ code: 'UNKNOWN_TAGS', status: 422 });
      expect(error!.message).toMatch(/^The Corel-5k tagger does not know/);
      expect(error!.message).toContain('"watr" (did you mean "water"');
      expect(error!.message).toContain('"xylophone"');
      expect(error!.message).not.toContain('/api/');
      expect(error!.message).toContain('browse the words it knows');
      const unknown = (error!.details as { unknown: { word: string; suggestions: string[] }[] }).unknown;
      expect(unknown.map((u) => u.word)).toEqual(['watr', 'mountians', 'xylophone']);
      expect(unknown[0].suggestions[0]).toBe('water');
      expect(unknown[1].suggestions[0]).toBe('mountain');
      expect(unknown[2].suggestions).toEqual([]);
    });

    it('folds plural and singular and case, and drops the words a tagger has no use for, saying so', () => {
      // Corel-5k has "birds" and "mountain", "sky" and "tiger".
      const read = vocabulary.read(['The', 'Bird', 'on', 'a', 'Mountains', 'skies', 'tigers', 'sky']);
      expect(read.words).toEqual(['birds', 'mountain', 'sky', 'tiger']);
      expect(read.folded).toEqual([
        { typed: 'bird', word: 'birds' },
        { typed: 'mountains', word: 'mountain' },
        { typed: 'skies', word: 'sky' },
        { typed: 'tigers', word: 'tiger' },
      ]);
      expect(read.dropped).toEqual(['the', 'on', 'a']);
      expect(vocabulary.check(['bird'])).toEqual(['birds']);
      let error: AppError | undefined;
      try {
        vocabulary.read(['the', 'of']);
      } catch (e) {
        error = e as AppError;
      }
      expect(error).toMatchObject({ code: 'BAD_REQUEST', status: 400, details: { dropped: ['the', 'of'] } });
      expect(error!.message).toContain('“the” and “of” are words a tagger has no use for');
    });

    it('accepts a person’s own short words and refuses anything else', () => {
      expect(cleanPersonTag('  Grandma’s  Garden '.replace('’', ''))).toBe('grandmas garden');
      expect(cleanPersonTag('F-16')).toBe('f-16');
      expect(cleanPersonTag('Été 2024')).toBe('été 2024');
      for (const bad of ['', '   ', 'x'.repeat(41), '<script>', 'a/b', '-dash', 'semi;colon']) {
        expect(() => cleanPersonTag(bad), bad).toThrowError(expect.objectContaining({ code: 'INVALID_TAG' }));
      }
    });
  });

  it('fails clearly, before storing anything, while the tagging model is not installed', async () => {
    const { service } = services(false, path.join(tmp, 'data'));
    const before = await db.upload.count();
    await expect(service.suggest(ALICE, { bytes: await solid(0, 0, 255), name: 'blue.jpg' })).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE', status: 503 });
    await expect(service.search(ALICE, ['sky'])).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(await db.upload.count()).toBe(before);
  });

  it('suggests tags with progress per mean-field step, stores the top five, and keeps corrections', async () => {
    const { service } = services(true, path.join(tmp, 'data'));
    const progress: ProgressEvent[] = [];
    const result = await service.suggest(ALICE, { bytes: await solid(5, 5, 250), name: 'blue.jpg' }, { onProgress: (e) => progress.push(e) });

    expect(progress.map((e) => `${e.step}/${e.total}`)).toEqual(['1/3', '2/3', '3/3']);
    expect(progress[0].message).toBe('Mean-field step 1 of 3');
    expect((progress[2].preview as { tags: { word: string }[] }).tags[0].word).toBe('sky');
    expect(result.tags.map((t) => t.word)).toEqual(['sky', 'water', 'clouds', 'people', 'tree', 'city', 'grass', 'sun']);
    expect(result.tags[0]).toMatchObject({ probability: 0.995, score: 1 });
    expect(result.modelVersion).toBe(DBM_VERSION);
    expect(result.saved).toHaveLength(5);
    expect(result.saved.every((t) => t.status === 'suggested' && t.source === 'model' && t.modelVersion === DBM_VERSION)).toBe(true);
    expect(result.saved[0]).toMatchObject({ word: 'sky', probability: result.tags[0].probability, score: 1 });
    expect(await db.modelVersion.count({ where: { name: 'multimodal-dbm', version: DBM_VERSION } })).toBe(1);
    expect(await db.generation.count({ where: { kind: 'tags', modelVersion: DBM_VERSION } })).toBe(1);

    const id = result.upload.id;
    // Keep "sky", drop "water", accept "city" (shown, 6th, but not stored), add two words of one's own.
    expect(result.saved.map((t) => t.word)).not.toContain('city');
    const saved = await service.saveTags(ALICE, id, { accepted: ['sky', 'City'], removed: ['water'], added: ['My Holiday', 'f-16'] });
    const byWord = Object.fromEntries(saved.map((t) => [t.word, t]));
    expect(byWord.sky).toMatchObject({ status: 'accepted', source: 'model' });
    expect(byWord.water).toMatchObject({ status: 'removed', source: 'model' });
    expect(byWord.city).toMatchObject({ status: 'accepted', source: 'model', probability: 0.05, modelVersion: DBM_VERSION });
    expect(byWord['my holiday']).toMatchObject({ status: 'accepted', source: 'person', probability: null, score: null });
    // Kept words first (the model's in its order, then the person's), then suggestions in the model's order, then removed.
    expect(saved.map((t) => t.word)).toEqual(['sky', 'city', 'f-16', 'my holiday', 'clouds', 'people', 'tree', 'water']);

    // Reloaded from the database, as a page reload would see them.
    const reloaded = await new TagService({ db, models: fakeModels({ dbm: true }).client, jobs: new JobRegistry() }).tagsOf(ALICE, id);
    expect(reloaded.tags).toEqual(saved);
    expect(reloaded.suggestions?.tags).toEqual(result.tags);

    // A person's own word, removed, is gone; tagging again keeps the person's decisions.
    const after = await service.saveTags(ALICE, id, { removed: ['my holiday'] });
    expect(after.map((t) => t.word)).not.toContain('my holiday');
    const again = await service.suggest(ALICE, { uploadId: id });
    const decided = Object.fromEntries(again.saved.map((t) => [t.word, t.status]));
    expect(decided).toMatchObject({ sky: 'accepted', water: 'removed', city: 'accepted', 'f-16': 'accepted' });

    await expect(service.saveTags(ALICE, id, { added: ['<b>'] })).rejects.toMatchObject({ code: 'INVALID_TAG' });
    await expect(service.saveTags(ALICE, id, { accepted: ['sky'], removed: ['sky'] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(service.saveTags(ALICE, 'no-such-photo', { added: ['x'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('shows every list of the model’s words in the order of the score beside each word', async () => {
    const { service } = services(true, path.join(tmp, 'data'));
    const progress: ProgressEvent[] = [];
    const result = await service.suggest(ALICE, { bytes: await solid(8, 8, 246), name: 'another blue.jpg' }, { onProgress: (e) => progress.push(e) });
    const inOrder = (values: (number | null)[]) => values.every((v, i) => i === 0 || (values[i - 1] ?? -1) >= (v ?? -1));

    // The live preview, the final list and the stored suggestions: each by score, not by p.
    for (const event of progress) expect(inOrder((event.preview as { tags: TagScore[] }).tags.map((t) => t.score))).toBe(true);
    expect(inOrder(result.tags.map((t) => t.score))).toBe(true);
    expect(inOrder(result.tags.map((t) => t.probability))).toBe(false); // "clouds" (p 0.02) outranks "tree" (p 0.04)
    const suggested = result.saved.filter((t) => t.status === 'suggested');
    expect(suggested.map((t) => t.word)).toEqual(result.tags.slice(0, 5).map((t) => t.word));
    expect(suggested.map((t) => t.score)).toEqual(result.tags.slice(0, 5).map((t) => t.score));

    // A run stored before tags carried a score is ranked, and scored, by p over its top word's.
    const upload = result.upload.id;
    await db.generation.create({
      data: {
        kind: 'tags',
        modelName: 'multimodal-dbm',
        modelVersion: 'fake-dbm-0',
        params: JSON.stringify({ uploadId: upload, steps: null }),
        uploadId: upload,
        status: 'done',
        result: JSON.stringify({ output: { tags: [{ word: 'people', probability: 0.2 }, { word: 'sky', probability: 0.8 }], steps: 3 } }),
        createdAt: new Date(Date.now() + 60_000),
      },
    });
    const legacy = (await service.tagsOf(ALICE, upload)).suggestions!.tags;
    expect(legacy).toEqual([
      { word: 'sky', probability: 0.8, score: 1 },
      { word: 'people', probability: 0.2, score: 0.25 },
    ]);
  });

  it('finds a photo’s runs by the photo, never by its id appearing in another run’s parameters', async () => {
    const { service, uploads } = services(true, path.join(tmp, 'data'));
    const untagged = (await uploads.create(ALICE, await solid(120, 60, 30), 'never tagged.jpg')).upload;
    const other = (await uploads.create(ALICE, await solid(30, 60, 120), 'tagged.jpg')).upload;
    // Another photo's run whose parameters mention the untagged photo's id, as a JSON field of its own.
    await db.generation.create({
      data: {
        kind: 'tags',
        modelName: 'multimodal-dbm',
        modelVersion: DBM_VERSION,
        params: JSON.stringify({ uploadId: other.id, steps: null, like: { uploadId: untagged.id } }),
        status: 'done',
        result: JSON.stringify({ output: { tags: [{ word: 'sun', probability: 0.9, score: 1 }], steps: 3 } }),
      },
    });
    expect((await service.tagsOf(ALICE, untagged.id)).suggestions).toBeNull();
    expect((await service.tagsOf(ALICE, untagged.id)).tags).toEqual([]);
  });

  it('ranks uploads and Corel-5k photos by the distance between text and image codes', async () => {
    await db.upload.deleteMany();
    const { service, uploads, calls } = services(true, path.join(tmp, 'data'));
    const blue = (await uploads.create(ALICE, await solid(0, 30, 220), 'blue.jpg')).upload;
    const green = (await uploads.create(ALICE, await solid(20, 230, 20), 'green.jpg')).upload;
    await service.saveTags(ALICE, blue.id, { added: ['lake trip'] });

    const answer = await service.search(ALICE, ['sky'], { limit: 10 });
    expect(answer.words).toEqual(['sky']);
    expect(answer.corel).toEqual({ status: 'ready', photos: 3 });
    expect(answer.uploadsSearched).toBe(2);
    // The mini dataset's blue training photo, then the blue upload; the test photo is never a candidate.
    const order = answer.results.map((r) => `${r.kind}:${r.id}`);
    expect(order.slice(0, 2)).toEqual(['corel:1', `upload:${blue.id}`]);
    expect(order.slice(2).sort()).toEqual(['corel:2', 'corel:3', `upload:${green.id}`].sort());
    const distances = answer.results.map((r) => r.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(answer.results[0]).toMatchObject({ url: '/api/corel/1', tags: ['sky', 'water'] });
    expect(answer.results[1]).toMatchObject({ url: blue.url, tags: ['lake trip'] });

    // Corel features were built through the model server in the model's cache format, then reused.
    const file = featuresFile(path.join(tmp, 'cache'), FEATURE_VERSION);
    expect(fs.statSync(file).size).toBe(4 * 4 * 4); // 4 photos × 4 floats
    const codesBefore = calls['image-code'];
    expect((await service.search(ALICE, 'sun'.split(' '), { limit: 1 })).results.map((r) => r.id)).toEqual(['3']);
    expect(calls['image-code']).toBe(codesBefore); // cached codes, nothing recomputed

    await expect(service.search(ALICE, ['sky', 'skyy'])).rejects.toMatchObject({ code: 'UNKNOWN_TAGS' });
    await expect(service.search(ALICE, [' '])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('searches uploads alone when DATA_DIR has no Corel-5k', async () => {
    const { service } = services(true, path.join(tmp, 'nothing-here'));
    const answer = await service.search(ALICE, ['grass']);
    expect(answer.corel.status).toBe('unavailable');
    expect(answer.results[0].kind).toBe('upload');
    expect(answer.results.every((r) => r.kind === 'upload')).toBe(true);
    await expect(service.corel.photo('1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

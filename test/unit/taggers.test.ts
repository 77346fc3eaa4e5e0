/**
 * Choosing a tagger: Flickr8k's is the default where its checkpoint is installed, Corel-5k's on
 * request (and the only one where Flickr8k's is not); each reads its own feature model's vector,
 * and a stored photo without that vector gets it from its stored file. The model client records
 * which model got which input, so the routing can be checked exactly.
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
import type { ModelClient, ModelServerHealth, RunResult } from '@/lib/model-server';
import type { ServableRef } from '@/lib/model-server/servable';
import { BlobStore } from '@/lib/storage';
import { TagService, taggerIdSchema } from '@/lib/tags';
import { UploadService } from '@/lib/uploads';
import type { MultimodalDbmInput } from '@/models/multimodal-dbm/contract';
import { ALICE } from './helpers';

const DB_URL = 'file:./test/.tmp/taggers.db';
const VOCABULARIES = { 'checkpoint-flickr': ['dog', 'grass', 'ball'], checkpoint: ['sky', 'water', 'tiger'] };

/** Every model answers with a vector or words that name it, so a result shows who made it. */
function recordingModels(served: string[]) {
  const calls: { model: string; dims?: number }[] = [];
  const inputs = new Map<string, Float32Array>();
  const client: ModelClient = {
    async run<I, O>(servable: ServableRef<I, O>, input: I): Promise<RunResult<O>> {
      const model = servable.name;
      const wrap = (output: unknown, modelVersion: string) => ({ output: output as O, model, modelVersion, backend: 'fake', batchSize: 1, queueMs: 0, runMs: 0 });
      if (!served.includes(model)) throw new AppError('MODEL_NOT_FOUND', `There is no model called "${model}".`);
      if (model === 'image-features' || model === 'learned-features') {
        calls.push({ model });
        inputs.set(model, (input as { pixels: Float32Array }).pixels);
        return wrap({ vector: new Float32Array(model === 'image-features' ? 4 : 7).fill(0.5) }, `${model}-v1`);
      }
      const request = input as MultimodalDbmInput;
      calls.push({ model, dims: 'features' in request ? request.features.length : undefined });
      const words = model === 'multimodal-dbm-flickr' ? VOCABULARIES['checkpoint-flickr'] : VOCABULARIES.checkpoint;
      if (request.task !== 'tags') return wrap({ code: new Float32Array(3) }, `${model}-v1`);
      return wrap({ tags: words.map((word, i) => ({ word, probability: 0.5 - i * 0.1, score: 1 - i * 0.2 })), steps: 1 }, `${model}-v1`);
    },
    async admit() {},
    async health(): Promise<ModelServerHealth> {
      return { mode: 'embedded', ok: true, workers: [], queues: {}, models: served, restarts: 0 };
    },
    async close() {},
  };
  return { client, calls, inputs };
}

describe('taggers', () => {
  let db: Db;
  let tmp: string;
  let photo: Buffer;
  const ALL = ['image-features', 'learned-features', 'multimodal-dbm', 'multimodal-dbm-flickr'];

  /** A project root holding the vocabularies of the given checkpoint folders. */
  const rootWith = (folders: (keyof typeof VOCABULARIES)[]) => {
    const root = fs.mkdtempSync(path.join(tmp, 'root-'));
    for (const folder of folders) {
      fs.mkdirSync(path.join(root, 'models/multimodal-dbm', folder), { recursive: true });
      fs.writeFileSync(path.join(root, 'models/multimodal-dbm', folder, 'vocabulary.json'), JSON.stringify(VOCABULARIES[folder]));
    }
    return root;
  };
  const service = (root: string, served = ALL) => {
    const models = recordingModels(served);
    const blobs = new BlobStore(path.join(tmp, 'blobs'));
    const uploads = new UploadService(db, blobs, models.client);
    return {
      tags: new TagService({ db, models: models.client, uploads, blobs, jobs: new JobRegistry(), root, cacheDir: path.join(tmp, 'cache') }),
      calls: models.calls,
      inputs: models.inputs,
      uploads,
    };
  };

  beforeAll(async () => {
    fs.rmSync('test/.tmp/taggers.db', { force: true });
    await migrateDatabase(DB_URL);
    db = createDb(DB_URL);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'taggers-'));
    photo = await sharp({ create: { width: 60, height: 40, channels: 3, background: { r: 30, g: 140, b: 40 } } })
      .jpeg()
      .toBuffer();
  });

  afterAll(async () => {
    await db?.$disconnect();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('tags with the Flickr8k tagger by default, reading learned features, and with Corel-5k’s when asked', async () => {
    const { tags, calls } = service(rootWith(['checkpoint-flickr', 'checkpoint']));
    expect(tags.taggers().map((t) => t.id)).toEqual(['multimodal-dbm-flickr', 'multimodal-dbm-corel']);
    expect((await tags.vocabulary()).words).toEqual(VOCABULARIES['checkpoint-flickr']);

    const byDefault = await tags.suggest(ALICE, { bytes: new Uint8Array(photo), name: 'park.jpg' });
    expect(byDefault.model).toBe('multimodal-dbm-flickr');
    expect(byDefault.tags.map((t) => t.word)).toEqual(['dog', 'grass', 'ball']);
    expect(calls.filter((c) => c.model === 'multimodal-dbm-flickr')).toEqual([{ model: 'multimodal-dbm-flickr', dims: 7 }]);

    const corel = await tags.suggest(ALICE, { uploadId: byDefault.upload.id }, { model: 'multimodal-dbm-corel' });
    expect(corel.model).toBe('multimodal-dbm-corel');
    expect(corel.tags.map((t) => t.word)).toEqual(['sky', 'water', 'tiger']);
    expect(calls.filter((c) => c.model === 'multimodal-dbm')).toEqual([{ model: 'multimodal-dbm', dims: 4 }]);
    // Reopened, the photo shows its latest run and says which tagger made it.
    expect((await tags.tagsOf(ALICE, byDefault.upload.id)).suggestions?.model).toBe('multimodal-dbm-corel');

    const search = await tags.search(ALICE, ['dog']);
    expect(search.model).toBe('multimodal-dbm-flickr');
    expect(search.corel.status).toBe('unavailable');
    await expect(tags.search(ALICE, ['tiger'])).rejects.toMatchObject({ code: 'UNKNOWN_TAGS' });
    expect((await tags.search(ALICE, ['tiger'], { model: 'multimodal-dbm-corel' })).model).toBe('multimodal-dbm-corel');
  });

  it('offers Corel-5k’s tagger alone where Flickr8k’s checkpoint is not installed, and refuses to use the missing one', async () => {
    const { tags } = service(rootWith(['checkpoint']));
    expect(tags.taggers().map((t) => t.id)).toEqual(['multimodal-dbm-corel']);
    expect(tags.tagger().id).toBe('multimodal-dbm-corel');
    expect(() => tags.tagger({ model: 'multimodal-dbm-flickr' })).toThrowError(expect.objectContaining({ code: 'MODEL_UNAVAILABLE' }));
    expect(taggerIdSchema.safeParse('multimodal-dbm-corel').success).toBe(true);
    expect(taggerIdSchema.safeParse('gpt').success).toBe(false);
  });

  it('gives a stored photo without learned features its vector from the stored file before tagging', async () => {
    const root = rootWith(['checkpoint-flickr', 'checkpoint']);
    // Stored while only image-features was served (as before learned features existed).
    const before = service(root, ['image-features', 'multimodal-dbm']);
    const old = await sharp({ create: { width: 50, height: 50, channels: 3, background: { r: 200, g: 60, b: 20 } } })
      .png()
      .toBuffer();
    const { upload } = await before.uploads.create(ALICE, new Uint8Array(old), 'old.png', { similar: 0 });
    expect(await db.imageFeature.count({ where: { uploadId: upload.id, modelName: 'learned-features' } })).toBe(0);

    const after = service(root);
    const run = await after.tags.suggest(ALICE, { uploadId: upload.id });
    expect(run.model).toBe('multimodal-dbm-flickr');
    expect(after.calls.map((c) => c.model)).toEqual(['learned-features', 'multimodal-dbm-flickr']);
    expect(await db.imageFeature.count({ where: { uploadId: upload.id, modelName: 'learned-features' } })).toBe(1);
  });

  it('squashes a wide photo for learned features (as Flickr8k’s photos were) and centre-crops it for GIST+colour (as Corel-5k’s)', async () => {
    const { uploads, inputs } = service(rootWith(['checkpoint-flickr', 'checkpoint']));
    // 200×50: a red quarter on the left, blue elsewhere. The centre crop is all blue.
    const wide = await sharp({ create: { width: 200, height: 50, channels: 3, background: { r: 0, g: 0, b: 255 } } })
      .composite([{ input: { create: { width: 50, height: 50, channels: 3, background: { r: 255, g: 0, b: 0 } } }, left: 0, top: 0 }])
      .png()
      .toBuffer();
    await uploads.create(ALICE, new Uint8Array(wide), 'wide.png', { similar: 0 });
    const leftmost = (pixels: Float32Array) => Array.from(pixels.subarray((64 * 128 + 2) * 3, (64 * 128 + 2) * 3 + 3), (v) => Math.round(v));
    expect(leftmost(inputs.get('learned-features')!)).toEqual([1, 0, 0]);
    expect(leftmost(inputs.get('image-features')!)).toEqual([0, 0, 1]);
  });

  it('describes a photo again when its stored learned features are of another version than the tagger was trained on', async () => {
    const root = rootWith(['checkpoint-flickr', 'checkpoint']);
    fs.writeFileSync(path.join(root, 'models/multimodal-dbm/checkpoint-flickr/meta.json'), JSON.stringify({ featureVersion: 'learned-features-v1' }));
    const { uploads, tags, calls } = service(root);
    const photo = await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 90, g: 90, b: 20 } } })
      .png()
      .toBuffer();
    const { upload } = await uploads.create(ALICE, new Uint8Array(photo), 'stale.png', { similar: 0 });
    // As if stored under an older version of the features: the tagger must not read it.
    await db.imageFeature.updateMany({ where: { uploadId: upload.id, modelName: 'learned-features' }, data: { modelVersion: 'learned-features-v0' } });
    calls.length = 0;
    await tags.suggest(ALICE, { uploadId: upload.id });
    expect(calls.map((c) => c.model)).toEqual(['learned-features', 'multimodal-dbm-flickr']);
    const versions = (await db.imageFeature.findMany({ where: { uploadId: upload.id, modelName: 'learned-features' } })).map((r) => r.modelVersion).sort();
    expect(versions).toEqual(['learned-features-v0', 'learned-features-v1']);
  });
});

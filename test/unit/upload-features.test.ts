/**
 * An upload's image features describe the photo as the person sent it, prepared exactly as the
 * training photos were (`toModelInput` on the file's own bytes, as `cachedImageFeatures` does for
 * Corel-5k), not the JPEG copy the blob store keeps: that copy's second compression alone moved the
 * tagger's F1 on Corel-5k's test photos from 27.8 to 26.0 (models/multimodal-dbm/scripts/api-agreement.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { prepareUpload, toModelInput } from '@/lib/images';
import type { ModelClient, ModelServerHealth, RunResult } from '@/lib/model-server';
import type { ServableRef } from '@/lib/model-server/servable';
import { BlobStore } from '@/lib/storage';
import { UploadService } from '@/lib/uploads';
import { ALICE } from './helpers';

const DB_FILE = 'test/.tmp/upload-features.db';
const photo = (id: string) => fs.readFileSync(path.resolve('../shared/data/corel5k/images', `${id}.jpg`));

/** A feature model stand-in that keeps the pixels it was given. */
function recordingModels() {
  const seen: Record<string, Float32Array[]> = {};
  const client: ModelClient = {
    async run<I, O>(servable: ServableRef<I, O>, input: I): Promise<RunResult<O>> {
      const model = servable.name;
      const { pixels } = input as { pixels: Float32Array };
      (seen[model] ??= []).push(pixels);
      return { output: { vector: Float32Array.from([pixels[0], pixels[1], pixels[2]]) } as O, model, modelVersion: `${model}-1`, backend: 'fake', batchSize: 1, queueMs: 0, runMs: 0 };
    },
    async admit() {},
    async health(): Promise<ModelServerHealth> {
      return { mode: 'embedded', ok: true, workers: [], queues: {}, models: [], restarts: 0 };
    },
    async close() {},
  };
  return { client, seen };
}

describe("an upload's image features", () => {
  let db: Db;
  let blobDir: string;

  beforeAll(async () => {
    fs.rmSync(DB_FILE, { force: true });
    await migrateDatabase(`file:./${DB_FILE}`);
    db = createDb(`file:./${DB_FILE}`);
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'upload-features-'));
  });

  afterAll(async () => {
    await db?.$disconnect();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it('are computed from the photo as sent, as the training photos were, not from the stored JPEG copy', async () => {
    const models = recordingModels();
    const uploads = new UploadService(db, new BlobStore(blobDir), models.client);
    const sent = photo('100004'); // a Corel-5k photo: 192 × 128, about 6 KB of JPEG
    await uploads.create(ALICE, sent, 'bear.jpg', { similar: 0 });

    const [pixels] = models.seen['image-features'];
    const asTrained = (await toModelInput(sent)).pixels;
    const fromStoredCopy = (await toModelInput((await prepareUpload(sent)).data)).pixels;
    expect(fromStoredCopy).not.toEqual(asTrained); // the copy is a second JPEG compression
    expect(pixels).toEqual(asTrained);
  });
});

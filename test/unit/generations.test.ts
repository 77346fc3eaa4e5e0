/**
 * The gallery's record of generations on SQLite: a row as the request starts, the images as PNG
 * blobs when it is done (bytes exactly as the model drew them, so the same drawing gives the same
 * blob names), film strips for replaying the steps, and no image lost when two requests share it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/db';
import { migrateDatabase } from '@/lib/db/migrate';
import { canvasPng, filmStrip, GenerationService, type CanvasShape } from '@/lib/generations';
import { Recovery } from '@/lib/recovery';
import { BlobStore, sha256Hex } from '@/lib/storage';
import { ALICE } from './helpers';

const DB_URL = 'file:./test/.tmp/generations.db';
const GREY: CanvasShape = { width: 5, height: 3, channels: 1 };

/** A grey canvas whose pixel i is (i * step + offset) mod 256. */
const canvas = (shape: CanvasShape, offset: number, step = 17) =>
  Uint8Array.from({ length: shape.width * shape.height * shape.channels }, (_, i) => (i * step + offset) % 256);

/** The PNG's pixels in the colour space it was written in (a grey PNG decodes to one channel). */
async function rawPixels(file: Buffer | string) {
  const { channels } = await sharp(file).metadata();
  const image = channels === 1 ? sharp(file).toColourspace('b-w') : sharp(file);
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

describe('generations', () => {
  let db: Db;
  let blobDir: string;
  let blobs: BlobStore;
  let generations: GenerationService;

  beforeAll(async () => {
    fs.rmSync(DB_URL.slice('file:'.length), { force: true });
    await migrateDatabase(DB_URL);
    db = createDb(DB_URL);
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'generation-blobs-'));
    blobs = new BlobStore(blobDir);
    generations = new GenerationService(db, blobs);
  });

  afterAll(async () => {
    await db?.$disconnect();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it('records a request as it starts, then its images as PNGs that decode to the exact bytes drawn', async () => {
    const id = await generations.begin({ ownerId: ALICE.ownerId, kind: 'caption', modelName: 'align-draw-mnist', seed: 42, params: { caption: 'the digit 3 is on the left of the digit 5', samples: 2 } });
    const running = await generations.get(ALICE, id);
    expect(running).toMatchObject({ status: 'running', seed: 42, modelVersion: '', images: [], finishedAt: null });
    expect(await generations.list(ALICE, { kind: 'caption', limit: 10 })).not.toContainEqual(expect.objectContaining({ id }));

    const images = [canvas(GREY, 0), canvas(GREY, 100)];
    const frames = images.map((image) => [new Uint8Array(image.length), canvas(GREY, 9), image]);
    const done = await generations.complete(id, {
      modelVersion: 'v-abc',
      canvases: { ...GREY, images, frames },
      output: { words: ['the', 'digit'], alignments: [[[0.25, 0.75]]] },
    });
    expect(done).toMatchObject({ status: 'done', modelVersion: 'v-abc', canvas: GREY, result: { words: ['the', 'digit'], alignments: [[[0.25, 0.75]]] } });
    expect(done.finishedAt).not.toBeNull();
    expect(done.images).toHaveLength(2);
    expect(done.images[0].url).toBe(`/api/blobs/${done.images[0].sha256}`);

    for (const [i, image] of done.images.entries()) {
      const file = await blobs.locate(image.sha256, 'png');
      expect(file).not.toBeNull();
      const decoded = await rawPixels(file!);
      expect(decoded).toMatchObject({ width: 5, height: 3, channels: 1 });
      expect(decoded.data).toEqual(images[i]);
    }
    // The film strip holds the three steps side by side.
    expect(done.strips.map((s) => s.frames)).toEqual([3, 3]);
    const strip = await rawPixels((await blobs.locate(done.strips[1].sha256, 'png'))!);
    expect(strip).toMatchObject({ width: 15, height: 3, channels: 1 });
    expect(strip.data).toEqual(filmStrip(frames[1], GREY));
    expect(strip.data.subarray(10, 15)).toEqual(images[1].subarray(0, 5)); // row 0 of step 3

    const row = await db.generation.findUniqueOrThrow({ where: { id } });
    expect(JSON.parse(row.blobRefs)).toEqual(expect.arrayContaining([...done.images, ...done.strips].map((b) => b.sha256)));
    expect(JSON.parse(row.params)).toEqual({ caption: 'the digit 3 is on the left of the digit 5', samples: 2 });
    expect(await generations.get(ALICE, id)).toEqual(done);
  });

  it('stores colour canvases as RGB, and the same drawing under the same blob names', async () => {
    const RGB: CanvasShape = { width: 4, height: 2, channels: 3 };
    const image = canvas(RGB, 5, 29);
    const first = await generations.complete(await generations.begin({ ownerId: ALICE.ownerId, kind: 'caption', modelName: 'align-draw-corel', seed: 7, params: {} }), {
      modelVersion: 'v1',
      canvases: { ...RGB, images: [image] },
    });
    const again = await generations.complete(await generations.begin({ ownerId: ALICE.ownerId, kind: 'caption', modelName: 'align-draw-corel', seed: 7, params: {} }), {
      modelVersion: 'v1',
      canvases: { ...RGB, images: [image] },
    });
    expect(again.id).not.toBe(first.id);
    expect(again.images).toEqual(first.images);
    const decoded = await rawPixels((await blobs.locate(first.images[0].sha256, 'png'))!);
    expect(decoded).toMatchObject({ width: 4, height: 2, channels: 3 });
    expect(decoded.data).toEqual(image);
  });

  it('a canvas of the wrong size fails as MODEL_FAILED before any image is stored, and leaves an unfinished row', async () => {
    const id = await generations.begin({ ownerId: ALICE.ownerId, kind: 'caption', modelName: 'align-draw-mnist', seed: 1, params: {} });
    const good = canvas(GREY, 201);
    await expect(
      generations.complete(id, { modelVersion: 'v1', canvases: { ...GREY, images: [good, new Uint8Array(7)] } }),
    ).rejects.toMatchObject({ code: 'MODEL_FAILED' });
    expect(await generations.get(ALICE, id)).toMatchObject({ status: 'running', images: [] });
    expect(await blobs.exists(sha256Hex(await canvasPng(good, GREY)))).toBe(false);
  });

  it('images stored for a generation that then fails belong to no row: the sweep removes them past the grace period', async () => {
    const image = canvas(GREY, 99, 7);
    await expect(generations.complete('gone-generation', { modelVersion: 'v1', canvases: { ...GREY, images: [image] } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const sha256 = sha256Hex(await canvasPng(image, GREY));
    expect(await blobs.exists(sha256)).toBe(true);
    const recovery = new Recovery({ startedAt: new Date(), singleProcess: true, generationDeadlineMs: 60_000, blobGraceMs: 60_000 }, db, blobs);
    expect((await recovery.sweepBlobs()).removed).not.toContain(sha256);
    expect((await recovery.sweepBlobs(new Date(Date.now() + 61_000))).removed).toContain(sha256);
    expect(await blobs.exists(sha256)).toBe(false);
  });

  it('two requests storing the same images at once, one failing, leave the other’s images in place', async () => {
    for (let round = 0; round < 20; round++) {
      const id = await generations.begin({ ownerId: ALICE.ownerId, kind: 'gan', modelName: 'gan-mnist', seed: round, params: {} });
      const images = [canvas(GREY, round, 3), canvas(GREY, round, 5)];
      // The same seed drawn twice: one request's row is gone (it fails at the end), the other succeeds.
      const [ok, failed] = await Promise.allSettled([
        generations.complete(id, { modelVersion: 'v1', canvases: { ...GREY, images } }),
        generations.complete('no-such-generation', { modelVersion: 'v1', canvases: { ...GREY, images } }),
      ]);
      expect(failed.status).toBe('rejected');
      expect(ok.status).toBe('fulfilled');
      for (const image of (await generations.get(ALICE, id)).images) expect(await blobs.exists(image.sha256)).toBe(true);
    }
  });

  it('marks cancelled and failed requests, lists only finished ones newest first, and answers NOT_FOUND', async () => {
    const cancelled = await generations.begin({ ownerId: ALICE.ownerId, kind: 'caption', modelName: 'm', seed: 3, params: {} });
    await generations.end(cancelled, 'cancelled', { code: 'CANCELLED', message: 'The drawing was cancelled.' });
    expect(await generations.get(ALICE, cancelled)).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    const failed = await generations.begin({ ownerId: ALICE.ownerId, kind: 'caption', modelName: 'm', seed: 4, params: {} });
    await generations.end(failed, 'failed', { code: 'MODEL_TIMEOUT', message: 'slow' });

    const newest = await generations.complete(await generations.begin({ ownerId: ALICE.ownerId, kind: 'caption', modelName: 'm', seed: 5, params: {} }), {
      modelVersion: 'v2',
      canvases: { ...GREY, images: [canvas(GREY, 77)] },
    });
    const other = await generations.complete(await generations.begin({ ownerId: ALICE.ownerId, kind: 'gan', modelName: 'g', seed: 6, params: {} }), {
      modelVersion: 'v1',
      canvases: { ...GREY, images: [canvas(GREY, 78)] },
    });
    const listed = await generations.list(ALICE, { kind: 'caption', limit: 50 });
    expect(listed[0].id).toBe(newest.id);
    expect(listed.every((g) => g.status === 'done' && g.kind === 'caption')).toBe(true);
    expect(listed.map((g) => g.id)).not.toContain(cancelled);
    expect(listed.map((g) => g.id)).not.toContain(other.id);
    expect(await generations.count(ALICE, 'caption')).toBe(listed.length);
    expect(await generations.list(ALICE, { kind: 'caption', limit: 1 })).toHaveLength(1);

    await expect(generations.get(ALICE, 'no-such-generation')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(generations.get(ALICE, other.id, 'caption')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

/**
 * Tagging a folder of photos at once, and exporting their tags: every photo is checked before any
 * work starts (each refused one named with its reason while the rest go on, a ZIP's entries
 * unpacked in memory with their paths and sizes checked first), the batch stores and tags the
 * person's photos with one progress, cancelling stops it leaving whole photos only, and the
 * export writes the sidecars, CSV and JSON that tagging tools read, naming the tagger.
 */
import fs from 'node:fs';
import path from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/lib/db';
import type { ProgressEvent } from '@/lib/model-server';
import type { TagService } from '@/lib/tags';
import { checkBatch, photosFromZip, tagBatch, type BatchProgress } from '@/lib/tags/batch';
import { exportedPhotos, exportFile } from '@/lib/tags/export';
import { truncatedJpeg } from '../e2e/hostile';
import { ALICE, BOB, errorOf, realServices, type RealServices } from './helpers';

const DB_FILE = 'test/.tmp/tags-batch.db';
const photo = (id: string) => new Uint8Array(fs.readFileSync(path.resolve('../shared/data/corel5k/images', `${id}.jpg`)));
const LIMITS = { maxPhotos: 5, maxPhotoBytes: 1024 * 1024, maxTotalBytes: 3 * 1024 * 1024 };

describe('checking a batch before work starts', () => {
  it('takes the photos and names each refused file with its reason', () => {
    const { photos, refused } = checkBatch(
      [
        { name: 'bear.jpg', bytes: photo('100000') },
        { name: 'notes.jpg', bytes: strToU8('Shopping list\n- milk\n') },
        { name: 'empty.png', bytes: new Uint8Array(0) },
        { name: 'huge.jpg', bytes: new Uint8Array(2 * 1024 * 1024).fill(0xff) },
        { name: '../../etc/sunset.jpg', bytes: photo('1000') },
      ],
      LIMITS,
    );
    expect(photos.map((p) => p.name)).toEqual(['bear.jpg', 'sunset.jpg']);
    expect(refused.map(({ name, code }) => [name, code])).toEqual([
      ['notes.jpg', 'UNSUPPORTED_FORMAT'],
      ['empty.png', 'EMPTY_FILE'],
      ['huge.jpg', 'FILE_TOO_LARGE'],
    ]);
    expect(refused[0].message).toMatch(/text/i);
  });

  it('unpacks a ZIP in memory, skipping clutter and refusing entries whose path leads out', () => {
    const zip = zipSync({
      'holiday/bear.jpg': photo('100000'),
      'holiday/sunset.jpg': photo('1000'),
      '__MACOSX/holiday/._bear.jpg': strToU8('resource fork'),
      'holiday/.DS_Store': strToU8('x'),
      '../evil.jpg': photo('1001'),
      'holiday/readme.txt': strToU8('hello'),
    });
    const { photos, refused } = checkBatch([{ name: 'holiday.zip', bytes: zip }], LIMITS);
    expect(photos.map((p) => p.name)).toEqual(['bear.jpg', 'sunset.jpg']);
    expect(refused.map(({ name, code }) => [name, code])).toEqual([
      ['evil.jpg', 'BAD_PATH'],
      ['readme.txt', 'UNSUPPORTED_FORMAT'],
    ]);
  });

  it('refuses a ZIP with too many entries or too many bytes before inflating, and a damaged one', () => {
    const many = zipSync(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`p${i}.jpg`, photo('1000')])));
    expect(() => photosFromZip(many, 'many.zip', LIMITS)).toThrow(/holds 6 files; a batch takes at most 5/);
    // Declared sizes summed before anything is inflated: 4 × 1 MB of zeros compresses to a few KB.
    const bomb = zipSync(Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`z${i}.jpg`, new Uint8Array(1024 * 1024 - 1)])));
    expect(bomb.byteLength).toBeLessThan(50_000);
    expect(() => photosFromZip(bomb, 'bomb.zip', LIMITS)).toThrow(/unpacks to more than 3 MB/);
    const damaged = zipSync({ 'a.jpg': photo('1000') }).slice(0, 200);
    expect(() => checkBatch([{ name: 'cut.zip', bytes: damaged }], LIMITS)).toThrow(/not a ZIP archive that can be read/);
  });
});

describe('tagging a batch', () => {
  let services: RealServices;
  let db: Db;
  let tags: TagService;

  beforeAll(async () => {
    services = await realServices(DB_FILE);
    ({ db, tags } = services);
  });

  afterAll(() => services.close());

  it('stores and tags every photo as the person’s own, a damaged one failing alone, with one progress', async () => {
    const events: ProgressEvent[] = [];
    const photos = [
      { name: 'bear.jpg', bytes: photo('100000') },
      { name: 'broken.jpg', bytes: new Uint8Array(truncatedJpeg()) },
      { name: 'sunset.jpg', bytes: photo('1000') },
    ];
    const result = await tagBatch(tags, ALICE, photos, { model: 'multimodal-dbm-flickr', signal: new AbortController().signal, onProgress: (e) => events.push(e) });
    expect(result.photos.map((p) => [p.name, p.status])).toEqual([
      ['bear.jpg', 'tagged'],
      ['broken.jpg', 'failed'],
      ['sunset.jpg', 'tagged'],
    ]);
    expect(result).toMatchObject({ tagged: 2, failed: 1, model: 'multimodal-dbm-flickr' });
    expect(result.photos[1].error?.code).toBe('CORRUPT_IMAGE');
    expect(result.photos[0].tags).toHaveLength(5);
    expect(events.map((e) => e.step)).toEqual([0, 1, 2, 3]);
    expect(events.at(-1)!.total).toBe(3);
    expect((events.at(-1)!.preview as BatchProgress).photo.name).toBeDefined();
    // Alice's; not Bob's to tag again.
    const stored = result.photos[0].uploadId!;
    expect((await tags.tagsOf(ALICE, stored)).upload.yours).toBe(true);
    const again = await tagBatch(tags, BOB, [{ name: 'bear.jpg', uploadId: stored }], { model: 'multimodal-dbm-flickr', signal: new AbortController().signal, onProgress: () => {} });
    expect(again.photos[0]).toMatchObject({ status: 'failed', error: { code: 'NOT_FOUND' } });
  });

  it('stops when cancelled, keeping only whole photos', async () => {
    const stop = new AbortController();
    const ids = ['100001', '100002', '100003', '100004', '100005', '100006', '100007', '100008'];
    const seen: string[] = [];
    const failure = await errorOf(
      tagBatch(tags, BOB, ids.map((id) => ({ name: `${id}.jpg`, bytes: photo(id) })), {
        model: 'multimodal-dbm-flickr',
        signal: stop.signal,
        onProgress: (e) => {
          const done = (e.preview as BatchProgress | undefined)?.photo;
          if (done) seen.push(done.status);
          if (e.step === 2) stop.abort();
        },
      }),
    );
    expect(failure.code).toBe('CANCELLED');
    expect(seen.filter((s) => s === 'tagged').length).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBe(ids.length);
    // Every stored photo is a whole record: its features are there, and nothing else was left behind.
    const rows = await db.upload.findMany({ where: { ownerId: BOB.ownerId }, include: { features: true } });
    expect(rows.length).toBeLessThan(ids.length);
    for (const row of rows) expect(row.features.length).toBeGreaterThan(0);
  });

  it('shows a tagged photo found by search with its suggested words until its owner keeps some', async () => {
    const result = await tagBatch(tags, ALICE, [{ name: 'tiger.jpg', bytes: photo('108000') }], {
      model: 'multimodal-dbm-flickr',
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    const { uploadId, tags: words } = result.photos[0];
    const hitOf = async () => (await tags.search(ALICE, [words[0].word], { limit: 100 })).results.find((r) => r.id === uploadId)!;
    expect(await hitOf()).toMatchObject({ suggested: true, yours: true, tags: expect.arrayContaining([words[0].word]) });
    await tags.saveTags(ALICE, uploadId!, { accepted: [words[1].word] });
    const kept = await hitOf();
    expect(kept.suggested).toBeUndefined();
    expect(kept.tags).toEqual([words[1].word]);
  });

  it('exports the person’s photos’ tags as sidecars, CSV and JSON, naming the tagger', async () => {
    const result = await tagBatch(tags, ALICE, [{ name: 'bear.jpg', bytes: photo('100010') }, { name: 'bear.png', bytes: photo('100011') }], {
      model: 'multimodal-dbm-flickr',
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    const [first, second] = result.photos.map((p) => p.uploadId!);
    await tags.saveTags(ALICE, first, { added: ['my bear'], removed: [result.photos[0].tags[0].word] });
    const photos = await exportedPhotos(tags, ALICE, [first, second, 'nobody-has-this']);
    expect(photos).toHaveLength(2);
    expect(photos[0].tags[0]).toBe('my bear');
    expect(photos[0].tags).not.toContain(result.photos[0].tags[0].word);
    expect(photos[0].tagger).toBe('Everyday photos (Flickr8k) (multimodal-dbm-flickr)');
    expect(photos[0].taggerVersion).toBe(result.modelVersion);
    expect(photos[0].taggerVersion).toMatch(/^mdbm-[0-9a-f]{12}$/);
    expect(await exportedPhotos(tags, BOB, [first])).toEqual([]);

    const txt = unzipSync(exportFile(photos, 'txt').body);
    // The two photos share a stem: the second sidecar gets a number.
    expect(Object.keys(txt).sort()).toEqual(['bear-2.txt', 'bear.txt', 'taggers.txt']);
    expect(strFromU8(txt['bear.txt'])).toBe(`${photos[0].tags.join(', ')}\n`);
    expect(strFromU8(txt['taggers.txt'])).toContain('Everyday photos (Flickr8k)');
    const csv = strFromU8(exportFile(photos, 'csv').body).split('\r\n');
    expect(csv[0]).toBe('file,id,tags,tagger,tagger_version');
    expect(csv[1]).toBe(`bear.jpg,${first},"${photos[0].tags.join(', ')}",Everyday photos (Flickr8k) (multimodal-dbm-flickr),${photos[0].taggerVersion}`);
    const json = JSON.parse(strFromU8(exportFile(photos, 'json').body));
    expect(json.photos[1]).toEqual(photos[1]);
  });
});

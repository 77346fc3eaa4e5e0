/**
 * Each person's photos and drawings are theirs (issue: owners and limits). Two anonymous owners,
 * Alice and Bob, and the administrator, through the services as the routes call them, on a
 * database of their own and the real model server: a stranger can neither change, delete, nor see
 * another's private photo — not in the list, not among similar photos, not in tag search, not as
 * a blob — while the owner can, and a photo shared on purpose is seen by all but changed by its
 * owner alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/lib/db';
import type { GenerationService } from '@/lib/generations';
import { ANONYMOUS, LEGACY_OWNER, OWNER_COOKIE, sealCookie, sealToken, viewerOf, type Viewer } from '@/lib/owners';
import type { TagService } from '@/lib/tags';
import { displayName, type UploadService } from '@/lib/uploads';
import { canSeeBlob } from '@/lib/uploads/blobs';
import { allowedSamples, SAMPLE_PHOTOS_PER_OWNER } from '@/lib/uploads/samples';
import { ADMIN, ALICE, BOB, errorOf, realServices, type RealServices } from './helpers';

const DB_FILE = 'test/.tmp/owners.db';
const photo = (id: string) => fs.readFileSync(path.resolve('../shared/data/corel5k/images', `${id}.jpg`));

const [alice, bob, admin] = [ALICE, BOB, ADMIN];

describe('owners', () => {
  let services: RealServices;
  let db: Db;
  let uploads: UploadService;
  let generations: GenerationService;
  let tags: TagService;

  beforeAll(async () => {
    services = await realServices(DB_FILE);
    ({ db, uploads, generations, tags } = services);
  });

  afterAll(() => services.close());

  it('gives each owner their own record of the same photo, with their own tags', async () => {
    const mine = await uploads.create(alice, photo('100000'), 'bear.jpg', { similar: 0 });
    const theirs = await uploads.create(bob, photo('100000'), 'also a bear.jpg', { similar: 0 });
    expect(mine.created && theirs.created).toBe(true);
    expect(theirs.upload.id).not.toBe(mine.upload.id);
    expect(theirs.upload.sha256).toBe(mine.upload.sha256);
    // Sent again by the same owner: the same record.
    expect((await uploads.create(alice, photo('100000'), 'bear again.jpg', { similar: 0 })).upload.id).toBe(mine.upload.id);

    await tags.saveTags(alice, mine.upload.id, { added: ['my bear'] });
    expect((await tags.tagsOf(bob, theirs.upload.id)).tags).toEqual([]);
    expect((await tags.tagsOf(alice, mine.upload.id)).tags.map((t) => t.word)).toEqual(['my bear']);
  });

  it('refuses a stranger’s tag change and delete, and accepts the owner’s and the administrator’s', async () => {
    const { upload } = await uploads.create(alice, photo('100004'), 'bear 2.jpg', { similar: 0 });
    // Private: to Bob it does not exist.
    expect((await errorOf(tags.saveTags(bob, upload.id, { added: ['mine now'] }))).code).toBe('NOT_FOUND');
    expect((await errorOf(uploads.remove(bob, upload.id))).code).toBe('NOT_FOUND');
    expect((await errorOf(uploads.setVisibility(bob, upload.id, 'public'))).code).toBe('NOT_FOUND');
    expect((await errorOf(tags.saveTags(ANONYMOUS, upload.id, { added: ['x'] }))).code).toBe('NOT_FOUND');
    // Shared: Bob sees it but still cannot change it.
    await uploads.setVisibility(alice, upload.id, 'public');
    expect((await tags.tagsOf(bob, upload.id)).upload.yours).toBe(false);
    expect((await errorOf(tags.saveTags(bob, upload.id, { added: ['mine now'] }))).code).toBe('NOT_YOURS');
    expect((await errorOf(uploads.remove(bob, upload.id))).code).toBe('NOT_YOURS');
    expect((await errorOf(tags.preparePhoto(bob, { uploadId: upload.id }))).code).toBe('NOT_YOURS');
    expect((await tags.tagsOf(alice, upload.id)).tags).toEqual([]);

    expect((await tags.saveTags(alice, upload.id, { added: ['bear'] })).map((t) => t.word)).toEqual(['bear']);
    expect((await tags.saveTags(admin, upload.id, { added: ['grass'] })).map((t) => t.word).sort()).toEqual(['bear', 'grass']);
    await uploads.remove(alice, upload.id);
    expect((await errorOf(uploads.get(alice, upload.id))).code).toBe('NOT_FOUND');
    expect(await db.photoTag.count({ where: { uploadId: upload.id } })).toBe(0);
  });

  it('keeps a private photo out of another person’s list, similar photos, tag search and blobs', async () => {
    const secret = (await uploads.create(alice, photo('1000'), 'sunset.jpg', { similar: 0 })).upload;
    const bobs = (await uploads.create(bob, photo('1001'), 'another sunset.jpg')).upload;

    const listed = async (viewer: Viewer) => (await uploads.list(viewer, { limit: 200 })).uploads.map((u) => u.id);
    expect(await listed(bob)).not.toContain(secret.id);
    expect(await listed(ANONYMOUS)).not.toContain(secret.id);
    expect(await listed(alice)).toContain(secret.id);
    expect(await listed(admin)).toEqual(expect.arrayContaining([secret.id, bobs.id]));
    expect(await uploads.count(bob)).toBe((await listed(bob)).length);

    const similarFor = async (viewer: Viewer, id: string) => (await uploads.similar(viewer, id, 50)).map((s) => s.id);
    expect(await similarFor(bob, bobs.id)).not.toContain(secret.id);
    expect(await similarFor(admin, bobs.id)).toContain(secret.id);
    expect((await errorOf(uploads.similar(bob, secret.id))).code).toBe('NOT_FOUND');

    await tags.saveTags(alice, secret.id, { added: ['sunset'] });
    const found = async (viewer: Viewer) => (await tags.search(viewer, ['sunset'], { limit: 100 })).results.map((r) => r.id);
    expect(await found(bob)).not.toContain(secret.id);
    expect(await found(alice)).toContain(secret.id);
    expect((await tags.search(bob, ['sunset'], { limit: 100 })).uploadsSearched).toBe(await uploads.count(bob));

    const blob = (viewer: Viewer) => canSeeBlob(viewer, secret.sha256, db, generations);
    expect(await blob(bob)).toBe(false);
    expect(await blob(ANONYMOUS)).toBe(false);
    expect(await blob(alice)).toBe(true);

    // Shared on purpose: now everyone sees it.
    await uploads.setVisibility(alice, secret.id, 'public');
    expect(await listed(ANONYMOUS)).toContain(secret.id);
    expect(await similarFor(bob, bobs.id)).toContain(secret.id);
    expect(await found(bob)).toContain(secret.id);
    expect(await blob(ANONYMOUS)).toBe(true);
  });

  it('stops serving a deleted photo’s bytes at once, unless another owner holds the same photo', async () => {
    const a = (await uploads.create(alice, photo('101000'), 'a.jpg', { similar: 0 })).upload;
    const b = (await uploads.create(bob, photo('101000'), 'b.jpg', { similar: 0 })).upload;
    await uploads.remove(alice, a.id);
    expect(await canSeeBlob(alice, a.sha256, db, generations)).toBe(false);
    expect(await canSeeBlob(bob, b.sha256, db, generations)).toBe(true);
    await uploads.remove(bob, b.id);
    expect(await canSeeBlob(bob, b.sha256, db, generations)).toBe(false);
    expect(await canSeeBlob(admin, b.sha256, db, generations)).toBe(true); // the sweep removes it from disk later
  });

  it('keeps generations private to their owner until shared, and lets only the owner delete them', async () => {
    const id = await generations.begin({ ownerId: alice.ownerId, kind: 'gan', modelName: 'gan-mnist', seed: 1, params: {} });
    const image = new Uint8Array(28 * 28).fill(200);
    const done = await generations.complete(id, { modelVersion: 'v', canvases: { width: 28, height: 28, channels: 1, images: [image] } });
    const sha256 = done.images[0].sha256;
    expect((await generations.list(bob, { kind: 'gan', limit: 10 })).map((g) => g.id)).not.toContain(id);
    expect((await errorOf(generations.get(bob, id))).code).toBe('NOT_FOUND');
    expect(await generations.canSeeBlob(bob, sha256)).toBe(false);
    expect((await generations.list(alice, { kind: 'gan', limit: 10 })).map((g) => g.id)).toContain(id);
    expect(await generations.canSeeBlob(alice, sha256)).toBe(true);

    await generations.setVisibility(alice, id, 'public');
    expect((await generations.get(bob, id)).yours).toBe(false);
    expect((await errorOf(generations.remove(bob, id))).code).toBe('NOT_YOURS');
    await generations.remove(alice, id);
    expect((await errorOf(generations.get(alice, id))).code).toBe('NOT_FOUND');
  });

  it('shows rows made before owners to the administrator only', async () => {
    const legacy = await db.upload.create({ data: { sha256: 'f'.repeat(64), format: 'jpeg', width: 1, height: 1, bytes: 1 } });
    expect(legacy.ownerId).toBe(LEGACY_OWNER);
    expect(legacy.visibility).toBe('private');
    expect((await errorOf(uploads.get(alice, legacy.id))).code).toBe('NOT_FOUND');
    expect((await uploads.get(admin, legacy.id)).yours).toBe(true);
    await uploads.remove(admin, legacy.id);
  });

  it('caps the sample photos one person may add, not the administrator’s', async () => {
    expect(await allowedSamples(uploads, bob, 24)).toBe(24);
    for (let i = 0; i < SAMPLE_PHOTOS_PER_OWNER - 10; i++) {
      await db.upload.create({ data: { ownerId: bob.ownerId, source: 'sample', sha256: i.toString(16).padStart(64, '0'), format: 'jpeg', width: 1, height: 1, bytes: 1 } });
    }
    expect(await allowedSamples(uploads, bob, 24)).toBe(10);
    for (let i = 0; i < 10; i++) {
      await db.upload.create({ data: { ownerId: bob.ownerId, source: 'sample', sha256: (1000 + i).toString(16).padStart(64, '0'), format: 'jpeg', width: 1, height: 1, bytes: 1 } });
    }
    expect((await errorOf(allowedSamples(uploads, bob, 1))).code).toBe('LIMIT_REACHED');
    expect(await allowedSamples(uploads, admin, 200)).toBe(200);
    await db.upload.deleteMany({ where: { ownerId: bob.ownerId, source: 'sample' } });
  });
});

describe('who is asking', () => {
  const headers = (entries: Record<string, string>) => new Headers(entries);

  it('reads a browser’s owner from its sealed cookie and an API client’s from its token', async () => {
    const cookie = await sealCookie(alice.ownerId);
    expect(await viewerOf(headers({ cookie: `theme=dark; ${OWNER_COOKIE}=${cookie}` }))).toEqual({ ownerId: alice.ownerId, admin: false, via: 'cookie' });
    const token = await sealToken(bob.ownerId);
    expect(await viewerOf(headers({ authorization: `Bearer ${token}` }))).toEqual({ ownerId: bob.ownerId, admin: false, via: 'token' });
    expect(await viewerOf(headers({}))).toEqual(ANONYMOUS);
  });

  it('cannot be forged: an edited or foreign cookie names nobody, an edited token is refused', async () => {
    const cookie = await sealCookie(alice.ownerId);
    const edited = cookie.slice(0, -4) + (cookie.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await viewerOf(headers({ cookie: `${OWNER_COOKIE}=${edited}` }))).toEqual(ANONYMOUS);
    expect(await viewerOf(headers({ cookie: `${OWNER_COOKIE}=${alice.ownerId}` }))).toEqual(ANONYMOUS);
    // A cookie is not a token, nor a token a cookie.
    expect((await errorOf(viewerOf(headers({ authorization: `Bearer ${cookie}` })))).code).toBe('INVALID_TOKEN');
    expect(await viewerOf(headers({ cookie: `${OWNER_COOKIE}=${await sealToken(bob.ownerId)}` }))).toEqual(ANONYMOUS);
    expect((await errorOf(viewerOf(headers({ authorization: 'Bearer not-a-token' })))).code).toBe('INVALID_TOKEN');
    expect((await errorOf(viewerOf(headers({ authorization: 'Basic dXNlcjpwYXNz' })))).code).toBe('INVALID_TOKEN');
  });
});

describe('a photo’s file name', () => {
  it('is kept only as display text', () => {
    expect(displayName('../../etc/passwd')).toBe('passwd');
    expect(displayName('C:\\Users\\me\\holiday.jpg')).toBe('holiday.jpg');
    expect(displayName('<script>alert(1)</script>.png')).toBe('script.png');
    expect(displayName('<img src=x onerror=alert(1)>.png')).toBe('img src=x onerror=alert(1).png');
    expect(displayName('bad\u0000name\u202e.jpg')).toBe('badname.jpg');
    expect(displayName('...hidden')).toBe('hidden');
    expect(displayName('   ')).toBeNull();
    expect(displayName('é'.repeat(300))).toHaveLength(120);
  });
});

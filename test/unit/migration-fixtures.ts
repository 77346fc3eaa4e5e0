/**
 * What a database held before migration 0003_generation_upload, and how it must read after it and
 * 0004_owners (not a test file itself: test/unit/migrations.test.ts runs it on SQLite,
 * postgres.test.ts on PostgreSQL).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Db } from '@/lib/db';
import { GenerationService } from '@/lib/generations';
import { LEGACY_OWNER } from '@/lib/owners';
import { ADMIN, ALICE } from './helpers';

export const migration = (kind: 'sqlite' | 'postgresql', name: string) => fs.readFileSync(path.join('prisma', kind, 'migrations', name, 'migration.sql'), 'utf8');

export const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();
const tagsResult = (word: string) => JSON.stringify({ tags: [{ word, probability: 0.9, score: 1 }], steps: 3 });

/** What a database held before 0003: two photos (one since deleted), tags runs and a GAN drawing. */
export const UPLOADS = [{ id: 'photo-a', sha256: 'a'.repeat(64) }, { id: 'photo-b', sha256: 'b'.repeat(64) }];
export const GENERATIONS = [
  { id: 'run-a', kind: 'tags', params: JSON.stringify({ uploadId: 'photo-a', steps: null }), result: tagsResult('sky'), createdAt: at(1) },
  // Photo b's run, whose params happen to mention photo a as a JSON field of their own.
  { id: 'run-b', kind: 'tags', params: JSON.stringify({ uploadId: 'photo-b', steps: 3, like: { uploadId: 'photo-a' } }), result: tagsResult('tree'), createdAt: at(2) },
  // A run of a photo no longer stored.
  { id: 'run-gone', kind: 'tags', params: JSON.stringify({ uploadId: 'photo-gone', steps: null }), result: tagsResult('sun'), createdAt: at(3) },
  { id: 'drawing', kind: 'gan', params: JSON.stringify({ task: 'samples', uploadId: 'photo-a' }), result: JSON.stringify({ images: ['c'.repeat(64)], output: { latents: [] } }), createdAt: at(4) },
];

/**
 * Checks the database after 0003 and 0004 through lib/generations, as the app reads it: every row
 * made before owners belongs to the legacy owner and is private (so the administrator reads it).
 */
export async function expectKept(db: Db) {
  const generations = new GenerationService(db);
  const runA = await generations.latestFromUpload(UPLOADS[0].id, { kind: 'tags' });
  expect(runA).toMatchObject({ id: 'run-a', params: { uploadId: 'photo-a' }, result: { tags: [{ word: 'sky' }], steps: 3 } });
  expect(await generations.latestFromUpload(UPLOADS[1].id, { kind: 'tags' })).toMatchObject({ id: 'run-b', result: { tags: [{ word: 'tree' }] } });
  expect(await generations.latestFromUpload('photo-gone', { kind: 'tags' })).toBeNull();
  // Every row is kept; only tags runs name a photo; other kinds' results are as they were.
  const rows = await db.generation.findMany({ orderBy: { id: 'asc' } });
  expect(rows.map((row) => [row.id, row.uploadId])).toEqual([
    ['drawing', null],
    ['run-a', 'photo-a'],
    ['run-b', 'photo-b'],
    ['run-gone', null],
  ]);
  expect((await generations.get(ADMIN, 'drawing')).images.map((image) => image.sha256)).toEqual(['c'.repeat(64)]);
  expect((await generations.get(ADMIN, 'run-gone')).result).toEqual({ tags: [{ word: 'sun', probability: 0.9, score: 1 }], steps: 3 });

  // 0004_owners: nothing is rewritten; every earlier row is the legacy owner's, private, and an upload.
  expect(rows.map((row) => [row.ownerId, row.visibility])).toEqual(rows.map(() => [LEGACY_OWNER, 'private']));
  const uploads = await db.upload.findMany({ orderBy: { id: 'asc' } });
  expect(uploads.map((u) => [u.id, u.sha256, u.ownerId, u.visibility, u.source])).toEqual(UPLOADS.map((u) => [u.id, u.sha256, LEGACY_OWNER, 'private', 'upload']));
  // A photo's SHA-256 is unique per owner, no longer in all: another owner may hold the same photo, the same owner not twice.
  const again = { sha256: UPLOADS[0].sha256, format: 'jpeg', width: 1, height: 1, bytes: 1 };
  const theirs = await db.upload.create({ data: { ...again, ownerId: ALICE.ownerId } });
  await expect(db.upload.create({ data: { ...again, ownerId: ALICE.ownerId } })).rejects.toMatchObject({ code: 'P2002' });
  await expect(db.upload.create({ data: { ...again, ownerId: LEGACY_OWNER } })).rejects.toMatchObject({ code: 'P2002' });
  await db.upload.delete({ where: { id: theirs.id } });
}

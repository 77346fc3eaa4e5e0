/**
 * What a database held before migration 0003_generation_upload, and how it must read after it
 * (not a test file itself: test/unit/migrations.test.ts runs it on SQLite, postgres.test.ts on
 * PostgreSQL).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Db } from '@/lib/db';
import { GenerationService } from '@/lib/generations';

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

/** Checks the database after 0003 through lib/generations, as the app reads it. */
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
  expect((await generations.get('drawing')).images.map((image) => image.sha256)).toEqual(['c'.repeat(64)]);
  expect((await generations.get('run-gone')).result).toEqual({ tags: [{ word: 'sun', probability: 0.9, score: 1 }], steps: 3 });
}

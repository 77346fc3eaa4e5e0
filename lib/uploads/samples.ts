/**
 * "Add sample photos": uploads photos from Corel-5k's training split (in DATA_DIR) through the
 * same pipeline as a person's upload, as that person's own (private) photos, so an empty gallery
 * has something to be similar to. Each owner may hold at most `SAMPLE_PHOTOS_PER_OWNER` sample
 * photos; the administrator may add any number.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { loadCorel5k, trainItems } from '@/lib/datasets';
import { AppError } from '@/lib/errors';
import type { Owner } from '@/lib/owners';
import { seededShuffle } from '@/lib/random';
import type { ProgressEvent } from '@/lib/model-server';
import type { UploadService } from './index';

/** The most sample photos one owner may hold (the administrator: no limit). */
export const SAMPLE_PHOTOS_PER_OWNER = 48;

/** POST /api/uploads/samples: how many photos to add (an empty body: the default). */
export const samplePhotosRequest = z.object({ count: z.number().int().min(1).max(200).default(24) });

/**
 * How many sample photos `owner` may still add of the `count` asked for: all of them for the
 * administrator; else up to their allowance, LIMIT_REACHED when it is used up.
 */
export async function allowedSamples(uploads: UploadService, owner: Owner, count: number): Promise<number> {
  if (owner.admin) return count;
  const held = await uploads.countSamples(owner);
  const left = SAMPLE_PHOTOS_PER_OWNER - held;
  if (left <= 0) {
    throw new AppError('LIMIT_REACHED', `You already have ${held} sample photos, the most one person may add (${SAMPLE_PHOTOS_PER_OWNER}). Delete some to add others.`);
  }
  return Math.min(count, left);
}

export async function importSamplePhotos(
  owner: Owner,
  uploads: UploadService,
  count: number,
  report: (event: ProgressEvent) => void,
  signal: AbortSignal,
): Promise<{ added: number; skipped: number }> {
  const items = seededShuffle(trainItems(await loadCorel5k()), 2012);
  let added = 0;
  let skipped = 0;
  report({ step: 0, total: count, message: 'Starting' });
  for (const item of items) {
    if (added >= count) break;
    if (signal.aborted) throw new AppError('CANCELLED', `Stopped after adding ${added} photos.`);
    const result = await uploads.create(owner, await fs.readFile(item.file), path.basename(item.file), { signal, source: 'sample' });
    if (result.created) added++;
    else skipped++;
    report({ step: added, total: count, message: `Added ${item.tags.join(', ')}` });
  }
  return { added, skipped };
}

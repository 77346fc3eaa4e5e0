/**
 * "Add sample photos": uploads photos from Corel-5k's training split (in DATA_DIR) through the
 * same pipeline as a person's upload, so an empty gallery has something to be similar to.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { loadCorel5k, trainItems } from '@/lib/datasets';
import { AppError } from '@/lib/errors';
import { seededShuffle } from '@/lib/random';
import type { ProgressEvent } from '@/lib/model-server';
import type { UploadService } from './index';

/** POST /api/uploads/samples: how many photos to add (an empty body: the default). */
export const samplePhotosRequest = z.object({ count: z.number().int().min(1).max(200).default(24) });

export async function importSamplePhotos(
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
    const result = await uploads.create(await fs.readFile(item.file), path.basename(item.file), { signal });
    if (result.created) added++;
    else skipped++;
    report({ step: added, total: count, message: `Added ${item.tags.join(', ')}` });
  }
  return { added, skipped };
}

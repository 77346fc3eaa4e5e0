/**
 * "Add sample photos": uploads photos from Corel-5k's training split (in DATA_DIR) through the
 * same pipeline as a person's upload, so an empty gallery has something to be similar to.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadCorel5k, trainItems } from '@/lib/datasets';
import { AppError } from '@/lib/errors';
import type { ProgressEvent } from '@/lib/model-server';
import type { UploadService } from './index';

/** A fixed shuffle (mulberry32) so the same photos come in the same order on every machine. */
function seededOrder<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export async function importSamplePhotos(
  uploads: UploadService,
  count: number,
  report: (event: ProgressEvent) => void,
  signal: AbortSignal,
): Promise<{ added: number; skipped: number }> {
  const items = seededOrder(trainItems(await loadCorel5k()), 2012);
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

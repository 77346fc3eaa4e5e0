/**
 * Flickr8k with its photos, from `<DATA_DIR>/flickr8k/` (Hodosh, Young & Hockenmaier 2013):
 * - `annotations.jsonl`: one line per Flickr8k image (8,092), `{"id", "file" ("images/<id>.jpg" or
 *   null), "captions": [5 strings], "split": "train" | "dev" | "test" | null}`;
 * - `images/<id>.jpg`: 8,000 photos, squashed to 128×128 without keeping the aspect ratio.
 *
 * The loader gives the 8,000 photos that have both a file and an official split (train 6,000,
 * dev 1,000, test 1,000); the 92 records outside every split have no photo and are skipped. Each
 * line is validated with zod; a bad line throws a DatasetFormatError with its line number.
 * Captions are the original tokenised text ("... stairs ."). Research use only: the photos may be
 * shown to the person using the app, not published.
 */
import path from 'node:path';
import { z } from 'zod';
import { env } from '@/lib/env';
import { readJsonl, relativeFileSchema, resolveRecordFile } from './paths';

export type Flickr8kSplit = 'train' | 'dev' | 'test';

export interface Flickr8kPhoto {
  id: string;
  /** Absolute path of the 128×128 JPEG. */
  file: string;
  /** The five human captions. */
  captions: string[];
  split: Flickr8kSplit;
}

const recordSchema = z.object({
  id: z.string().min(1),
  file: relativeFileSchema.nullable(),
  captions: z.array(z.string().trim().min(1)).length(5),
  split: z.enum(['train', 'dev', 'test']).nullable(),
});

/** Loads the Flickr8k photos that have a file and a split, in file order. */
export async function loadFlickr8k(dataDir: string = env.DATA_DIR): Promise<Flickr8kPhoto[]> {
  const { file, records } = await readJsonl(recordSchema, dataDir, 'flickr8k', 'annotations.jsonl');
  const dir = path.dirname(file);
  return records.flatMap((r) => {
    const photo = resolveRecordFile(dir, r.file);
    return photo === null || r.split === null ? [] : [{ id: r.id, file: photo, captions: r.captions, split: r.split }];
  });
}

/** The photos of one split, in file order. */
export function flickr8kSplit(photos: Flickr8kPhoto[], split: Flickr8kSplit): Flickr8kPhoto[] {
  return photos.filter((p) => p.split === split);
}

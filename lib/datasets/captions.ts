/**
 * Caption corpora (JSON Lines, one object per image), for the text-to-image page's vocabulary,
 * tokeniser and prompt examples:
 *
 * | corpus | file | images | captions | photos here | split |
 * |---|---|---|---|---|---|
 * | `coco`     | `coco_captions_val2017/captions.jsonl` | 5,000 | 25,014 (5–7 each) | none (text only) | `val2017` |
 * | `flickr8k` | `flickr8k_captions/captions.jsonl`     | 8,092 | 40,460 (5 each)  | 90  | train 6,000 / dev 1,000 / test 1,000 / null 92 |
 * | `pascal`   | `pascal_sentences/captions.jsonl`      | 1,000 | 4,998 (4–6 each) | 47  | none (null); 20 categories |
 *
 * Every record becomes `{ id, file, captions, split }` with `file` an absolute path or `null`
 * when the photo is not included, and `id` always a string (COCO's numeric ids are stringified).
 * Flickr8k captions are the original tokenised text ("... stairs .").
 */
import path from 'node:path';
import { z } from 'zod';
import { env } from '@/lib/env';
import { readJsonl, relativeFileSchema, resolveRecordFile } from './paths';

export interface CaptionItem {
  id: string;
  /** Absolute path of the photo, or null when it is not in the shared data. */
  file: string | null;
  captions: string[];
  /** The source's own split; null where it defines none. */
  split: string | null;
}

export interface CocoCaptionItem extends CaptionItem {
  /** COCO's file name (`000000000139.jpg`); the image itself is not included. */
  fileName: string;
  width: number;
  height: number;
  license: string;
  split: 'val2017';
}

export interface Flickr8kCaptionItem extends CaptionItem {
  fileName: string;
  split: 'train' | 'dev' | 'test' | null;
}

export interface PascalCaptionItem extends CaptionItem {
  /** One of the 20 PASCAL VOC categories. */
  category: string;
  split: null;
}

export const CAPTION_CORPORA = ['coco', 'flickr8k', 'pascal'] as const;
export type CaptionCorpus = (typeof CAPTION_CORPORA)[number];

const captions = z.array(z.string().trim().min(1)).min(1);
const optionalFile = relativeFileSchema.nullable().optional();

const cocoSchema = z.object({
  id: z.number().int().nonnegative(),
  file_name: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  license: z.string(),
  captions,
  split: z.literal('val2017'),
});

const flickrSchema = z.object({
  id: z.string().min(1),
  file_name: z.string().min(1),
  file: optionalFile,
  captions,
  split: z.enum(['train', 'dev', 'test']).nullable().optional(),
});

const pascalSchema = z.object({
  id: z.string().min(1),
  file: optionalFile,
  category: z.string().min(1),
  captions,
  split: z.null().optional(),
});

/** MS-COCO 2017 val captions: 5,000 images, 25,014 captions, no pixels (`file` is always null). */
export async function loadCocoCaptions(dataDir: string = env.DATA_DIR): Promise<CocoCaptionItem[]> {
  const { records } = await readJsonl(cocoSchema, dataDir, 'coco_captions_val2017', 'captions.jsonl');
  return records.map((r) => ({
    id: String(r.id),
    file: null,
    captions: r.captions,
    split: r.split,
    fileName: r.file_name,
    width: r.width,
    height: r.height,
    license: r.license,
  }));
}

/** Flickr8k: 8,092 images × 5 captions with the official splits; 90 photos included. */
export async function loadFlickr8kCaptions(dataDir: string = env.DATA_DIR): Promise<Flickr8kCaptionItem[]> {
  const { file, records } = await readJsonl(flickrSchema, dataDir, 'flickr8k_captions', 'captions.jsonl');
  const dir = path.dirname(file);
  return records.map((r) => ({
    id: r.id,
    file: resolveRecordFile(dir, r.file),
    captions: r.captions,
    split: r.split ?? null,
    fileName: r.file_name,
  }));
}

/** UIUC Pascal Sentences: 1,000 images in 20 categories, 4,998 captions; 47 photos included. */
export async function loadPascalSentences(dataDir: string = env.DATA_DIR): Promise<PascalCaptionItem[]> {
  const { file, records } = await readJsonl(pascalSchema, dataDir, 'pascal_sentences', 'captions.jsonl');
  const dir = path.dirname(file);
  return records.map((r) => ({
    id: r.id,
    file: resolveRecordFile(dir, r.file),
    captions: r.captions,
    split: null,
    category: r.category,
  }));
}

/** One corpus by name. */
export function loadCaptionCorpus(corpus: CaptionCorpus, dataDir: string = env.DATA_DIR): Promise<CaptionItem[]> {
  switch (corpus) {
    case 'coco':
      return loadCocoCaptions(dataDir);
    case 'flickr8k':
      return loadFlickr8kCaptions(dataDir);
    case 'pascal':
      return loadPascalSentences(dataDir);
  }
}

/**
 * Every caption string of the given corpora (all three by default: 25,014 + 40,460 + 4,998 =
 * 70,472), corpus by corpus in file order.
 */
export async function allCaptions(
  dataDir: string = env.DATA_DIR,
  corpora: readonly CaptionCorpus[] = CAPTION_CORPORA,
): Promise<string[]> {
  const loaded = await Promise.all(corpora.map((c) => loadCaptionCorpus(c, dataDir)));
  return loaded.flatMap((items) => items.flatMap((item) => item.captions));
}

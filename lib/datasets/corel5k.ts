/**
 * Corel-5k auto-annotation benchmark, from `<DATA_DIR>/corel5k/`:
 * - `vocabulary.txt`: 374 keywords, line n = tag id n−1;
 * - `annotations.jsonl`: `{"id","file","tags":[...],"tag_ids":[...],"split":"train"|"test"}` per image;
 * - `images/<id>.jpg`: 4,999 original 192×128 / 128×192 JPEGs.
 *
 * 4,500 train / 499 test (the literature's test set has 500). Each line is validated with zod, and
 * `tag_ids` must agree with `tags` through the vocabulary; a bad line throws a DatasetFormatError
 * with its line number. Note: one record (`140026`) lists the tag `tree` twice, as in the source;
 * it is kept as is.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { env } from '@/lib/env';
import { DatasetFormatError, datasetPath, parseJsonl, relativeFileSchema, resolveRecordFile } from './paths';

export type CorelSplit = 'train' | 'test';

export interface CorelItem {
  id: string;
  /** Absolute path of the JPEG. */
  file: string;
  tags: string[];
  /** 0-based indices into `vocabulary`, parallel to `tags`. */
  tagIds: number[];
  split: CorelSplit;
}

export interface Corel5k {
  vocabulary: string[];
  items: CorelItem[];
}

const recordSchema = z.object({
  id: z.string().min(1),
  file: relativeFileSchema,
  tags: z.array(z.string().min(1)).min(1),
  tag_ids: z.array(z.number().int().nonnegative()).min(1),
  split: z.enum(['train', 'test']),
});

/** Parses `vocabulary.txt`: one keyword per line, no blanks, no duplicates. */
export function parseCorelVocabulary(text: string, file = 'vocabulary.txt'): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // final newline
  const seen = new Map<string, number>();
  lines.forEach((word, i) => {
    if (word.trim() === '') throw new DatasetFormatError(file, 'empty keyword', { line: i + 1 });
    const before = seen.get(word);
    if (before !== undefined) throw new DatasetFormatError(file, `"${word}" repeats line ${before}`, { line: i + 1 });
    seen.set(word, i + 1);
  });
  return lines;
}

/** Parses `annotations.jsonl` against a vocabulary; `datasetDir` makes `file` absolute. */
export function parseCorelAnnotations(text: string, vocabulary: string[], datasetDir: string, file = 'annotations.jsonl'): CorelItem[] {
  // Validate tag ids against the vocabulary inside the schema, so errors carry line numbers.
  const schema = recordSchema.superRefine((r, ctx) => {
    if (r.tag_ids.length !== r.tags.length) {
      ctx.addIssue({ code: 'custom', path: ['tag_ids'], message: `${r.tag_ids.length} ids for ${r.tags.length} tags` });
      return;
    }
    r.tag_ids.forEach((tagId, k) => {
      if (tagId >= vocabulary.length) {
        ctx.addIssue({ code: 'custom', path: ['tag_ids', k], message: `id ${tagId} is outside the ${vocabulary.length}-word vocabulary` });
      } else if (vocabulary[tagId] !== r.tags[k]) {
        ctx.addIssue({
          code: 'custom',
          path: ['tag_ids', k],
          message: `id ${tagId} is "${vocabulary[tagId]}" in the vocabulary but the tag is "${r.tags[k]}"`,
        });
      }
    });
  });
  return parseJsonl(text, schema, file).map((r) => ({
    id: r.id,
    file: resolveRecordFile(datasetDir, r.file) as string,
    tags: r.tags,
    tagIds: r.tag_ids,
    split: r.split,
  }));
}

/** Loads Corel-5k: the vocabulary and all 4,999 items (in file order). */
export async function loadCorel5k(dataDir: string = env.DATA_DIR): Promise<Corel5k> {
  const vocabularyFile = datasetPath(dataDir, 'corel5k', 'vocabulary.txt');
  const annotationsFile = datasetPath(dataDir, 'corel5k', 'annotations.jsonl');
  const [vocabularyText, annotationsText] = await Promise.all([
    fsp.readFile(vocabularyFile, 'utf8'),
    fsp.readFile(annotationsFile, 'utf8'),
  ]);
  const vocabulary = parseCorelVocabulary(vocabularyText, vocabularyFile);
  const items = parseCorelAnnotations(annotationsText, vocabulary, path.dirname(annotationsFile), annotationsFile);
  return { vocabulary, items };
}

export function trainItems(dataset: Corel5k): CorelItem[] {
  return dataset.items.filter((item) => item.split === 'train');
}

export function testItems(dataset: Corel5k): CorelItem[] {
  return dataset.items.filter((item) => item.split === 'test');
}

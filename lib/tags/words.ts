/**
 * Words: a tagging model's vocabulary (Corel-5k's 374 keywords, or Flickr8k's 370 caption words), checking a
 * person's search words against it (with close words for the ones it does not know), and the
 * rules for a person's own tags, which may be any short word or phrase.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { COREL_TAGGER } from '@/models/multimodal-dbm';
import { closestWords, quotedList, readWords, type ReadWords } from '@/lib/text/word-forms';

export { editDistance } from '@/lib/text/word-forms';

export type { ReadWords } from '@/lib/text/word-forms';

/** Shipped with each tagger's checkpoint: a JSON array of its words, index = the model's word id. */
export const VOCABULARY_FILE = 'vocabulary.json';

export const TAG_MAX_LENGTH = 40;
const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} -]*$/u;

export class Vocabulary {
  readonly words: readonly string[];
  private readonly known: Set<string>;

  constructor(words: readonly string[]) {
    this.words = words;
    this.known = new Set(words);
  }

  has(word: string): boolean {
    return this.known.has(word);
  }

  /** Up to `limit` vocabulary words a person may have meant by `word` (lib/text/word-forms.ts's `closestWords`). */
  closest(word: string, limit = 5): string[] {
    return closestWords(word, this.words, limit);
  }

  /** The words, cleaned and read as the vocabulary's (see `read`); throws as `read` does. */
  check(words: readonly string[], options: { label?: string } = {}): string[] {
    return this.read(words, options).words;
  }

  /**
   * A person's search words read forgivingly (lib/text/word-forms.ts): case folded, another form
   * of a vocabulary word read as that word ("bird" → "birds", "mountains" → "mountain"), function
   * words the vocabulary lacks ("the", "of") dropped; the answer says what was folded and dropped.
   * UNKNOWN_TAGS names each word it knows in no form, with the vocabulary words it is close to;
   * BAD_REQUEST when nothing is left to search for.
   */
  read(words: readonly string[], options: { label?: string } = {}): ReadWords {
    const cleaned = words.map(normaliseWord).filter((w) => w.length > 0);
    if (cleaned.length === 0) throw new AppError('BAD_REQUEST', 'Type at least one tag to search for.');
    const read = readWords(cleaned, (w) => this.has(w));
    const tagger = options.label ? `The ${options.label} tagger` : 'The tagging model';
    if (read.unknown.length > 0) {
      const unknown = read.unknown.map((word) => ({ word, suggestions: this.closest(word) }));
      const parts = unknown.map(({ word, suggestions }) =>
        suggestions.length > 0 ? `"${word}" (did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?)` : `"${word}"`,
      );
      throw new AppError(
        'UNKNOWN_TAGS',
        `${tagger} does not know ${unknown.length === 1 ? 'the word' : 'these words'} ${parts.join(', ')}. ` +
          `It knows ${this.words.length} words: choose a close one, or browse the words it knows.`,
        { details: { unknown, dropped: read.dropped, folded: read.folded } },
      );
    }
    if (read.words.length === 0) {
      throw new AppError(
        'BAD_REQUEST',
        `There is nothing to search for: ${quotedList(read.dropped)} ${read.dropped.length === 1 ? 'is a word' : 'are words'} a tagger has no use for. Type a tag, such as ${quotedList(this.words.slice(0, 3))}.`,
        { details: { dropped: read.dropped } },
      );
    }
    return read;
  }
}

/** Lower case, trimmed, inner spaces collapsed. */
export function normaliseWord(word: string): string {
  return word.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Splits "water, sky  sun" into words. */
export function splitWords(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map(normaliseWord)
    .filter((w) => w.length > 0);
}

/** A person's own tag, cleaned; INVALID_TAG (naming it) when it is not 1–40 letters, digits, spaces or hyphens. */
export function cleanPersonTag(raw: string): string {
  const word = normaliseWord(raw);
  if (word.length === 0) throw new AppError('INVALID_TAG', 'A tag cannot be empty.');
  if (word.length > TAG_MAX_LENGTH) throw new AppError('INVALID_TAG', `The tag "${word.slice(0, 50)}…" is longer than ${TAG_MAX_LENGTH} characters.`);
  if (!TAG_PATTERN.test(word)) {
    throw new AppError('INVALID_TAG', `The tag "${word}" can only contain letters, digits, spaces and hyphens, and must start with a letter or digit.`);
  }
  return word;
}

const vocabularySchema = z.array(z.string().min(1)).min(1);

/** Reads the model's vocabulary; MODEL_UNAVAILABLE when the checkpoint does not ship one. */
export async function loadVocabulary(root = process.cwd(), checkpointDir: string = COREL_TAGGER.checkpoint): Promise<Vocabulary> {
  const file = path.join(root, checkpointDir, VOCABULARY_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new AppError('MODEL_UNAVAILABLE', 'The tagging model is not installed on this server yet (its vocabulary is missing).', { cause: error });
  }
  const parsed = vocabularySchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a JSON array of words`);
  return new Vocabulary(parsed.data);
}

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

  /**
   * Up to `limit` vocabulary words a person may have meant by `word`: its singular ("skies" →
   * "sky"), words it starts (or that start it), then the fewest edits away (at most a third of
   * the word's length, at least 1).
   */
  closest(word: string, limit = 5): string[] {
    const maxEdits = Math.max(1, Math.floor(word.length / 3));
    const singulars = new Set([word.replace(/ies$/, 'y'), word.replace(/es$/, ''), word.replace(/s$/, '')].filter((w) => w !== word));
    const scored: { word: string; score: number }[] = [];
    for (const candidate of this.words) {
      if (singulars.has(candidate)) {
        scored.push({ word: candidate, score: 0 });
        continue;
      }
      const prefix = word.length >= 2 && (candidate.startsWith(word) || (word.startsWith(candidate) && candidate.length >= 3));
      const edits = editDistance(word, candidate, maxEdits);
      if (prefix) scored.push({ word: candidate, score: Math.min(edits, 0.5) + Math.abs(candidate.length - word.length) / 100 });
      else if (edits <= maxEdits) scored.push({ word: candidate, score: edits });
    }
    return scored.sort((a, b) => a.score - b.score || a.word.localeCompare(b.word)).slice(0, limit).map((s) => s.word);
  }

  /** The words, cleaned; throws UNKNOWN_TAGS naming each unknown word with the words it is close to. */
  check(words: readonly string[]): string[] {
    const cleaned = [...new Set(words.map(normaliseWord).filter((w) => w.length > 0))];
    if (cleaned.length === 0) throw new AppError('BAD_REQUEST', 'Type at least one tag to search for.');
    const unknown = cleaned.filter((w) => !this.has(w)).map((word) => ({ word, suggestions: this.closest(word) }));
    if (unknown.length > 0) {
      const parts = unknown.map(({ word, suggestions }) =>
        suggestions.length > 0 ? `"${word}" (did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?)` : `"${word}"`,
      );
      throw new AppError(
        'UNKNOWN_TAGS',
        `The tagging model does not know ${unknown.length === 1 ? 'the word' : 'these words'} ${parts.join(', ')}. ` +
          `It knows the ${this.words.length} words of the Corel-5k vocabulary; see /api/tags/vocabulary for the list.`,
        { details: { unknown } },
      );
    }
    return cleaned;
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

/** Levenshtein distance, giving up (returning max + 1) once it must exceed `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length];
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

/**
 * Forgiving words: what a person types, read against a model's fixed vocabulary. Case is folded,
 * a word the vocabulary has in another form is read as that form ("bird" for a vocabulary with
 * "birds", "mountains" for one with "mountain", "running" for one with "run"), and function words
 * ("a", "the", "on"…: caption-tags.ts's STOP_WORDS) that the vocabulary does not have are dropped,
 * since a tagger or a tag-reading model has no use for them. What was folded and dropped is
 * reported, so a page can say so.
 */
import { LEMMA_EXCEPTIONS, lemma, STOP_WORDS } from './caption-tags';

const STOP = new Set(STOP_WORDS);

/** Irregular singular → its plurals ("child" → "children"), from the lemma table. */
const IRREGULAR_PLURALS = new Map<string, string[]>();
for (const [form, base] of Object.entries(LEMMA_EXCEPTIONS)) {
  if (form !== base) IRREGULAR_PLURALS.set(base, [...(IRREGULAR_PLURALS.get(base) ?? []), form]);
}

export function isStopWord(word: string): boolean {
  return STOP.has(word);
}

/**
 * The forms a vocabulary may hold a typed word in, the word itself first: its singular or verb
 * base (caption-tags.ts's `lemma`, with simpler singulars), then its plurals.
 */
export function formsOf(word: string): string[] {
  const w = word.toLowerCase();
  const forms = [w, lemma(w)];
  if (w.length > 3 && w.endsWith('ies')) forms.push(`${w.slice(0, -3)}y`);
  if (w.length > 3 && w.endsWith('es')) forms.push(w.slice(0, -2));
  if (w.length > 2 && w.endsWith('s') && !w.endsWith('ss')) forms.push(w.slice(0, -1));
  forms.push(`${w}s`, `${w}es`);
  if (/[^aeiou]y$/.test(w)) forms.push(`${w.slice(0, -1)}ies`);
  if (/(f|fe)$/.test(w)) forms.push(w.replace(/(f|fe)$/, 'ves'));
  forms.push(...(IRREGULAR_PLURALS.get(w) ?? []));
  return [...new Set(forms.filter((f) => f.length > 0))];
}

/** The vocabulary's form of a typed word (itself when known), or null when it knows none. */
export function knownForm(word: string, has: (word: string) => boolean): string | null {
  return formsOf(word).find(has) ?? null;
}

export interface ReadWords {
  /** The vocabulary's words, in the order typed, each once. */
  words: string[];
  /** Typed words read as another form of a vocabulary word. */
  folded: { typed: string; word: string }[];
  /** Function words the vocabulary does not have, left out. */
  dropped: string[];
  /** Words it knows in no form, each once. */
  unknown: string[];
}

/** Typed words (already split and lower-cased) read against a vocabulary. */
export function readWords(typed: readonly string[], has: (word: string) => boolean): ReadWords {
  const read: ReadWords = { words: [], folded: [], dropped: [], unknown: [] };
  for (const word of typed) {
    const form = knownForm(word, has);
    if (form !== null) {
      if (!read.words.includes(form)) read.words.push(form);
      if (form !== word && !read.folded.some((f) => f.typed === word)) read.folded.push({ typed: word, word: form });
    } else if (isStopWord(word)) {
      if (!read.dropped.includes(word)) read.dropped.push(word);
    } else if (!read.unknown.includes(word)) {
      read.unknown.push(word);
    }
  }
  return read;
}

/** "a", "on" and "the" — a list of quoted words for a sentence. */
export function quotedList(words: readonly string[]): string {
  const quoted = words.map((w) => `“${w}”`);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/**
 * Up to `limit` of `vocabulary`'s words a person may have meant by `word`: its singular ("skies" →
 * "sky"), words it starts (or that start it), then the fewest edits away (at most a third of
 * the word's length, at least 1).
 */
export function closestWords(word: string, vocabulary: readonly string[], limit = 5): string[] {
  const maxEdits = Math.max(1, Math.floor(word.length / 3));
  const singulars = new Set([word.replace(/ies$/, 'y'), word.replace(/es$/, ''), word.replace(/s$/, '')].filter((w) => w !== word));
  const scored: { word: string; score: number }[] = [];
  for (const candidate of vocabulary) {
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


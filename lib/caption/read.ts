/**
 * How a caption model will read what a person typed, without the model: shared by the page (to
 * say so as they type, and to keep Draw from being pressed for a caption the model cannot draw) and
 * by the service (which then tokenizes for real). No server-only imports: the page bundles it.
 *
 * - A grammar model (MNIST with Captions) reads its sentences word for word: every word must be one
 *   of its own ("top-left" as "top left"), or it cannot draw the caption.
 * - A tag model (Corel-5k) reads the tags it knows and leaves out the rest: case folded, another
 *   form of a tag read as the tag ("dogs" → "dog"), words it knows in no form left out and named
 *   ("a dog running on the beach" → "dog beach", leaving out "a", "running", "on", "the").
 */
import { closestWords, knownForm } from '@/lib/text/word-forms';

const PUNCTUATION = /[.,;:!?"'()]/g;

/** The words of a caption as the tokenizers split them (lower case, punctuation as spaces; hyphens kept). */
export const captionWordsOf = (caption: string) => caption.normalize('NFKC').toLowerCase().replace(PUNCTUATION, ' ').split(/\s+/).filter(Boolean);

export interface CaptionWords {
  /** Whether the model can draw it. */
  drawable: boolean;
  /** What the model will be given: the caption (grammar), or the tags it knows joined by spaces. */
  caption: string;
  /** Typed words read as another form of a tag ("dogs" → "dog"). */
  folded: { typed: string; word: string }[];
  /** Typed words a tag model leaves out, each once, in the order typed. */
  leftOut: string[];
  /** Typed words a grammar model does not know (so it cannot draw the caption), each once. */
  unknown: string[];
}

/** A caption read against a model's words; `grammar` true for a model that reads whole sentences. */
export function readCaptionWords(caption: string, vocabulary: readonly string[], grammar: boolean): CaptionWords {
  const known = new Set(vocabulary);
  const typed = captionWordsOf(caption);
  if (grammar) {
    const isKnown = (word: string) => known.has(word) || word.split('-').every((part) => part === '' || known.has(part));
    const unknown = [...new Set(typed.filter((w) => !isKnown(w)))];
    return { drawable: typed.length > 0 && unknown.length === 0, caption: caption.trim(), folded: [], leftOut: [], unknown };
  }
  const words: string[] = [];
  const folded: CaptionWords['folded'] = [];
  const leftOut: string[] = [];
  for (const word of typed) {
    const form = knownForm(word, (w) => known.has(w));
    if (form === null) {
      if (!leftOut.includes(word)) leftOut.push(word);
      continue;
    }
    if (!words.includes(form)) words.push(form);
    if (form !== word && !folded.some((f) => f.typed === word)) folded.push({ typed: word, word: form });
  }
  return { drawable: words.length > 0, caption: words.join(' '), folded, leftOut, unknown: words.length === 0 ? leftOut : [] };
}

/** For each unknown word, a few of the model's words close to it (never the whole vocabulary). */
export function closeWords(unknown: readonly string[], vocabulary: readonly string[], limit = 4): { word: string; suggestions: string[] }[] {
  return unknown.map((word) => ({ word, suggestions: closestWords(word, vocabulary, limit) }));
}

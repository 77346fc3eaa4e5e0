'use client';

import { useMemo } from 'react';
import styles from './caption.module.css';

const PUNCTUATION = /[.,;:!?"'()]/g;

/** The words of a caption as the tokenizers split them (the server checks for real). */
const wordsOf = (caption: string) => caption.normalize('NFKC').toLowerCase().replace(PUNCTUATION, ' ').split(/\s+/).filter(Boolean);
/** Known as a whole ("close-up", a Corel tag) or as hyphenated known words ("top-left" reads as "top left"). */
const isKnown = (word: string, known: Set<string>) => known.has(word) || word.split('-').every((part) => part === '' || known.has(part));

/** The words a model reads, for a hint: all of a small grammar, a sample of a long tag list. */
function knownWordsText(vocabulary: string[]): string {
  if (vocabulary.length <= 40) return `It knows: ${vocabulary.join(' ')}`;
  return `It knows ${vocabulary.length} words, such as: ${vocabulary.slice(0, 30).join(' ')} …`;
}

/**
 * The caption being typed, with a hint under it: the words the model does not know (where it has a
 * word-level vocabulary), or how many characters are left. Enter draws; Shift+Enter starts a new line.
 */
export function CaptionField({
  caption,
  vocabulary,
  maxChars,
  onChange,
  onEnter,
}: {
  caption: string;
  /** The model's words; null for word pieces, which read any text. */
  vocabulary: string[] | null;
  maxChars: number;
  onChange: (caption: string) => void;
  onEnter: () => void;
}) {
  const unknown = useMemo(() => {
    if (!vocabulary) return [];
    const known = new Set(vocabulary);
    return [...new Set(wordsOf(caption).filter((w) => !isKnown(w, known)))];
  }, [caption, vocabulary]);
  return (
    <>
      <label className={styles.label} htmlFor="caption">
        Caption
      </label>
      <textarea
        id="caption"
        className={styles.captionBox}
        value={caption}
        maxLength={maxChars}
        rows={2}
        placeholder="the digit 3 is on the left of the digit 5"
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
            onEnter();
          }
        }}
        aria-describedby="caption-hint"
        data-testid="caption-input"
      />
      <div id="caption-hint" className={styles.hint}>
        {unknown.length > 0 ? (
          <span className={styles.problem} data-testid="unknown-hint">
            Not in the model&apos;s vocabulary: {unknown.map((w) => `“${w}”`).join(', ')}. {knownWordsText(vocabulary ?? [])}
          </span>
        ) : (
          <span>
            {caption.length}/{maxChars} characters
          </span>
        )}
      </div>
    </>
  );
}

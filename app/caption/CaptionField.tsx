'use client';

import { useState } from 'react';
import { closeWords, type CaptionWords } from '@/lib/caption/read';
import { WordBrowser } from '@/app/components/WordBrowser';
import styles from './caption.module.css';

const quoted = (words: readonly string[]) => words.map((w) => `“${w}”`).join(', ');
const escaped = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Another model that could draw the caption the chosen one cannot. */
export interface CouldDraw {
  name: string;
  label: string;
  /** How it would read the caption. */
  caption: string;
}

/** The hint under the caption: how the chosen model reads it, or why it cannot draw it and what could. */
function Hint({
  caption,
  read,
  modelLabel,
  vocabulary,
  couldDraw,
  maxChars,
  onChange,
  onSwitch,
  onBrowse,
}: {
  caption: string;
  read: CaptionWords | null;
  modelLabel: string;
  vocabulary: string[] | null;
  couldDraw: CouldDraw | null;
  maxChars: number;
  onChange: (caption: string) => void;
  onSwitch: (model: string) => void;
  onBrowse: () => void;
}) {
  const count = (
    <span>
      {caption.length}/{maxChars} characters
    </span>
  );
  if (!read || caption.trim() === '') return count;
  if (read.drawable) {
    if (read.leftOut.length === 0 && read.folded.length === 0) return count;
    return (
      <span>
        <span data-testid="caption-will-draw">
          It will draw “{read.caption}”
          {read.folded.length > 0 && ` (${read.folded.map((f) => `“${f.typed}” as “${f.word}”`).join(', ')})`}
          {read.leftOut.length > 0 && `, leaving out ${quoted(read.leftOut)}: the ${modelLabel} model knows only its tags`}.
        </span>{' '}
        {couldDraw && (
          <button type="button" className="secondary" onClick={() => onSwitch(couldDraw.name)} data-testid="switch-model">
            Draw the whole sentence with {couldDraw.label}
          </button>
        )}
      </span>
    );
  }
  const close = vocabulary ? closeWords(read.unknown, vocabulary.filter((w) => w !== '.'), 3).filter((c) => c.suggestions.length > 0) : [];
  const grammar = vocabulary !== null && vocabulary.length <= 40;
  return (
    <span className={styles.problem} data-testid="unknown-hint">
      The {modelLabel} model cannot draw this: it does not know {quoted(read.unknown)}.{' '}
      {grammar ? `It reads only its grammar's words: ${vocabulary!.join(' ')}` : 'It draws from the tags it knows and found none here.'}{' '}
      {close.map((c) => (
        <span key={c.word}>
          Instead of “{c.word}”:{' '}
          {c.suggestions.map((s) => (
            <button
              key={s}
              type="button"
              className="secondary"
              data-testid="close-word"
              onClick={() => onChange(caption.replace(new RegExp(`(^|[^\\p{L}\\p{N}])${escaped(c.word)}(?=$|[^\\p{L}\\p{N}])`, 'iu'), `$1${s}`))}
            >
              {s}
            </button>
          ))}{' '}
        </span>
      ))}
      {!grammar && (
        <button type="button" className="secondary" onClick={onBrowse} data-testid="browse-words">
          Browse the {vocabulary?.length ?? 0} tags it knows
        </button>
      )}{' '}
      {couldDraw && (
        <button type="button" onClick={() => onSwitch(couldDraw.name)} data-testid="switch-model">
          Draw it with {couldDraw.label} instead{couldDraw.caption !== caption.trim() ? ` (as “${couldDraw.caption}”)` : ''}
        </button>
      )}
    </span>
  );
}

/**
 * The caption being typed, with a hint under it: how the chosen model reads it (a tag model's words
 * left out), or why it cannot draw it, with close words, the words it knows and the model that
 * could. Enter draws (when it can); Shift+Enter starts a new line.
 */
export function CaptionField({
  caption,
  read,
  modelLabel,
  vocabulary,
  couldDraw,
  maxChars,
  onChange,
  onEnter,
  onSwitch,
}: {
  caption: string;
  /** How the chosen model reads it; null for word pieces, which read any text. */
  read: CaptionWords | null;
  modelLabel: string;
  /** The model's words; null for word pieces. */
  vocabulary: string[] | null;
  couldDraw: CouldDraw | null;
  maxChars: number;
  onChange: (caption: string) => void;
  onEnter: () => void;
  onSwitch: (model: string) => void;
}) {
  const [browsing, setBrowsing] = useState(false);
  const words = vocabulary?.filter((w) => w !== '.') ?? null;
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
        aria-invalid={read !== null && caption.trim() !== '' && !read.drawable}
        data-testid="caption-input"
      />
      <div id="caption-hint" className={styles.hint} aria-live="polite">
        <Hint
          caption={caption}
          read={read}
          modelLabel={modelLabel}
          vocabulary={vocabulary}
          couldDraw={couldDraw}
          maxChars={maxChars}
          onChange={onChange}
          onSwitch={onSwitch}
          onBrowse={() => {
            setBrowsing(true);
            document.getElementById('caption-vocabulary')?.scrollIntoView({ block: 'nearest' });
          }}
        />
      </div>
      {words && words.length > 40 && (
        <WordBrowser
          id="caption-vocabulary"
          words={words}
          label={`The ${words.length} tags the ${modelLabel} model knows`}
          listLabel={`The tags the ${modelLabel} model knows`}
          open={browsing}
          onToggle={setBrowsing}
          onPick={(word) => onChange(read && !read.drawable ? word : `${caption.trim()} ${word}`.trim())}
          pickHint="Click a tag to add it to the caption."
          classNames={{ note: styles.note }}
          testId="caption-vocabulary"
        />
      )}
    </>
  );
}

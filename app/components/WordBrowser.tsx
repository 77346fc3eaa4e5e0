'use client';

import { useDeferredValue, useMemo, useState } from 'react';

/** A word in the list: plain text that acts when clicked. */
const WORD_BUTTON = { background: 'none', color: 'inherit', padding: '2px 0', fontWeight: 400, fontSize: 'inherit', textAlign: 'left' } as const;
/** The list when the page gives it no style of its own: columns, scrolling inside its own box. */
const LIST = {
  listStyle: 'none', margin: '8px 0 0', padding: '10px 12px', display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(110px, 1fr))',
  gap: '0 16px', maxHeight: 240, overflowY: 'auto', fontSize: 13,
} as const;

/**
 * A model's whole vocabulary, folded away: a field that narrows it as a person types (words that
 * contain what they typed, or that it contains), and each word a button (`onPick`).
 */
export function WordBrowser({
  id,
  words,
  label,
  listLabel,
  open,
  onToggle,
  onPick,
  pickHint,
  classNames = {},
  testId = 'vocabulary',
}: {
  id: string;
  words: readonly string[];
  /** The summary: "The 374 words it knows". */
  label: string;
  listLabel: string;
  open: boolean;
  onToggle: (open: boolean) => void;
  onPick: (word: string) => void;
  /** What a click does: "Click a word to add it to the search." */
  pickHint: string;
  classNames?: { details?: string; note?: string; input?: string };
  testId?: string;
}) {
  const [filter, setFilter] = useState('');
  const wanted = useDeferredValue(filter.trim().toLowerCase());
  const alphabetical = useMemo(() => [...words].sort((a, b) => a.localeCompare(b)), [words]);
  const shown = useMemo(() => (wanted ? alphabetical.filter((w) => w.includes(wanted) || wanted.includes(w)) : alphabetical), [alphabetical, wanted]);
  return (
    <details id={id} className={classNames.details} data-testid={testId} open={open} onToggle={(event) => onToggle(event.currentTarget.open)}>
      <summary>{label}</summary>
      <label className={classNames.note} style={{ display: 'block' }}>
        Find a word{' '}
        <input
          type="search"
          className={classNames.input}
          value={filter}
          maxLength={40}
          placeholder="e.g. bird"
          onChange={(event) => setFilter(event.target.value)}
          data-testid={`${testId}-filter`}
        />
      </label>
      <p className={classNames.note} aria-live="polite" data-testid={`${testId}-count`}>
        {wanted ? `${shown.length} of ${words.length} words match “${wanted}”. ${pickHint}` : pickHint}
      </p>
      <ul aria-label={listLabel} style={classNames.details ? undefined : LIST}>
        {shown.map((word) => (
          <li key={word}>
            <button type="button" style={WORD_BUTTON} onClick={() => onPick(word)} data-testid={`${testId}-word`}>
              {word}
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}

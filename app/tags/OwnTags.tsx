'use client';

import { useState } from 'react';
import styles from './tags.module.css';

const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} -]*$/u;

const clean = (word: string) => word.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');

/** The problem with a person's own tag, or null when it is fine (the server checks the same rules). */
function tagProblem(word: string): string | null {
  if (word.length === 0) return 'Type a tag first.';
  if (word.length > 40) return 'A tag has at most 40 characters.';
  if (!TAG_PATTERN.test(word)) return 'Use letters, digits, spaces and hyphens, starting with a letter or digit.';
  return null;
}

/**
 * A person's own tags for the photo: the list, each removable, and a field to add more (several at
 * once, separated by commas), checked as they are typed in. Hidden while the model is tagging; what
 * was being typed stays.
 */
export function OwnTags({ own, hidden, onAdd, onRemove }: { own: string[]; hidden: boolean; onAdd: (words: string[]) => void; onRemove: (word: string) => void }) {
  const [draft, setDraft] = useState('');
  const [draftProblem, setDraftProblem] = useState<string | null>(null);
  if (hidden) return null;

  const add = () => {
    const words = draft.split(',').map(clean).filter(Boolean);
    if (words.length === 0) return setDraftProblem('Type a tag first.');
    const problem = words.map(tagProblem).find(Boolean);
    if (problem) return setDraftProblem(problem);
    setDraftProblem(null);
    onAdd(words);
    setDraft('');
  };

  return (
    <>
      <h3 className={styles.subhead}>Your own tags</h3>
      <ul className={styles.chips} aria-label="Your own tags" data-testid="own-tags">
        {own.map((word) => (
          <li key={word} className={styles.chip} data-testid="own-tag">
            {word}
            <button type="button" aria-label={`Remove your tag “${word}”`} onClick={() => onRemove(word)}>
              ×
            </button>
          </li>
        ))}
        {own.length === 0 && <li className={styles.note}>None yet: type one below.</li>}
      </ul>
      <div className={styles.addRow}>
        <label htmlFor="own-tag" className={styles.visuallyHidden}>
          Add a tag of your own
        </label>
        <input
          id="own-tag"
          className={styles.input}
          value={draft}
          maxLength={200}
          placeholder="Add a tag of your own and press Enter"
          aria-invalid={draftProblem ? true : undefined}
          aria-describedby={draftProblem ? 'own-tag-problem' : undefined}
          data-testid="own-tag-input"
          onChange={(event) => {
            setDraft(event.target.value);
            setDraftProblem(null);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              add();
            }
          }}
        />
        <button type="button" className="secondary" onClick={add}>
          Add
        </button>
      </div>
      {draftProblem && (
        <div id="own-tag-problem" className={styles.problem} role="alert">
          {draftProblem}
        </div>
      )}
    </>
  );
}

'use client';

import type { TaggerOption } from './TaggerChooser';
import styles from './tags.module.css';

/**
 * The words to look for: those in the search as chips (each can be taken out), a field offering
 * the tagger's vocabulary to add another, and what and where it searches.
 */
export function SearchBox({
  tagger,
  words,
  unknown,
  draft,
  loading,
  onDraft,
  onSubmit,
  onRemove,
}: {
  tagger: TaggerOption | null;
  words: string[];
  /** Words of the search the tagger does not know. */
  unknown: string[];
  draft: string;
  loading: boolean;
  onDraft: (draft: string) => void;
  onSubmit: () => void;
  onRemove: (word: string) => void;
}) {
  const vocabulary = tagger?.words ?? [];
  return (
    <form
      className={styles.searchForm}
      role="search"
      aria-label="Find photos by tags"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      <label htmlFor="search-tags" className={styles.label}>
        Tags to look for
      </label>
      <div className={styles.searchBox}>
        <ul className={styles.chips} aria-label="Tags in this search" data-testid="search-words">
          {words.map((word) => (
            <li key={word} className={`${styles.chip} ${unknown.includes(word) ? styles.chipUnknown : ''}`}>
              {word}
              <button type="button" aria-label={`Take “${word}” out of the search`} onClick={() => onRemove(word)}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <input
          id="search-tags"
          className={styles.input}
          list="tag-vocabulary"
          value={draft}
          maxLength={200}
          autoComplete="off"
          placeholder={words.length ? 'Add another tag…' : 'e.g. water, sky, tiger'}
          aria-describedby="search-help"
          data-testid="search-input"
          onChange={(event) => onDraft(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Backspace' && draft === '' && words.length > 0) onRemove(words[words.length - 1]);
          }}
        />
        <datalist id="tag-vocabulary">
          {vocabulary.map((word) => (
            <option key={word} value={word} />
          ))}
        </datalist>
        <button type="submit" disabled={loading} data-testid="search-button">
          {loading ? 'Searching…' : 'Search'}
        </button>
      </div>
      <div id="search-help" className={styles.note} data-testid="search-scope">
        Press Enter after each tag.{' '}
        {tagger &&
          `It searches with the ${vocabulary.length.toLocaleString('en-GB')} words of the ${tagger.label} tagger, among ${
            tagger.searchesCorel ? "your photos, those others shared, and Corel-5k's training photos" : 'your photos and those others shared only'
          }. `}
        Photos are ranked by how strongly the tagger generates your words for them (the distance d between the two, smaller is closer).
      </div>
    </form>
  );
}

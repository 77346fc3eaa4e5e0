'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import type { SearchAnswer } from '@/lib/tags';
import styles from './tags.module.css';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { useChosenTagger } from './TaggerChooser';

interface Failure {
  code: string;
  message: string;
  details?: { unknown?: { word: string; suggestions: string[] }[] };
}

interface IndexJob {
  status: 'running' | 'done' | 'failed' | 'cancelled';
  progress: { step: number; total: number; message?: string } | null;
}

const LIMIT = 24;
const MAX_WORDS = 10;
const splitWords = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);

export function TagSearch() {
  const { tagger } = useChosenTagger();
  const vocabulary = useMemo(() => tagger?.words ?? [], [tagger]);
  const alphabetical = useMemo(() => [...vocabulary].sort((a, b) => a.localeCompare(b)), [vocabulary]);
  const [words, setWords] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const [answer, setAnswer] = useState<SearchAnswer | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [loading, setLoading] = useState(false);
  const [indexing, setIndexing] = useState<IndexJob['progress'] | null>(null);
  const source = useRef<EventSource | null>(null);
  const latest = useRef(0);

  useEffect(() => () => source.current?.close(), []);

  // Another tagger chosen: the same words are searched again with its vocabulary and codes.
  const searchedWith = useRef(tagger?.id);
  useEffect(() => {
    if (searchedWith.current === tagger?.id) return;
    searchedWith.current = tagger?.id;
    source.current?.close();
    setIndexing(null);
    void search(words);
  }, [tagger?.id]);

  async function search(query: string[]) {
    const ticket = ++latest.current;
    setFailure(null);
    if (query.length === 0) {
      setAnswer(null);
      return;
    }
    setLoading(true);
    try {
      const response = await fetch('/api/tags/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tags: query, limit: LIMIT, model: tagger?.id }),
      });
      const body = await response.json();
      if (ticket !== latest.current) return; // a newer search is under way
      if (!response.ok) {
        setAnswer(null);
        setFailure(body.error);
        return;
      }
      const found = body as SearchAnswer;
      setAnswer(found);
      if (found.corel.status === 'indexing') followIndexing(found.corel.jobId, query);
      else setIndexing(null);
    } catch {
      setFailure({ code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' });
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }

  /** Follows the Corel-5k indexing job and searches again once it has finished. */
  function followIndexing(jobId: string, query: string[]) {
    source.current?.close();
    const events = new EventSource(`/api/jobs/${jobId}/events`);
    source.current = events;
    events.addEventListener('progress', (event) => setIndexing((JSON.parse((event as MessageEvent).data) as IndexJob).progress));
    events.addEventListener('end', () => {
      events.close();
      setIndexing(null);
      void search(query);
    });
    events.onerror = () => events.close();
  }

  function commit(): string[] {
    const added = splitWords(draft).filter((w) => !words.includes(w));
    const next = [...words, ...added].slice(0, MAX_WORDS);
    setWords(next);
    setDraft('');
    return next;
  }

  function replace(unknown: string, replacement: string) {
    const next = [...new Set(words.map((w) => (w === unknown ? replacement : w)))];
    setWords(next);
    void search(next);
  }

  function remove(word: string) {
    const next = words.filter((w) => w !== word);
    setWords(next);
    void search(next);
  }

  const unknown = failure?.code === 'UNKNOWN_TAGS' ? (failure.details?.unknown ?? []) : [];
  const corel = answer?.corel;

  return (
    <div>
      <form
        className={styles.searchForm}
        role="search"
        aria-label="Find photos by tags"
        onSubmit={(event) => {
          event.preventDefault();
          void search(commit());
        }}
      >
        <label htmlFor="search-tags" className={styles.label}>
          Tags to look for
        </label>
        <div className={styles.searchBox}>
          <ul className={styles.chips} aria-label="Tags in this search" data-testid="search-words">
            {words.map((word) => (
              <li key={word} className={`${styles.chip} ${unknown.some((u) => u.word === word) ? styles.chipUnknown : ''}`}>
                {word}
                <button type="button" aria-label={`Take “${word}” out of the search`} onClick={() => remove(word)}>
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
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Backspace' && draft === '' && words.length > 0) remove(words[words.length - 1]);
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
              tagger.searchesCorel ? "your photos and Corel-5k's training photos" : 'your photos only'
            }. `}
          Photos are ranked by how strongly the tagger generates your words for them (the distance d between the two, smaller is closer).
        </div>
      </form>
      {tagger && (
        <details className={styles.vocabulary} data-testid="vocabulary">
          <summary>The {vocabulary.length.toLocaleString('en-GB')} words it knows</summary>
          <ul>
            {alphabetical.map((word) => (
              <li key={word}>{word}</li>
            ))}
          </ul>
        </details>
      )}

      {failure && (
        <ErrorNotice error={failure} testId="search-error">
          {unknown.some((u) => u.suggestions.length > 0) && (
            <div className={styles.didYouMean}>
              {unknown
                .filter((u) => u.suggestions.length > 0)
                .map((u) => (
                  <div key={u.word}>
                    Instead of “{u.word}”:{' '}
                    {u.suggestions.map((s) => (
                      <button key={s} type="button" className="secondary" onClick={() => replace(u.word, s)}>
                        {s}
                      </button>
                    ))}
                  </div>
                ))}
            </div>
          )}
        </ErrorNotice>
      )}

      {corel?.status === 'indexing' && (
        <div aria-live="polite" data-testid="corel-indexing">
          <div
            className="progress"
            role="progressbar"
            aria-label="Indexing Corel-5k photos"
            aria-valuemin={0}
            aria-valuemax={indexing?.total ?? 1}
            aria-valuenow={indexing?.step ?? 0}
          >
            <div style={{ width: `${indexing?.total ? Math.max(3, (100 * indexing.step) / indexing.total) : 3}%` }} />
          </div>
          <div className="status">
            {indexing?.message ?? 'Indexing the Corel-5k photos'} — showing your uploads meanwhile; the results will refresh when it is done.
          </div>
        </div>
      )}
      {corel && corel.status !== 'ready' && corel.status !== 'indexing' && (
        <p className="status" data-testid="corel-status">
          {corel.message}
        </p>
      )}

      {answer && (
        <>
          <p className="status" data-testid="search-summary" aria-live="polite">
            {answer.results.length === 0
              ? `No photos to search yet for ${answer.words.join(', ')}.`
              : `The ${answer.results.length} nearest photos for “${answer.words.join(' ')}”, searched among ${
                  corel?.status === 'ready' ? `${corel.photos.toLocaleString('en-GB')} Corel-5k photos and ` : ''
                }${answer.uploadsSearched} ${answer.uploadsSearched === 1 ? 'upload' : 'uploads'}.`}
          </p>
          <ul className={styles.results} data-testid="search-results">
            {answer.results.map((hit) => {
              const body = (
                <>
                  {/* eslint-disable-next-line @next/next/no-img-element */}
                  <img src={hit.kind === 'upload' ? `${hit.url}?w=320` : hit.url} alt={hit.tags.length ? hit.tags.join(', ') : 'a photo'} loading="lazy" />
                  <div className={styles.hitMeta}>
                    <span className={styles.kind}>{hit.kind === 'corel' ? 'Corel-5k' : 'your upload'}</span>
                    <span title="distance between the codes of your words and of this photo">d = {hit.distance.toFixed(3)}</span>
                  </div>
                  <div className={styles.hitTags}>
                    {hit.tags.length === 0 && <span className="muted">no tags kept yet</span>}
                    {hit.tags.map((tag) => (
                      <span key={tag} className={answer.words.includes(tag) ? styles.match : undefined}>
                        {tag}
                      </span>
                    ))}
                  </div>
                </>
              );
              return (
                <li key={`${hit.kind}:${hit.id}`} className={styles.hit} data-testid="search-hit" data-kind={hit.kind}>
                  {hit.kind === 'upload' ? (
                    <a href={`/tags?upload=${encodeURIComponent(hit.id)}`} className={styles.hitLink}>
                      {body}
                    </a>
                  ) : (
                    body
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </div>
  );
}

'use client';

import { useEffect, useRef, useState } from 'react';
import type { SearchAnswer } from '@/lib/tags';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { useJob } from '@/app/components/useJob';
import { SearchBox, Vocabulary } from './SearchBox';
import { CorelStatus, SearchResults } from './SearchResults';
import { useChosenTagger } from './TaggerChooser';
import styles from './tags.module.css';

interface Failure {
  code: string;
  message: string;
  details?: { unknown?: { word: string; suggestions: string[] }[] };
}

type Unknown = NonNullable<NonNullable<Failure['details']>['unknown']>;

const LIMIT = 24;
const MAX_WORDS = 10;
const splitWords = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);

/** For each unknown word the tagger has close ones for, a button per close word to search with it instead. */
function DidYouMean({ unknown, onReplace }: { unknown: Unknown; onReplace: (unknown: string, replacement: string) => void }) {
  const suggested = unknown.filter((u) => u.suggestions.length > 0);
  if (suggested.length === 0) return null;
  return (
    <div className={styles.didYouMean}>
      {suggested.map((u) => (
        <div key={u.word}>
          Instead of “{u.word}”:{' '}
          {u.suggestions.map((s) => (
            <button key={s} type="button" className="secondary" onClick={() => onReplace(u.word, s)}>
              {s}
            </button>
          ))}
        </div>
      ))}
    </div>
  );
}

/** Tags → photos: the words typed, searched among the person's photos (and Corel-5k's, once indexed), nearest first. */
export function TagSearch() {
  const { tagger } = useChosenTagger();
  const [words, setWords] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const [answer, setAnswer] = useState<SearchAnswer | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [loading, setLoading] = useState(false);
  const latest = useRef(0);
  /** The words searched when Corel-5k's indexing began: searched again once it has finished. */
  const waiting = useRef<string[]>([]);
  // The indexing job is followed quietly: it only delays Corel-5k's photos.
  const indexing = useJob({
    failed: { code: 'FAILED', message: 'Indexing the Corel-5k photos failed.' },
    lost: 'Lost the connection while the Corel-5k photos were being indexed.',
    onEnd: () => void search(waiting.current),
  });

  // Another tagger chosen: the same words are searched again with its vocabulary and codes.
  const searchedWith = useRef(tagger?.id);
  useEffect(() => {
    if (searchedWith.current === tagger?.id) return;
    searchedWith.current = tagger?.id;
    indexing.stop();
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
      // Corel-5k's photos are being indexed: follow it, and search again once it has finished.
      if (found.corel.status === 'indexing') {
        waiting.current = query;
        indexing.follow(found.corel.jobId);
      }
    } catch {
      setFailure({ code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' });
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }

  function commit(): string[] {
    const added = splitWords(draft).filter((w) => !words.includes(w));
    const next = [...words, ...added].slice(0, MAX_WORDS);
    setWords(next);
    setDraft('');
    return next;
  }

  function searchWith(next: string[]) {
    setWords(next);
    void search(next);
  }

  const unknown = failure?.code === 'UNKNOWN_TAGS' ? (failure.details?.unknown ?? []) : [];

  return (
    <div>
      <SearchBox
        tagger={tagger}
        words={words}
        unknown={unknown.map((u) => u.word)}
        draft={draft}
        loading={loading}
        onDraft={setDraft}
        onSubmit={() => void search(commit())}
        onRemove={(word) => searchWith(words.filter((w) => w !== word))}
      />
      {tagger && <Vocabulary tagger={tagger} />}

      {failure && (
        <ErrorNotice error={failure} testId="search-error">
          <DidYouMean unknown={unknown} onReplace={(word, replacement) => searchWith([...new Set(words.map((w) => (w === word ? replacement : w)))])} />
        </ErrorNotice>
      )}

      {answer && <CorelStatus corel={answer.corel} indexing={indexing.phase === 'done' ? null : indexing.progress} />}
      {answer && <SearchResults answer={answer} />}
    </div>
  );
}

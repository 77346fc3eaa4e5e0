'use client';

import { useEffect, useRef, useState } from 'react';
import type { SearchAnswer } from '@/lib/tags';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { useJob } from '@/app/components/useJob';
import { SearchBox } from './SearchBox';
import { VocabularyBrowser } from './VocabularyBrowser';
import { CorelStatus, SearchResults } from './SearchResults';
import { useChosenTagger } from './TaggerChooser';
import styles from './tags.module.css';

interface Failure {
  code: string;
  message: string;
  details?: { unknown?: { word: string; suggestions: string[] }[]; dropped?: string[] };
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

const quoted = (words: string[]) => words.map((w) => `“${w}”`).join(', ');

/** How the tagger read the words: the forms it knows them in, and the words it left out. */
function HowRead({ answer }: { answer: SearchAnswer }) {
  if (answer.folded.length === 0 && answer.dropped.length === 0) return null;
  return (
    <p className="status" data-testid="search-read">
      {answer.folded.length > 0 && `Searched for ${answer.folded.map((f) => `“${f.word}” (you typed “${f.typed}”)`).join(', ')}. `}
      {answer.dropped.length > 0 && `Left out ${quoted(answer.dropped)}: the tagger has no use for ${answer.dropped.length === 1 ? 'it' : 'them'}.`}
    </p>
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
  const [browsing, setBrowsing] = useState(false);
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
      // The chips show the words as the tagger read them: its forms, without the words it left out.
      if (found.words.join(' ') !== query.join(' ')) setWords(found.words);
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
      {tagger && (
        <VocabularyBrowser
          tagger={tagger}
          open={browsing}
          onToggle={setBrowsing}
          onPick={(word) => {
            // A word picked while some are unknown takes their place.
            const kept = words.filter((w) => !unknown.some((u) => u.word === w) && w !== word);
            searchWith([...kept, word].slice(0, MAX_WORDS));
          }}
        />
      )}

      {failure && (
        <ErrorNotice error={failure} testId="search-error">
          <DidYouMean unknown={unknown} onReplace={(word, replacement) => searchWith([...new Set(words.map((w) => (w === word ? replacement : w)))])} />
          {unknown.length > 0 && tagger && (
            <p>
              <button
                type="button"
                className="secondary"
                data-testid="browse-vocabulary"
                onClick={() => {
                  setBrowsing(true);
                  document.getElementById('tag-vocabulary-browser')?.scrollIntoView({ block: 'nearest' });
                }}
              >
                Browse the {tagger.words.length.toLocaleString('en-GB')} words it knows
              </button>
            </p>
          )}
        </ErrorNotice>
      )}

      {answer && <HowRead answer={answer} />}

      {answer && <CorelStatus corel={answer.corel} indexing={indexing.phase === 'done' ? null : indexing.progress} />}
      {answer && <SearchResults answer={answer} />}
    </div>
  );
}

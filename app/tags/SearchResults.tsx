import type { SearchAnswer } from '@/lib/tags';
import type { JobStep } from '@/app/components/useJob';
import styles from './tags.module.css';

type Hit = SearchAnswer['results'][number];

/**
 * Whether Corel-5k's photos were searched: the indexing job's progress while they are being
 * indexed (the person's uploads are shown meanwhile), or why they were not searched.
 */
export function CorelStatus({ corel, indexing }: { corel: SearchAnswer['corel']; indexing: JobStep | null }) {
  if (corel.status === 'indexing')
    return (
      <div aria-live="polite" data-testid="corel-indexing">
        <div className="progress" role="progressbar" aria-label="Indexing Corel-5k photos" aria-valuemin={0} aria-valuemax={indexing?.total ?? 1} aria-valuenow={indexing?.step ?? 0}>
          <div style={{ width: `${indexing?.total ? Math.max(3, (100 * indexing.step) / indexing.total) : 3}%` }} />
        </div>
        <div className="status">{indexing?.message ?? 'Indexing the Corel-5k photos'} — showing your uploads meanwhile; the results will refresh when it is done.</div>
      </div>
    );
  if (corel.status !== 'ready')
    return (
      <p className="status" data-testid="corel-status">
        {corel.message}
      </p>
    );
  return null;
}

/** One photo found: the photo, whose it is, its distance to the words, and its tags (the searched ones marked). */
function SearchHit({ hit, words }: { hit: Hit; words: string[] }) {
  const body = (
    <>
      {/* eslint-disable-next-line @next/next/no-img-element */}
      <img src={hit.kind === 'upload' ? `${hit.url}?w=320` : hit.url} alt={hit.tags.length ? hit.tags.join(', ') : 'a photo'} loading="lazy" />
      <div className={styles.hitMeta}>
        <span className={styles.kind}>{hit.kind === 'corel' ? 'Corel-5k' : hit.yours ? 'your photo' : 'shared photo'}</span>
        <span title="distance between the codes of your words and of this photo">d = {hit.distance.toFixed(3)}</span>
      </div>
      <div className={styles.hitTags}>
        {hit.tags.length === 0 && <span className="muted">not tagged yet</span>}
        {hit.suggested && <span className="muted">suggested:</span>}
        {hit.tags.map((tag) => (
          <span key={tag} className={words.includes(tag) ? styles.match : undefined}>
            {tag}
          </span>
        ))}
      </div>
    </>
  );
  return (
    <li className={styles.hit} data-testid="search-hit" data-kind={hit.kind}>
      {hit.kind === 'upload' ? (
        <a href={`/tags?upload=${encodeURIComponent(hit.id)}`} className={styles.hitLink}>
          {body}
        </a>
      ) : (
        body
      )}
    </li>
  );
}

/** The nearest photos for the words, with how many photos were searched. */
export function SearchResults({ answer }: { answer: SearchAnswer }) {
  const corel = answer.corel;
  return (
    <>
      <p className="status" data-testid="search-summary" aria-live="polite">
        {answer.results.length === 0
          ? `No photos to search yet for ${answer.words.join(', ')}.`
          : `The ${answer.results.length} nearest photos for “${answer.words.join(' ')}”, searched among ${
              corel.status === 'ready' ? `${corel.photos.toLocaleString('en-GB')} Corel-5k photos and ` : ''
            }${answer.uploadsSearched} ${answer.uploadsSearched === 1 ? 'upload' : 'uploads'}.`}
      </p>
      <ul className={styles.results} data-testid="search-results">
        {answer.results.map((hit) => (
          <SearchHit key={`${hit.kind}:${hit.id}`} hit={hit} words={answer.words} />
        ))}
      </ul>
    </>
  );
}

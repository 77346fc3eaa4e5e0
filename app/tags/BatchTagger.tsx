'use client';

/**
 * "Tag many photos": choose or drop photos, a folder or ZIPs; tag them all with one progress bar
 * (cancel, tag the failed ones again); review the words in a grid (a click on a word removes it or
 * puts it back) and save; export the tags as .txt sidecars (ZIP), CSV or JSON.
 */
import { useState } from 'react';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { sendJson, type Failure } from '@/app/components/postJson';
import styles from './batch.module.css';
import { useChosenTagger } from './TaggerChooser';
import { useBatch, type BatchItem } from './useBatch';

const FORMATS = [
  { format: 'txt', label: '.txt per photo (ZIP)' },
  { format: 'csv', label: 'CSV' },
  { format: 'json', label: 'JSON' },
] as const;

async function download(uploadIds: string[], format: (typeof FORMATS)[number]['format']): Promise<void> {
  const response = await fetch('/api/tags/export', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uploadIds, format }) });
  if (!response.ok) throw ((await response.json().catch(() => null))?.error ?? { code: `HTTP_${response.status}`, message: 'The export failed. Please try again.' });
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `tags.${format}`;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

const STATUS: Record<BatchItem['status'], string> = { waiting: 'waiting', storing: 'sending…', stored: 'stored, not tagged yet', tagged: 'tagged', failed: 'not tagged', refused: 'refused' };

export function BatchTagger() {
  const { tagger } = useChosenTagger();
  const batch = useBatch();
  const [removed, setRemoved] = useState<Record<string, string[]>>({});
  const [note, setNote] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const tagged = batch.items.filter((it) => it.status === 'tagged' && it.uploadId);
  const waiting = batch.items.filter((it) => it.status === 'waiting').length;
  const retryable = batch.items.filter((it) => (it.status === 'failed' || it.status === 'stored') && it.uploadId).length;
  const refused = batch.items.filter((it) => it.status === 'refused');

  const toggle = (id: string, word: string) =>
    setRemoved((all) => ({ ...all, [id]: all[id]?.includes(word) ? all[id].filter((w) => w !== word) : [...(all[id] ?? []), word] }));
  const save = async () => {
    setFailure(null);
    try {
      for (const it of tagged) {
        const gone = removed[it.uploadId!] ?? [];
        await sendJson('PUT', `/api/uploads/${it.uploadId}/tags`, { accepted: it.tags.map((t) => t.word).filter((w) => !gone.includes(w)), removed: gone }, 'The tags could not be saved.');
      }
      setNote(`Saved the tags of ${tagged.length} photos.`);
    } catch (error) {
      setFailure(error as Failure);
    }
  };
  const exportAs = (format: (typeof FORMATS)[number]['format']) => download(tagged.map((it) => it.uploadId!), format).catch((error: Failure) => setFailure(error));

  return (
    <div data-testid="batch">
      <p className="muted">
        Choose photos, a whole folder or ZIPs of photos (up to 500). Each is stored as your own private photo, then all are tagged by the{' '}
        {tagger?.label ?? 'chosen'} tagger in one go.
      </p>
      <div className={styles.choose}>
        <label className="button">
          Choose photos or ZIPs
          <input type="file" multiple accept="image/*,.zip,application/zip" data-testid="batch-files" onChange={(e) => e.target.files && void batch.add([...e.target.files])} disabled={batch.busy} />
        </label>
        <label className="button">
          Choose a folder
          <input type="file" multiple data-testid="batch-folder" {...{ webkitdirectory: '' }} onChange={(e) => e.target.files && void batch.add([...e.target.files])} disabled={batch.busy} />
        </label>
        {(waiting > 0 || batch.items.length === 0) && (
          <button type="button" onClick={() => void batch.start(tagger?.id)} disabled={batch.busy || waiting === 0 || !tagger} data-testid="batch-start">
            {waiting === 0 ? 'Tag the photos' : `Tag ${waiting} photo${waiting === 1 ? '' : 's'}`}
          </button>
        )}
        {batch.busy && (
          <button type="button" onClick={batch.cancel} data-testid="batch-cancel">
            Cancel
          </button>
        )}
        {!batch.busy && retryable > 0 && (
          <button type="button" onClick={() => void batch.retry(tagger?.id)} data-testid="batch-retry">
            Tag the {retryable} not tagged again
          </button>
        )}
        {!batch.busy && batch.items.length > 0 && (
          <button type="button" className="secondary" onClick={batch.clear}>
            Clear
          </button>
        )}
      </div>
      {batch.total > 0 && (
        <div aria-live="polite">
          <div className="progress" role="progressbar" aria-label="Photos stored and tagged" aria-valuemin={0} aria-valuemax={batch.total} aria-valuenow={batch.done}>
            <div style={{ width: `${Math.max(3, (100 * batch.done) / batch.total)}%` }} />
          </div>
          <p className="status" data-testid="batch-status">
            {batch.phase === 'storing' && `Sending photos: ${batch.done} of ${batch.total / 2}…`}
            {batch.phase === 'tagging' && `Tagging: ${batch.done} of ${batch.total} steps…`}
            {batch.phase === 'done' && `Done: ${tagged.length} tagged, ${batch.items.length - tagged.length} not.`}
            {batch.phase === 'cancelled' && `Stopped: ${tagged.length} tagged; the rest can be tagged again.`}
          </p>
        </div>
      )}
      {batch.failure && <ErrorNotice error={batch.failure} />}
      {refused.length > 0 && (
        <details className={styles.refused} data-testid="batch-refused" open={refused.length <= 5}>
          <summary>{refused.length} not taken</summary>
          <ul>
            {refused.map((it) => (
              <li key={it.key}>
                <strong>{it.name}</strong>: {it.error?.message} <code>{it.error?.code}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
      {batch.items.some((it) => it.status !== 'refused') && (
        <ul className={styles.grid} data-testid="batch-grid">
          {batch.items
            .filter((it) => it.status !== 'refused')
            .map((it) => (
              <li key={it.key} className={styles.card} data-testid="batch-photo" data-status={it.status}>
                {/* eslint-disable-next-line @next/next/no-img-element */}
                {it.url ? <img src={`${it.url}?w=160`} alt={it.name} /> : <div className={styles.placeholder} aria-hidden />}
                <div className={styles.name} title={it.name}>
                  {it.name}
                </div>
                <div className="muted">{it.error ? `${STATUS[it.status]}: ${it.error.message}` : STATUS[it.status]}</div>
                <div className={styles.words}>
                  {it.tags.map(({ word }) => {
                    const off = removed[it.uploadId!]?.includes(word) ?? false;
                    return (
                      <button key={word} type="button" className={off ? styles.off : styles.on} aria-pressed={!off} onClick={() => toggle(it.uploadId!, word)} data-testid="batch-word">
                        {word}
                      </button>
                    );
                  })}
                </div>
              </li>
            ))}
        </ul>
      )}
      {tagged.length > 0 && !batch.busy && (
        <div className={styles.choose} data-testid="batch-export">
          <button type="button" onClick={() => void save()} data-testid="batch-save">
            Save the tags
          </button>
          <span className="muted">Download:</span>
          {FORMATS.map(({ format, label }) => (
            <button key={format} type="button" onClick={() => void exportAs(format)} data-testid={`batch-export-${format}`}>
              {label}
            </button>
          ))}
        </div>
      )}
      {note && (
        <p className="status" data-testid="batch-saved">
          {note}
        </p>
      )}
      {failure && <ErrorNotice error={failure} />}
    </div>
  );
}

'use client';

import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { PhotoDropzone, UploadProgress } from '@/app/components/PhotoDropzone';
import type { PhotoTags, PhotoTagView, SuggestResult, Tagger, TagScore } from '@/lib/tags';
import type { UploadView } from '@/lib/uploads';
import { usePacedSteps } from '@/app/components/usePacedSteps';
import styles from './tags.module.css';
import { sendFile } from '@/app/components/sendFile';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { useChosenTagger } from './TaggerChooser';

type Decision = 'accepted' | 'removed';
type Failure = { code: string; message: string };

interface JobEvent {
  id: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  progress: { step: number; total: number; message?: string; preview?: { tags?: TagScore[] } } | null;
  result: SuggestResult | null;
  error: Failure | null;
}

type Phase =
  | { phase: 'idle' }
  | { phase: 'uploading'; fraction: number; name: string }
  | { phase: 'checking'; name: string }
  | { phase: 'tagging'; step: number; total: number }
  | { phase: 'done' };

/** How many of the model's words are its suggestions (stored); the rest are shown as other candidates. */
const SUGGESTED = 5;
/**
 * Each mean-field step stays on screen at least this long. The model often runs all its steps in
 * less time than one frame; shown at this pace, a person can watch the real intermediate tags settle.
 */
const STEP_MS = 160;
const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} -]*$/u;

const clean = (word: string) => word.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');

/** The problem with a person's own tag, or null when it is fine (the server checks the same rules). */
function tagProblem(word: string): string | null {
  if (word.length === 0) return 'Type a tag first.';
  if (word.length > 40) return 'A tag has at most 40 characters.';
  if (!TAG_PATTERN.test(word)) return 'Use letters, digits, spaces and hyphens, starting with a letter or digit.';
  return null;
}

function decisionsFrom(stored: PhotoTagView[]): Map<string, Decision> {
  return new Map(stored.flatMap((t) => (t.status === 'suggested' ? [] : [[t.word, t.status] as [string, Decision]])));
}

/**
 * Whether the scores are p(word | image) over the top word's (a tagger that ranks by p itself, as
 * the Flickr8k one does) rather than p discounted for common words (the Corel-5k one).
 */
function rankedByProbability(tags: TagScore[]): boolean {
  const top = tags[0]?.probability ?? 0;
  return top > 0 && tags.every((t) => Math.abs(t.score - t.probability / top) <= 0.01 * Math.max(1, t.score));
}

export function PhotoTagger({ maxBytes, initial }: { maxBytes: number; initial: PhotoTags | null }) {
  const { tagger, labelOf } = useChosenTagger();
  const source = useRef<EventSource | null>(null);
  const [state, setState] = useState<Phase>(initial ? { phase: 'done' } : { phase: 'idle' });
  const [failure, setFailure] = useState<Failure | null>(null);
  const [upload, setUpload] = useState<UploadView | null>(initial?.upload ?? null);
  const [scores, setScores] = useState<TagScore[]>(initial?.suggestions?.tags ?? []);
  const [steps, setSteps] = useState<number | null>(initial?.suggestions?.steps ?? null);
  /** The tagger whose words are shown (a stored photo may have been tagged by another than the chosen one). */
  const [madeBy, setMadeBy] = useState<Tagger['id'] | null>(initial?.suggestions?.model ?? null);
  const [stored, setStored] = useState<PhotoTagView[]>(initial?.tags ?? []);
  const [decisions, setDecisions] = useState<Map<string, Decision>>(() => decisionsFrom(initial?.tags ?? []));
  const [own, setOwn] = useState<string[]>(() => (initial?.tags ?? []).filter((t) => t.source === 'person' && t.status === 'accepted').map((t) => t.word));
  const [draft, setDraft] = useState('');
  const [draftProblem, setDraftProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);

  // Steps waiting to be shown, one every STEP_MS.
  const { show, clear: clearSteps } = usePacedSteps(STEP_MS);

  useEffect(() => () => source.current?.close(), []);

  const follow = useCallback((jobId: string) => {
    const ended = (job: JobEvent) => {
      if (job.status === 'done' && job.result) {
        setScores(job.result.tags);
        setSteps(job.result.steps);
        setMadeBy(job.result.model);
        setStored(job.result.saved);
        setDecisions(decisionsFrom(job.result.saved));
        setOwn(job.result.saved.filter((t) => t.source === 'person' && t.status === 'accepted').map((t) => t.word));
        setState({ phase: 'done' });
      } else {
        setFailure(job.error ?? { code: 'CANCELLED', message: 'Tagging was stopped.' });
        setState({ phase: 'idle' });
      }
    };
    source.current?.close();
    const events = new EventSource(`/api/jobs/${jobId}/events`);
    source.current = events;
    events.addEventListener('progress', (event) => {
      const job: JobEvent = JSON.parse((event as MessageEvent).data);
      const progress = job.progress;
      if (!progress) return;
      show(() => {
        setState({ phase: 'tagging', step: progress.step, total: progress.total });
        if (progress.preview?.tags) setScores(progress.preview.tags);
      });
    });
    events.addEventListener('end', (event) => {
      const job: JobEvent = JSON.parse((event as MessageEvent).data);
      events.close();
      show(() => ended(job));
    });
    events.onerror = () => {
      events.close();
      show(() => {
        setFailure({ code: 'NETWORK', message: 'Lost the connection while the model was tagging. Reload the page to see what was stored.' });
        setState({ phase: 'idle' });
      });
    };
  }, [show]);

  const start = useCallback(
    async (file: File) => {
      setFailure(null);
      setSaved(null);
      if (file.size > maxBytes) {
        setFailure({ code: 'FILE_TOO_LARGE', message: `This file is larger than the ${Math.round(maxBytes / 1048576)} MB limit. Please upload a smaller photo.` });
        return;
      }
      setState({ phase: 'uploading', fraction: 0, name: file.name });
      try {
        const { status, body } = await sendFile(
          '/api/tags',
          file,
          (fraction) => setState({ phase: 'uploading', fraction, name: file.name }),
          () => setState({ phase: 'checking', name: file.name }),
          tagger ? { model: tagger.id } : {},
        );
        const answer = body as { job?: { id: string }; upload?: UploadView; model?: Tagger['id']; error?: Failure } | null;
        if (status >= 400 || !answer?.job || !answer.upload) {
          setFailure(answer?.error ?? { code: `HTTP_${status}`, message: 'The upload failed. Please try again.' });
          setState({ phase: 'idle' });
          return;
        }
        clearSteps();
        setUpload(answer.upload);
        setScores([]);
        setSteps(null);
        setMadeBy(answer.model ?? null);
        setStored([]);
        setDecisions(new Map());
        setOwn([]);
        setState({ phase: 'tagging', step: 0, total: 0 });
        window.history.replaceState(null, '', `/tags?upload=${encodeURIComponent(answer.upload.id)}`);
        follow(answer.job.id);
      } catch {
        setFailure({ code: 'NETWORK', message: 'The connection to the server was lost during the upload. Please try again.' });
        setState({ phase: 'idle' });
      }
    },
    [clearSteps, follow, maxBytes, tagger],
  );

  /** Tags a photo that is already stored (opened by its address) with the chosen tagger. */
  async function tagStored(id: string) {
    setFailure(null);
    setSaved(null);
    setState({ phase: 'tagging', step: 0, total: 0 });
    try {
      const response = await fetch('/api/tags', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uploadId: id, model: tagger?.id }),
      });
      const body = await response.json();
      if (!response.ok) {
        setFailure(body.error);
        setState({ phase: 'done' });
        return;
      }
      clearSteps();
      setScores([]);
      setSteps(null);
      setMadeBy(body.model);
      follow(body.job.id);
    } catch {
      setFailure({ code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' });
      setState({ phase: 'done' });
    }
  }

  const decide = (word: string, decision: Decision) => {
    setSaved(null);
    setDecisions((before) => {
      const next = new Map(before);
      if (next.get(word) === decision) next.delete(word);
      else next.set(word, decision);
      return next;
    });
  };

  const addOwn = () => {
    const words = draft.split(',').map(clean).filter(Boolean);
    if (words.length === 0) return setDraftProblem('Type a tag first.');
    const problem = words.map(tagProblem).find(Boolean);
    if (problem) return setDraftProblem(problem);
    setSaved(null);
    setDraftProblem(null);
    // A typed word the model also proposed counts as keeping the model's word.
    const proposed = new Set(scores.map((s) => s.word));
    setOwn((before) => [...before, ...words.filter((w) => !proposed.has(w) && !before.includes(w))]);
    setDecisions((before) => {
      const next = new Map(before);
      for (const w of words) if (proposed.has(w)) next.set(w, 'accepted');
      return next;
    });
    setDraft('');
  };

  const storedOwn = useMemo(() => new Set(stored.filter((t) => t.source === 'person').map((t) => t.word)), [stored]);

  async function save() {
    if (!upload) return;
    setSaving(true);
    setFailure(null);
    const accepted = [...decisions].filter(([, d]) => d === 'accepted').map(([w]) => w);
    const removed = [...decisions].filter(([, d]) => d === 'removed').map(([w]) => w);
    // A person's own word that was stored and is no longer in the list was removed.
    for (const word of storedOwn) if (!own.includes(word) && !accepted.includes(word)) removed.push(word);
    try {
      const response = await fetch(`/api/uploads/${encodeURIComponent(upload.id)}/tags`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ accepted, removed, added: own.filter((w) => !removed.includes(w)) }),
      });
      const body = await response.json();
      if (!response.ok) {
        setFailure(body.error);
        return;
      }
      const tags: PhotoTagView[] = body.tags;
      setStored(tags);
      setDecisions(decisionsFrom(tags));
      setOwn(tags.filter((t) => t.source === 'person' && t.status === 'accepted').map((t) => t.word));
      const kept = tags.filter((t) => t.status === 'accepted').length;
      setSaved(`Saved: ${kept} ${kept === 1 ? 'tag' : 'tags'} kept for this photo${removed.length ? `, ${removed.length} removed` : ''}.`);
    } catch {
      setFailure({ code: 'NETWORK', message: 'The connection to the server was lost; your tags were not saved. Please try again.' });
    } finally {
      setSaving(false);
    }
  }

  // Each word shows the score the model ranks it by (relative to its top word), so the order follows
  // the numbers shown; p(word | image) is in the tooltip.
  const busy = state.phase === 'uploading' || state.phase === 'checking' || state.phase === 'tagging';
  const tagging = state.phase === 'tagging';

  return (
    <div>
      <PhotoDropzone label="Upload a photo to tag" busy={busy} onFile={(file) => void start(file)}>
        <strong>{upload ? 'Drop another photo, or click to choose one' : 'Drop a photo here, or click to choose one'}</strong>
        <span>
          JPEG, PNG, WebP, GIF or AVIF, up to {Math.round(maxBytes / 1048576)} MB. It is stored (without location or camera data) and tagged
          {tagger ? ` with the ${tagger.words.length.toLocaleString('en-GB')} words of the ${tagger.label} tagger.` : ' with the model’s words.'}
        </span>
      </PhotoDropzone>

      {(state.phase === 'uploading' || state.phase === 'checking') && (
        <UploadProgress name={state.name} fraction={state.phase === 'uploading' ? state.fraction : null} />
      )}

      {failure && (
        <ErrorNotice error={failure} testId="tag-error" />
      )}

      {upload && (
        <div className={styles.tagger} data-testid="tag-result">
          <figure className={styles.photo}>
            {/* eslint-disable-next-line @next/next/no-img-element */}
            <img src={upload.url} alt={upload.originalName ? `Your photo ${upload.originalName}` : 'Your photo'} data-testid="tagged-photo" />
            <figcaption className="status">
              {upload.originalName ?? 'photo'} · {upload.width} × {upload.height} · <a href={`/gallery/${upload.id}`}>open in the gallery</a>
            </figcaption>
          </figure>

          <div>
            <div className={styles.head}>
              <h3 id="model-tags">What the model sees</h3>
              <span className={styles.steps} aria-live="polite" data-testid="steps">
                {tagging
                  ? state.total
                    ? `step ${state.step}/${state.total}`
                    : 'starting…'
                  : steps
                    ? `settled after ${steps} mean-field steps`
                    : ''}
              </span>
            </div>
            {madeBy && (tagging || scores.length > 0) && (
              <p className={styles.note} data-testid="tagged-by">
                {tagging ? 'Tagging' : 'Tagged'} by the <strong>{labelOf(madeBy)}</strong> tagger.
                {!tagging && tagger && tagger.id !== madeBy && (
                  <>
                    {' '}
                    <button type="button" className={`secondary ${styles.small}`} onClick={() => void tagStored(upload.id)} data-testid="retag">
                      Tag it again with {tagger.label}
                    </button>
                  </>
                )}
              </p>
            )}
            {tagging && (
              <div className="progress" role="progressbar" aria-label="Mean-field steps" aria-valuemin={0} aria-valuemax={state.total || 1} aria-valuenow={state.step}>
                <div style={{ width: `${state.total ? Math.max(3, (100 * state.step) / state.total) : 3}%` }} />
              </div>
            )}
            {scores.length > 0 && (
              <p className={styles.note} data-testid="score-explanation">
                {rankedByProbability(scores)
                  ? 'Ranked by p(word | image), the model’s probability that a word fits this photo, top word = 100. Point at a number to see p.'
                  : 'Ranked by relevance, top word = 100: p(word | image) discounted for common words, which picks better tags than p alone. Point at a number to see p.'}
              </p>
            )}
            {scores.length === 0 && tagging && <p className="status">Waiting for the first mean-field step…</p>}
            {scores.length === 0 && !tagging && (
              <p className="status">
                The model has not tagged this photo yet.{' '}
                <button type="button" onClick={() => void tagStored(upload.id)} data-testid="tag-stored">
                  Suggest tags
                </button>
              </p>
            )}
            <ol className={styles.tags} aria-labelledby="model-tags" data-testid="tag-list" aria-busy={tagging}>
              {scores.map((score, rank) => {
                const decision = decisions.get(score.word);
                const relevance = Math.round(score.score * 100);
                return (
                  <li
                    key={score.word}
                    className={`${styles.tag} ${rank < SUGGESTED ? styles.suggested : styles.candidate} ${decision ? styles[decision] : ''}`}
                    data-testid="tag-row"
                    data-word={score.word}
                    data-decision={decision ?? 'none'}
                  >
                    <span className={styles.word}>{score.word}</span>
                    <span className={styles.bar} aria-hidden="true">
                      <span style={{ width: `${Math.max(1.5, 100 * score.score)}%` }} />
                    </span>
                    <span className={styles.percent} title={`p(${score.word} | image) = ${score.probability.toPrecision(3)}`} data-testid="tag-score">
                      {relevance < 1 ? '<1' : relevance}
                    </span>
                    <span className={styles.actions}>
                      <button
                        type="button"
                        className={`${styles.icon} ${styles.keep}`}
                        aria-pressed={decision === 'accepted'}
                        aria-label={`Keep “${score.word}”`}
                        title="Keep this tag"
                        disabled={tagging}
                        onClick={() => decide(score.word, 'accepted')}
                      >
                        ✓
                      </button>
                      <button
                        type="button"
                        className={`${styles.icon} ${styles.drop}`}
                        aria-pressed={decision === 'removed'}
                        aria-label={`Remove “${score.word}”`}
                        title="Remove this tag"
                        disabled={tagging}
                        onClick={() => decide(score.word, 'removed')}
                      >
                        ✕
                      </button>
                    </span>
                  </li>
                );
              })}
            </ol>
            {scores.length > SUGGESTED && !tagging && (
              <p className={styles.note}>Its top {SUGGESTED} are its suggestions; the others come next.</p>
            )}

            {!tagging && (
              <>
                <h3 className={styles.subhead}>Your own tags</h3>
                <ul className={styles.chips} aria-label="Your own tags" data-testid="own-tags">
                  {own.map((word) => (
                    <li key={word} className={styles.chip} data-testid="own-tag">
                      {word}
                      <button type="button" aria-label={`Remove your tag “${word}”`} onClick={() => (setSaved(null), setOwn(own.filter((w) => w !== word)))}>
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
                        addOwn();
                      }
                    }}
                  />
                  <button type="button" className="secondary" onClick={addOwn}>
                    Add
                  </button>
                </div>
                {draftProblem && (
                  <div id="own-tag-problem" className={styles.problem} role="alert">
                    {draftProblem}
                  </div>
                )}
                <div className={styles.saveRow}>
                  <button type="button" onClick={save} disabled={saving} data-testid="save-tags">
                    {saving ? 'Saving…' : 'Save tags'}
                  </button>
                  <span role="status" className={styles.saved} data-testid="save-status">
                    {saved}
                  </span>
                </div>
                {stored.length > 0 && (
                  <p className={styles.stored} data-testid="stored-tags">
                    Stored:{' '}
                    {stored.map((t, i) => (
                      <Fragment key={t.word}>
                        {i > 0 && ', '}
                        <span className={styles[`stored_${t.status}`]} data-status={t.status} data-word={t.word}>
                          {t.word}
                        </span>
                        {t.status === 'suggested' ? ' (suggested)' : t.status === 'removed' ? ' (removed)' : ''}
                      </Fragment>
                    ))}
                  </p>
                )}
              </>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

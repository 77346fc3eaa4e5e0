'use client';

import Link from 'next/link';
import styles from './jobProgress.module.css';

/**
 * A generation job's progress as a page shows it: the bar, "step 3 of 32" (or whatever `unit` is
 * counted), a cancel button while it runs, the gallery link once it is done; and, once a person
 * has cancelled, where it stopped.
 */
export function JobProgress(props: {
  /** Whether the bar shows: while the job runs and once it is done. */
  shown: boolean;
  /** The bar's accessible name, e.g. "Drawing steps". */
  label: string;
  /** What is counted: "step", "variant". */
  unit: string;
  done: number;
  total: number;
  busy: boolean;
  /** Set once the job is done: what follows "done ·" (seed, model version). */
  finished: string | null;
  /** The gallery page of the finished generation. */
  savedHref: string | null;
  /** Where a cancelled job stopped (0 before its first step); null when it was not cancelled. */
  stoppedAt: number | null;
  onCancel: () => void;
  /** data-testid of the status line. */
  statusTestId: string;
  className?: string;
}) {
  const { unit, done, total } = props;
  return (
    <>
      {props.shown && (
        <div aria-live="polite" className={props.className}>
          <div className="progress" role="progressbar" aria-label={props.label} aria-valuemin={0} aria-valuemax={total || 1} aria-valuenow={done}>
            <div style={{ width: `${total ? Math.max(3, (100 * done) / total) : 3}%` }} />
          </div>
          <div className={styles.progressRow}>
            <span className="status" data-testid={props.statusTestId}>
              {total ? `${unit} ${done} of ${total}` : 'waiting for the model…'}
              {props.finished !== null ? ` · done · ${props.finished}` : ''}
            </span>
            {props.busy && (
              <button type="button" className="secondary" onClick={props.onCancel} data-testid="cancel">
                Cancel
              </button>
            )}
            {props.savedHref && (
              <Link href={props.savedHref} data-testid="saved-link">
                Saved to the gallery →
              </Link>
            )}
          </div>
        </div>
      )}
      {props.stoppedAt !== null && (
        <p className="status" data-testid="cancelled">
          Stopped{props.stoppedAt ? ` after ${unit} ${props.stoppedAt}` : ''}. Nothing was saved.
        </p>
      )}
    </>
  );
}

'use client';

import type { Tagger } from '@/lib/tags';
import type { JobStep } from '@/app/components/useJob';
import type { TaggerOption } from './TaggerChooser';
import styles from './tags.module.css';

/**
 * Where the model is with the photo: its mean-field steps while it tags (with their bar), how many
 * it took once settled, and which tagger made the words, offering the chosen one when that is another.
 */
export function TaggingStatus({
  tagging,
  progress,
  steps,
  madeBy,
  hasWords,
  tagger,
  labelOf,
  onRetag,
}: {
  tagging: boolean;
  /** The latest step shown while tagging. */
  progress: JobStep | null;
  /** The mean-field steps the finished tags took. */
  steps: number | null;
  madeBy: Tagger['id'] | null;
  hasWords: boolean;
  tagger: TaggerOption | null;
  labelOf: (id: Tagger['id']) => string;
  onRetag: () => void;
}) {
  const step = progress?.step ?? 0;
  const total = progress?.total ?? 0;
  return (
    <>
      <div className={styles.head}>
        <h3 id="model-tags">What the model sees</h3>
        <span className={styles.steps} aria-live="polite" data-testid="steps">
          {tagging ? (total ? `step ${step}/${total}` : 'starting…') : steps ? `settled after ${steps} mean-field steps` : ''}
        </span>
      </div>
      {madeBy && (tagging || hasWords) && (
        <p className={styles.note} data-testid="tagged-by">
          {tagging ? 'Tagging' : 'Tagged'} by the <strong>{labelOf(madeBy)}</strong> tagger.
          {!tagging && tagger && tagger.id !== madeBy && (
            <>
              {' '}
              <button type="button" className={`secondary ${styles.small}`} onClick={onRetag} data-testid="retag">
                Tag it again with {tagger.label}
              </button>
            </>
          )}
        </p>
      )}
      {tagging && (
        <div className="progress" role="progressbar" aria-label="Mean-field steps" aria-valuemin={0} aria-valuemax={total || 1} aria-valuenow={step}>
          <div style={{ width: `${total ? Math.max(3, (100 * step) / total) : 3}%` }} />
        </div>
      )}
    </>
  );
}

import { Fragment } from 'react';
import type { PhotoTagView } from '@/lib/tags';
import styles from './tags.module.css';

/** Saving a person's corrections, what the last save said, and the tags stored for the photo. */
export function SaveTags({ saving, saved, stored, onSave }: { saving: boolean; saved: string | null; stored: PhotoTagView[]; onSave: () => void }) {
  return (
    <>
      <div className={styles.saveRow}>
        <button type="button" onClick={onSave} disabled={saving} data-testid="save-tags">
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
  );
}

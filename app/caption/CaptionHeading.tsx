import type { CaptionReading } from '@/lib/caption';
import styles from './caption.module.css';

function readingText(reading: CaptionReading): string {
  switch (reading.kind) {
    case 'seen':
      return 'A scene of the kind the model saw in training.';
    case 'novel':
      return 'A novel caption: this scene was held out of training, so the model has never seen these digits placed like this.';
    case 'outside-grammar':
      return 'Outside the training grammar: the model draws what the words say, as best it can.';
    case 'free-text':
      return '';
  }
}

/** The caption being drawn with its seed and temperature, and how the model reads it (seen, novel, outside its grammar). */
export function CaptionHeading({ caption, seed, temperature, reading }: { caption: string; seed: number; temperature: number; reading: CaptionReading }) {
  return (
    <>
      <div className={styles.outputHead}>
        <p className={styles.captionShown}>
          “{caption}” <span className="muted">· seed {seed} · temperature {temperature}</span>
        </p>
        {reading.kind !== 'free-text' && (
          <span className={`${styles.reading} ${styles[reading.kind]}`} data-testid="caption-reading" data-kind={reading.kind} title={reading.kind === 'outside-grammar' ? reading.problem : undefined}>
            {reading.kind === 'seen' ? 'seen' : reading.kind === 'novel' ? 'novel' : 'outside the grammar'}
          </span>
        )}
      </div>
      {reading.kind !== 'free-text' && <p className={styles.note}>{readingText(reading)}</p>}
    </>
  );
}

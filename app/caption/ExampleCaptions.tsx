import type { ExampleCaption } from '@/lib/caption';
import styles from './caption.module.css';

const KINDS = [
  ['seen', 'Seen in training'],
  ['novel', 'Novel (held out in training)'],
  ['example', 'Examples'],
] as const;

/** A model's example captions, a row per kind (seen in training, held out, plain examples); clicking one types it in. */
export function ExampleCaptions({ examples, onPick }: { examples: ExampleCaption[]; onPick: (caption: string) => void }) {
  if (examples.length === 0) return null;
  return (
    <div className={styles.examples} data-testid="examples">
      {KINDS.map(([kind, label]) => {
        const list = examples.filter((e) => e.kind === kind);
        if (list.length === 0) return null;
        return (
          <div key={kind} className={styles.exampleRow}>
            <span className={styles.exampleKind}>{label}</span>
            <span className={styles.exampleList}>
              {list.map((e) => (
                <button
                  type="button"
                  key={e.caption}
                  className={`${styles.example} ${kind === 'novel' ? styles.novel : ''}`}
                  onClick={() => onPick(e.caption)}
                  data-kind={kind}
                  data-testid="example-caption"
                >
                  {e.caption}
                </button>
              ))}
            </span>
          </div>
        );
      })}
    </div>
  );
}

'use client';

import { useState } from 'react';
import { ClassifyPanel, useClassifier } from './ClassifyPanel';
import { DrawingPad, type PadStroke } from './DrawingPad';
import { useVariants, VariantsPanel } from './VariantsPanel';
import styles from './oneshot.module.css';

/** The pad a person draws their character on, with undo and clear. */
function DrawingPanel({ strokes, busy, onChange }: { strokes: PadStroke[]; busy: boolean; onChange: (strokes: PadStroke[]) => void }) {
  return (
    <section className={styles.panel} aria-label="Your drawing">
      <h2 className={styles.panelHead}>Draw one character</h2>
      <DrawingPad strokes={strokes} onChange={onChange} disabled={busy} />
      <div className={styles.padTools}>
        <button type="button" className="secondary" onClick={() => onChange(strokes.slice(0, -1))} disabled={busy || strokes.length === 0} aria-keyshortcuts="Control+Z Meta+Z" title="Undo stroke (Ctrl+Z)" data-testid="undo">
          Undo stroke
        </button>
        <button type="button" className="secondary" onClick={() => onChange([])} disabled={busy || strokes.length === 0} data-testid="clear">
          Clear
        </button>
        <span className={styles.padInfo} data-testid="stroke-count">
          {strokes.length} {strokes.length === 1 ? 'stroke' : 'strokes'}
        </span>
      </div>
      <p className={styles.note}>Mouse, pen or finger. Draw it the way you would write it: the order and timing of your strokes are kept. Ctrl+Z (⌘Z) undoes a stroke.</p>
    </section>
  );
}

/** One-shot characters: a person draws one character, then gets new drawings of it and asks which of a run's characters it is. */
export function OneShotStudio({ maxVariants, defaultCount, runCount }: { maxVariants: number; defaultCount: number; runCount: number }) {
  const [strokes, setStrokes] = useState<PadStroke[]>([]);
  const variants = useVariants(defaultCount);
  const classifier = useClassifier();

  const drawingChanged = (next: PadStroke[]) => {
    setStrokes(next);
    classifier.forget();
    variants.job.setFailure(null);
    // Cleared: the variants of the drawing that was there go with it.
    if (next.length === 0) variants.reset();
  };

  return (
    <div className={styles.layout}>
      <DrawingPanel strokes={strokes} busy={variants.job.busy} onChange={drawingChanged} />
      <div>
        <VariantsPanel variants={variants} maxVariants={maxVariants} onMake={() => void variants.make(strokes)} />
        <ClassifyPanel classifier={classifier} runCount={runCount} onClassify={() => void classifier.classify(strokes)} />
      </div>
    </div>
  );
}

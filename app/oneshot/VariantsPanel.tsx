'use client';

import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { StartedVariants, VariantEvent, VariantsJobResult } from '@/lib/oneshot';
import { IMAGE_SIZE, unpackBitmap } from '@/models/oneshot';
import { bytesFromBase64 } from '@/app/caption/canvas';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { JobProgress } from '@/app/components/JobProgress';
import { postJson } from '@/app/components/postJson';
import { useJob } from '@/app/components/useJob';
import type { PadStroke } from './DrawingPad';
import styles from './oneshot.module.css';

/** Each variant stays alone on screen at least this long, so a person sees the grid fill in. */
const VARIANT_MS = 60;
const MAX_SEED = 2 ** 31 - 1;
const randomSeed = () => Math.floor(Math.random() * (MAX_SEED + 1));

/**
 * Making variants of a drawing: how many and the seed (as typed), the variants job, and each
 * variant's bitmap as it arrives (null until it has).
 */
export function useVariants(defaultCount: number) {
  const [count, setCount] = useState(String(defaultCount));
  const [seed, setSeed] = useState('');
  const [started, setStarted] = useState<StartedVariants | null>(null);
  const [bitmaps, setBitmaps] = useState<(Uint8Array | null)[]>([]);
  const job = useJob<VariantEvent, VariantsJobResult>({
    paceMs: VARIANT_MS,
    failed: { code: 'FAILED', message: 'Making variants failed. Please try again.' },
    lost: 'Lost the connection while the variants were being made. Finished ones will still be in the gallery.',
    onProgress: ({ preview: variant }) => {
      if (!variant) return;
      const bitmap = bytesFromBase64(variant.bitmap);
      setBitmaps((list) => list.map((v, i) => (i === variant.index ? bitmap : v)));
    },
  });

  /** Forgets the variants shown (the drawing they were made of is gone, or new ones are asked for). */
  function reset() {
    job.stop();
    job.clear();
    setStarted(null);
    setBitmaps([]);
  }

  function make(strokes: PadStroke[]) {
    // The last drawing's variants go first: a refused drawing must not leave them on screen as if they were its own.
    reset();
    const seedValue = seed.trim() === '' ? undefined : Number(seed);
    // The server checks everything (an empty canvas, too little ink, count and seed) and says what is wrong.
    const request = { strokes, count: count.trim() === '' ? undefined : Number(count), ...(seedValue === undefined ? {} : { seed: seedValue }) };
    return job.start(
      () => postJson<StartedVariants>('/api/oneshot/variants', request, 'The server could not start making variants. Please try again.'),
      (answer) => {
        setStarted(answer);
        setSeed(String(answer.seed));
        setBitmaps(Array.from({ length: answer.count }, () => null));
      },
    );
  }

  return { count, setCount, seed, setSeed, started, bitmaps, job, make, reset };
}

function VariantCanvas({ bitmap, label }: { bitmap: Uint8Array; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pixels = useMemo(() => unpackBitmap(bitmap), [bitmap]);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const image = new ImageData(IMAGE_SIZE, IMAGE_SIZE);
    pixels.forEach((v, i) => {
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v;
      image.data[4 * i + 3] = 255;
    });
    context.putImageData(image, 0, 0);
  }, [pixels]);
  const ink = useMemo(() => pixels.reduce((sum, v) => sum + (v === 0 ? 1 : 0), 0), [pixels]);
  return <canvas ref={canvas} width={IMAGE_SIZE} height={IMAGE_SIZE} role="img" aria-label={label} data-testid="variant" data-ink={ink} />;
}

/** New drawings of the person's character: how many and the seed, the progress (cancellable), and the variants as they come. */
export function VariantsPanel({ variants, maxVariants, onMake }: { variants: ReturnType<typeof useVariants>; maxVariants: number; onMake: () => void }) {
  const { job, started } = variants;
  const result = job.phase === 'done' ? job.result : null;
  const made = started ? started.count : 0;
  const progress = job.phase === 'running' ? { made: job.progress?.step ?? 0, total: job.progress?.total ?? made } : result ? { made, total: made } : { made: 0, total: 0 };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onMake();
  };
  return (
    <section className={styles.panel} aria-label="Make variants">
      <h2 className={styles.panelHead}>New drawings of it</h2>
      <form className={styles.settings} onSubmit={submit}>
        <label className={styles.field}>
          <span>Variants</span>
          <input type="number" min={1} max={maxVariants} step={1} value={variants.count} onChange={(e) => variants.setCount(e.target.value)} className={styles.input} data-testid="count-input" />
        </label>
        <label className={styles.field}>
          <span>Seed</span>
          <input
            type="number"
            min={0}
            max={MAX_SEED}
            step={1}
            value={variants.seed}
            placeholder="random"
            onChange={(e) => variants.setSeed(e.target.value)}
            className={`${styles.input} ${styles.seed}`}
            data-testid="seed-input"
          />
        </label>
        <button type="button" className="secondary" onClick={() => variants.setSeed(String(randomSeed()))}>
          New seed
        </button>
        <button type="submit" disabled={job.busy} data-testid="make-variants">
          {job.busy ? 'Making…' : 'Make variants'}
        </button>
      </form>

      {job.failure && <ErrorNotice error={job.failure} testId="variants-error" />}

      <JobProgress
        shown={started !== null && (job.busy || job.phase === 'done')}
        label="Variants made"
        unit="variant"
        done={progress.made}
        total={progress.total}
        busy={job.busy}
        finished={result && started ? `seed ${started.seed} · model version ${result.generation.modelVersion}` : null}
        savedHref={result ? `/gallery/generations/${result.generationId}` : null}
        stoppedAt={job.stoppedAt}
        onCancel={() => void job.cancel()}
        statusTestId="variants-progress"
        className={styles.section}
      />
      {variants.bitmaps.length > 0 && (
        <ol className={styles.variants} aria-label="Variants" data-testid="variant-grid">
          {variants.bitmaps.map((bitmap, i) => (
            <li key={i} className={`${styles.variant} ${bitmap ? '' : styles.pending}`}>
              {bitmap && <VariantCanvas bitmap={bitmap} label={`Variant ${i + 1}`} />}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

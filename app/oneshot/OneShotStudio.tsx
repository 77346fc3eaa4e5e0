'use client';

import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { bytesFromBase64 } from '@/app/caption/canvas';
import { followJob, type JobFailure } from '@/app/components/followJob';
import { JobProgress } from '@/app/components/JobProgress';
import { usePacedSteps } from '@/app/components/usePacedSteps';
import type { Classification, RunCharacter, StartedVariants, VariantEvent, VariantsJobResult } from '@/lib/oneshot';
import { IMAGE_SIZE, unpackBitmap } from '@/models/oneshot/contract';
import { DrawingPad, type PadStroke } from './DrawingPad';
import styles from './oneshot.module.css';
import { ErrorNotice } from '@/app/components/ErrorNotice';

type Failure = JobFailure;

type Phase = { phase: 'idle' } | { phase: 'starting' } | { phase: 'making'; made: number; total: number } | { phase: 'done' };

/** Each variant stays alone on screen at least this long, so a person sees the grid fill in. */
const VARIANT_MS = 60;
const MAX_SEED = 2 ** 31 - 1;
const randomSeed = () => Math.floor(Math.random() * (MAX_SEED + 1));
const percent = (p: number) => `${(100 * p).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)}%`;

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

export function OneShotStudio({ maxVariants, defaultCount, runCount }: { maxVariants: number; defaultCount: number; runCount: number }) {
  const [strokes, setStrokes] = useState<PadStroke[]>([]);
  const [count, setCount] = useState(String(defaultCount));
  const [seed, setSeed] = useState('');
  const [state, setState] = useState<Phase>({ phase: 'idle' });
  const [failure, setFailure] = useState<Failure | null>(null);
  const [started, setStarted] = useState<StartedVariants | null>(null);
  const [variants, setVariants] = useState<(Uint8Array | null)[]>([]);
  const [result, setResult] = useState<VariantsJobResult | null>(null);
  const [stoppedAt, setStoppedAt] = useState<number | null>(null);
  const source = useRef<EventSource | null>(null);
  const { show, clear: clearShown } = usePacedSteps(VARIANT_MS);

  const [run, setRun] = useState(1);
  const [characters, setCharacters] = useState<RunCharacter[] | null>(null);
  const [classification, setClassification] = useState<Classification | null>(null);
  const [classifying, setClassifying] = useState(false);
  const [classifyFailure, setClassifyFailure] = useState<Failure | null>(null);

  useEffect(() => () => source.current?.close(), []);

  useEffect(() => {
    let current = true;
    setCharacters(null);
    setClassification(null);
    fetch(`/api/oneshot/runs/${run}`)
      .then(async (response) => {
        const body = await response.json().catch(() => null);
        if (!current) return;
        if (!response.ok || !body?.characters) setClassifyFailure(body?.error ?? { code: `HTTP_${response.status}`, message: 'The run’s characters could not be loaded.' });
        else setCharacters(body.characters);
      })
      .catch(() => current && setClassifyFailure({ code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' }));
    return () => {
      current = false;
    };
  }, [run]);

  const drawingChanged = (next: PadStroke[]) => {
    setStrokes(next);
    setClassification(null);
    setFailure(null);
    setClassifyFailure(null);
  };

  const follow = useCallback(
    (answer: StartedVariants) => {
      source.current?.close();
      source.current = followJob<VariantEvent, VariantsJobResult>(answer.job.id, {
        onProgress: (job) => {
          const progress = job.progress;
          const variant = progress?.preview;
          if (!progress || !variant) return;
          const bitmap = bytesFromBase64(variant.bitmap);
          show(() => {
            setState({ phase: 'making', made: progress.step, total: progress.total });
            setVariants((list) => list.map((v, i) => (i === variant.index ? bitmap : v)));
          });
        },
        onEnd: (job) =>
          show(() => {
            if (job.status === 'done' && job.result) {
              setResult(job.result);
              setState({ phase: 'done' });
              return;
            }
            if (job.status === 'cancelled') setStoppedAt(job.progress?.step ?? 0);
            else setFailure(job.error ?? { code: 'FAILED', message: 'Making variants failed. Please try again.' });
            setState({ phase: 'idle' });
          }),
        onLost: () =>
          show(() => {
            setFailure({ code: 'NETWORK', message: 'Lost the connection while the variants were being made. Finished ones will still be in the gallery.' });
            setState({ phase: 'idle' });
          }),
      });
    },
    [show],
  );

  async function makeVariants(event?: FormEvent) {
    event?.preventDefault();
    setFailure(null);
    setStoppedAt(null);
    const wanted = Number(count);
    const seedValue = seed.trim() === '' ? undefined : Number(seed);
    source.current?.close();
    clearShown();
    setState({ phase: 'starting' });
    try {
      // The server checks everything (an empty canvas, too little ink, count and seed) and says what is wrong.
      const response = await fetch('/api/oneshot/variants', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ strokes, count: count.trim() === '' ? undefined : wanted, ...(seedValue === undefined ? {} : { seed: seedValue }) }),
      });
      const body = await response.json().catch(() => null);
      if (!response.ok || !body?.job) {
        setFailure(body?.error ?? { code: `HTTP_${response.status}`, message: 'The server could not start making variants. Please try again.' });
        setState({ phase: 'idle' });
        return;
      }
      const answer = body as StartedVariants;
      setStarted(answer);
      setSeed(String(answer.seed));
      setResult(null);
      setVariants(Array.from({ length: answer.count }, () => null));
      setState({ phase: 'making', made: 0, total: answer.count });
      follow(answer);
    } catch {
      setFailure({ code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' });
      setState({ phase: 'idle' });
    }
  }

  async function cancel() {
    if (started) await fetch(`/api/jobs/${started.job.id}`, { method: 'DELETE' }).catch(() => undefined);
  }

  async function classify() {
    setClassifyFailure(null);
    setClassifying(true);
    try {
      const response = await fetch('/api/oneshot/classify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ strokes, run }) });
      const body = await response.json().catch(() => null);
      if (!response.ok || !body?.ranking) setClassifyFailure(body?.error ?? { code: `HTTP_${response.status}`, message: 'The drawing could not be classified. Please try again.' });
      else setClassification(body as Classification);
    } catch {
      setClassifyFailure({ code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' });
    } finally {
      setClassifying(false);
    }
  }

  const busy = state.phase === 'starting' || state.phase === 'making';
  const progress = state.phase === 'making' ? state : state.phase === 'done' && started ? { made: started.count, total: started.count } : { made: 0, total: 0 };
  const rankOf = new Map(classification?.ranking.map((r, position) => [r.index, { ...r, position }]) ?? []);
  const top = classification?.ranking.slice(0, 3) ?? [];

  return (
    <div className={styles.layout}>
      <section className={styles.panel} aria-label="Your drawing">
        <h2 className={styles.panelHead}>Draw one character</h2>
        <DrawingPad strokes={strokes} onChange={drawingChanged} disabled={busy} />
        <div className={styles.padTools}>
          <button type="button" className="secondary" onClick={() => drawingChanged(strokes.slice(0, -1))} disabled={busy || strokes.length === 0} data-testid="undo">
            Undo stroke
          </button>
          <button type="button" className="secondary" onClick={() => drawingChanged([])} disabled={busy || strokes.length === 0} data-testid="clear">
            Clear
          </button>
          <span className={styles.padInfo} data-testid="stroke-count">
            {strokes.length} {strokes.length === 1 ? 'stroke' : 'strokes'}
          </span>
        </div>
        <p className={styles.note}>Mouse, pen or finger. Draw it the way you would write it: the order and timing of your strokes are kept.</p>
      </section>

      <div>
        <section className={styles.panel} aria-label="Make variants">
          <h2 className={styles.panelHead}>New drawings of it</h2>
          <form className={styles.settings} onSubmit={makeVariants}>
            <label className={styles.field}>
              <span>Variants</span>
              <input type="number" min={1} max={maxVariants} step={1} value={count} onChange={(e) => setCount(e.target.value)} className={styles.input} data-testid="count-input" />
            </label>
            <label className={styles.field}>
              <span>Seed</span>
              <input
                type="number"
                min={0}
                max={MAX_SEED}
                step={1}
                value={seed}
                placeholder="random"
                onChange={(e) => setSeed(e.target.value)}
                className={`${styles.input} ${styles.seed}`}
                data-testid="seed-input"
              />
            </label>
            <button type="button" className="secondary" onClick={() => setSeed(String(randomSeed()))}>
              New seed
            </button>
            <button type="submit" disabled={busy} data-testid="make-variants">
              {busy ? 'Making…' : 'Make variants'}
            </button>
          </form>

          {failure && (
            <ErrorNotice error={failure} testId="variants-error" />
          )}

          <JobProgress
            shown={started !== null && (busy || state.phase === 'done')}
            label="Variants made"
            unit="variant"
            done={progress.made}
            total={progress.total}
            busy={busy}
            finished={state.phase === 'done' && result && started ? `seed ${started.seed} · model version ${result.generation.modelVersion}` : null}
            savedHref={state.phase === 'done' && result ? `/gallery/generations/${result.generationId}` : null}
            stoppedAt={stoppedAt}
            onCancel={() => void cancel()}
            statusTestId="variants-progress"
            className={styles.section}
          />
          {variants.length > 0 && (
            <ol className={styles.variants} aria-label="Variants" data-testid="variant-grid">
              {variants.map((bitmap, i) => (
                <li key={i} className={`${styles.variant} ${bitmap ? '' : styles.pending}`}>
                  {bitmap && <VariantCanvas bitmap={bitmap} label={`Variant ${i + 1}`} />}
                </li>
              ))}
            </ol>
          )}
        </section>

        <section className={`${styles.panel} ${styles.section}`} aria-label="Which character is it?">
          <h2 className={styles.panelHead}>Which character is it?</h2>
          <div className={styles.settings}>
            <label className={styles.field}>
              <span>One-shot run</span>
              <select value={run} onChange={(e) => setRun(Number(e.target.value))} className={styles.input} data-testid="run-select">
                {Array.from({ length: runCount }, (_, i) => (
                  <option key={i + 1} value={i + 1}>
                    Run {i + 1}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className={styles.primary} onClick={() => void classify()} disabled={classifying} data-testid="classify">
              {classifying ? 'Comparing…' : 'Which character is it?'}
            </button>
          </div>
          <p className={styles.note}>
            Each run of Lake et al.&apos;s one-shot test has 20 characters from alphabets the model never saw, each drawn once. The model scores your
            drawing as another drawing of each and ranks them.
          </p>
          {classifyFailure && (
            <ErrorNotice error={classifyFailure} testId="classify-error" />
          )}
          {classification && (
            <div className={styles.section} data-testid="ranking">
              <p className="status" data-testid="classify-answer">
                Most likely <strong>{top[0]?.name}</strong> ({percent(top[0]?.probability ?? 0)}) · {classification.ms} ms · model version {classification.modelVersion}
              </p>
              <ol className={styles.ranking}>
                {top.map((r, position) => (
                  <li key={r.index} className={styles.rankRow} data-testid="ranking-row">
                    <span>#{position + 1}</span>
                    {/* eslint-disable-next-line @next/next/no-img-element */}
                    {characters?.[r.index] ? <img src={characters[r.index].image} alt={r.name} /> : <span />}
                    <div className={styles.bar} aria-hidden>
                      <div style={{ width: `${Math.max(1, 100 * r.probability)}%` }} />
                    </div>
                    <span>{percent(r.probability)}</span>
                  </li>
                ))}
              </ol>
            </div>
          )}
          {characters ? (
            <ol className={styles.characters} aria-label={`The 20 characters of run ${run}`} data-testid="run-characters">
              {characters.map((c) => {
                const ranked = rankOf.get(c.index);
                const tone = ranked ? (ranked.position === 0 ? styles.top1 : ranked.position < 3 ? styles.top3 : styles.faded) : '';
                return (
                  <li key={c.index} className={`${styles.character} ${tone}`} data-testid="run-character" data-name={c.name} data-rank={ranked ? ranked.position + 1 : undefined}>
                    {/* eslint-disable-next-line @next/next/no-img-element */}
                    <img src={c.image} alt={`${c.name} of run ${run}`} />
                    {ranked && (
                      <span className={styles.rank}>
                        <span>#{ranked.position + 1}</span>
                        <span>{percent(ranked.probability)}</span>
                      </span>
                    )}
                  </li>
                );
              })}
            </ol>
          ) : (
            !classifyFailure && <p className="status">Loading run {run}…</p>
          )}
        </section>
      </div>
    </div>
  );
}

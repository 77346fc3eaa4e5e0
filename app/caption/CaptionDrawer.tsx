'use client';

import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { CaptionJobResult, CaptionReading, DrawingPreview, ExampleCaption } from '@/lib/caption';
import type { Box } from '@/models/align-draw/contract';
import { bytesFromBase64, paintBytes, SCALE, type Shape } from './canvas';
import { GenerationViewer } from './GenerationViewer';
import { followJob, type JobFailure } from '@/app/components/followJob';
import { JobProgress } from '@/app/components/JobProgress';
import { usePacedSteps } from '@/app/components/usePacedSteps';
import styles from './caption.module.css';
import { ErrorNotice } from '@/app/components/ErrorNotice';

type Failure = JobFailure;

export interface ModelChoice {
  name: string;
  label: string;
  description: string;
  /** Word-level vocabulary (MNIST), for a hint before drawing; null for word pieces. */
  vocabulary: string[] | null;
  /** The temperature a drawing starts from on this model. */
  defaultTemperature: number;
}

export interface DrawSettings {
  caption: string;
  samples: number;
  /** Empty: the server picks one. */
  seed: string;
  /** 0–1, as typed. */
  temperature: string;
  model: string;
}

interface Started {
  job: { id: string };
  generationId: string;
  caption: string;
  samples: number;
  seed: number;
  temperature: number;
  model: string;
  words: string[];
  reading: CaptionReading;
}

interface Live {
  shape: Shape;
  canvases: Uint8Array[];
  boxes: Box[];
}

type Phase = { phase: 'idle' } | { phase: 'starting' } | { phase: 'drawing'; step: number; total: number } | { phase: 'done' };

/** Each drawing step stays on screen at least this long, so a person can watch the picture form. */
const STEP_MS = 90;
const MAX_SEED = 2 ** 31 - 1;
const PUNCTUATION = /[.,;:!?"'()]/g;

const randomSeed = () => Math.floor(Math.random() * (MAX_SEED + 1));

/** The words of a caption as the tokenizers split them (the server checks for real). */
const wordsOf = (caption: string) => caption.normalize('NFKC').toLowerCase().replace(PUNCTUATION, ' ').split(/\s+/).filter(Boolean);
/** Known as a whole ("close-up", a Corel tag) or as hyphenated known words ("top-left" reads as "top left"). */
const isKnown = (word: string, known: Set<string>) => known.has(word) || word.split('-').every((part) => part === '' || known.has(part));

/** The words a model reads, for a hint: all of a small grammar, a sample of a long tag list. */
function knownWordsText(vocabulary: string[]): string {
  if (vocabulary.length <= 40) return `It knows: ${vocabulary.join(' ')}`;
  return `It knows ${vocabulary.length} words, such as: ${vocabulary.slice(0, 30).join(' ')} …`;
}

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

function LiveCanvas({ bytes, shape, box, label }: { bytes: Uint8Array | undefined; shape: Shape; box: Box | undefined; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current && bytes) paintBytes(canvas.current, bytes, shape, box);
  }, [bytes, shape, box]);
  // How much ink the canvas holds, for a person's screen reader and the tests.
  const ink = useMemo(() => (bytes ? bytes.reduce((sum, v) => sum + v, 0) : 0), [bytes]);
  return (
    <canvas
      ref={canvas}
      width={shape.width * SCALE}
      height={shape.height * SCALE}
      className={styles.liveCanvas}
      role="img"
      aria-label={label}
      data-testid="live-canvas"
      data-ink={ink}
    />
  );
}

export function CaptionDrawer({
  models,
  examples,
  initial,
  maxChars,
  maxSamples,
}: {
  models: ModelChoice[];
  examples: ExampleCaption[];
  initial: DrawSettings;
  maxChars: number;
  maxSamples: number;
}) {
  const [caption, setCaption] = useState(initial.caption);
  const [samples, setSamples] = useState(String(initial.samples));
  const [seed, setSeed] = useState(initial.seed);
  const [temperature, setTemperature] = useState(initial.temperature);
  const [model, setModel] = useState(initial.model);
  const [state, setState] = useState<Phase>({ phase: 'idle' });
  const [failure, setFailure] = useState<Failure | null>(null);
  const [started, setStarted] = useState<Started | null>(null);
  const [live, setLive] = useState<Live | null>(null);
  const [result, setResult] = useState<CaptionJobResult | null>(null);
  const [stoppedAt, setStoppedAt] = useState<number | null>(null);
  const source = useRef<EventSource | null>(null);

  // Steps waiting to be shown, one every STEP_MS.
  const { show, clear: clearSteps } = usePacedSteps(STEP_MS);

  useEffect(() => () => source.current?.close(), []);

  const chosen = models.find((m) => m.name === model) ?? models[0];
  const unknown = useMemo(() => {
    if (!chosen?.vocabulary) return [];
    const known = new Set(chosen.vocabulary);
    return [...new Set(wordsOf(caption).filter((w) => !isKnown(w, known)))];
  }, [caption, chosen]);
  const modelExamples = examples.filter((e) => e.model === chosen?.name);

  const follow = useCallback(
    (answer: Started) => {
      source.current?.close();
      source.current = followJob<DrawingPreview, CaptionJobResult>(answer.job.id, {
        onProgress: (job) => {
          const progress = job.progress;
          if (!progress) return;
          const preview = progress.preview;
          const frame = preview && {
            shape: { width: preview.width, height: preview.height, channels: preview.channels },
            canvases: preview.canvases.map(bytesFromBase64),
            boxes: preview.writeBoxes,
          };
          show(() => {
            setState({ phase: 'drawing', step: progress.step, total: progress.total });
            if (frame) setLive(frame);
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
            else setFailure(job.error ?? { code: 'FAILED', message: 'The drawing failed. Please try again.' });
            setState({ phase: 'idle' });
          }),
        onLost: () =>
          show(() => {
            setFailure({ code: 'NETWORK', message: 'Lost the connection while the model was drawing. The finished drawing will still be in the gallery.' });
            setState({ phase: 'idle' });
          }),
      });
    },
    [show],
  );

  async function draw(event?: FormEvent) {
    event?.preventDefault();
    setFailure(null);
    setStoppedAt(null);
    const count = Number(samples);
    if (!Number.isInteger(count) || count < 1 || count > maxSamples) {
      setFailure({ code: 'BAD_REQUEST', message: `Choose from 1 to ${maxSamples} images.` });
      return;
    }
    const seedValue = seed.trim() === '' ? undefined : Number(seed);
    if (seedValue !== undefined && (!Number.isInteger(seedValue) || seedValue < 0 || seedValue > MAX_SEED)) {
      setFailure({ code: 'BAD_REQUEST', message: `The seed is a whole number from 0 to ${MAX_SEED}; leave it empty for a random one.` });
      return;
    }
    const temperatureValue = Number(temperature);
    if (temperature.trim() === '' || !(temperatureValue >= 0 && temperatureValue <= 1)) {
      setFailure({ code: 'BAD_REQUEST', message: 'The temperature is a number from 0 to 1: 1 samples the model’s own prior, lower draws cleaner but less varied images.' });
      return;
    }
    source.current?.close();
    clearSteps();
    setState({ phase: 'starting' });
    try {
      const response = await fetch('/api/caption', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ caption, samples: count, ...(seedValue === undefined ? {} : { seed: seedValue }), temperature: temperatureValue, model }),
      });
      const body = await response.json().catch(() => null);
      if (!response.ok || !body?.job) {
        setFailure(body?.error ?? { code: `HTTP_${response.status}`, message: 'The server could not start the drawing. Please try again.' });
        setState({ phase: 'idle' });
        return;
      }
      const answer = body as Started;
      setStarted(answer);
      setSeed(String(answer.seed));
      setResult(null);
      setLive(null);
      setState({ phase: 'drawing', step: 0, total: 0 });
      const address = new URLSearchParams({
        caption: answer.caption,
        samples: String(answer.samples),
        seed: String(answer.seed),
        temperature: String(answer.temperature),
        model: answer.model,
      });
      window.history.replaceState(null, '', `/caption?${address}`);
      follow(answer);
    } catch {
      setFailure({ code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' });
      setState({ phase: 'idle' });
    }
  }

  async function cancel() {
    if (!started) return;
    await fetch(`/api/jobs/${started.job.id}`, { method: 'DELETE' }).catch(() => undefined);
  }

  const busy = state.phase === 'starting' || state.phase === 'drawing';
  const count = Math.min(maxSamples, Math.max(1, Number(started?.samples ?? samples) || 1));
  const shape: Shape = live?.shape ?? { width: 60, height: 60, channels: 1 };
  const drawn = result?.generation.result?.steps ?? 0;
  const progress = state.phase === 'drawing' ? state : state.phase === 'done' ? { step: drawn, total: drawn } : { step: 0, total: 0 };

  return (
    <div>
      <form className={styles.form} onSubmit={draw} aria-label="Draw a caption" noValidate>
        <label className={styles.label} htmlFor="caption">
          Caption
        </label>
        <textarea
          id="caption"
          className={styles.captionBox}
          value={caption}
          maxLength={maxChars}
          rows={2}
          placeholder="the digit 3 is on the left of the digit 5"
          onChange={(event) => setCaption(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey) {
              event.preventDefault();
              if (!busy) void draw();
            }
          }}
          aria-describedby="caption-hint"
          data-testid="caption-input"
        />
        <div id="caption-hint" className={styles.hint}>
          {unknown.length > 0 ? (
            <span className={styles.problem} data-testid="unknown-hint">
              Not in the model&apos;s vocabulary: {unknown.map((w) => `“${w}”`).join(', ')}. {knownWordsText(chosen?.vocabulary ?? [])}
            </span>
          ) : (
            <span>
              {caption.length}/{maxChars} characters
            </span>
          )}
        </div>

        {modelExamples.length > 0 && (
          <div className={styles.examples} data-testid="examples">
            {(['seen', 'novel', 'example'] as const).map((kind) => {
              const list = modelExamples.filter((e) => e.kind === kind);
              if (list.length === 0) return null;
              return (
                <div key={kind} className={styles.exampleRow}>
                  <span className={styles.exampleKind}>{kind === 'seen' ? 'Seen in training' : kind === 'novel' ? 'Novel (held out in training)' : 'Examples'}</span>
                  <span className={styles.exampleList}>
                    {list.map((e) => (
                      <button
                        type="button"
                        key={e.caption}
                        className={`${styles.example} ${kind === 'novel' ? styles.novel : ''}`}
                        onClick={() => setCaption(e.caption)}
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
        )}

        <div className={styles.settings}>
          <label className={styles.field}>
            <span>Images</span>
            <input
              type="number"
              min={1}
              max={maxSamples}
              step={1}
              value={samples}
              onChange={(event) => setSamples(event.target.value)}
              className={styles.input}
              data-testid="samples-input"
            />
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
              onChange={(event) => setSeed(event.target.value)}
              className={`${styles.input} ${styles.seed}`}
              data-testid="seed-input"
            />
          </label>
          <button type="button" className="secondary" onClick={() => setSeed(String(randomSeed()))} data-testid="new-seed">
            New seed
          </button>
          <label className={styles.field} title="How far each step strays from the model's most likely stroke: 1 samples the model's own prior, lower draws cleaner but less varied images, 0 draws the same image every time.">
            <span>Temperature</span>
            <input
              type="number"
              min={0}
              max={1}
              step={0.1}
              value={temperature}
              onChange={(event) => setTemperature(event.target.value)}
              className={styles.input}
              data-testid="temperature-input"
            />
          </label>
          {models.length > 1 ? (
            <label className={styles.field}>
              <span>Model</span>
              <select
                value={model}
                onChange={(event) => {
                  setModel(event.target.value);
                  const next = models.find((m) => m.name === event.target.value);
                  if (next) setTemperature(String(next.defaultTemperature));
                }}
                className={styles.input}
                data-testid="model-select"
              >
                {models.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.label}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <span className={styles.modelName} title={chosen?.description}>
              Model: {chosen?.label}
            </span>
          )}
          <button type="submit" disabled={busy || models.length === 0} data-testid="draw">
            {busy ? 'Drawing…' : 'Draw'}
          </button>
        </div>
        {chosen && <p className={styles.note}>{chosen.description}</p>}
      </form>

      {failure && (
        <ErrorNotice error={failure} testId="caption-error" />
      )}

      {started && (
        <section className={styles.output} aria-label="The drawing" data-testid="drawing">
          <div className={styles.outputHead}>
            <p className={styles.captionShown}>
              “{started.caption}” <span className="muted">· seed {started.seed} · temperature {started.temperature}</span>
            </p>
            {started.reading.kind !== 'free-text' && (
              <span className={`${styles.reading} ${styles[started.reading.kind]}`} data-testid="caption-reading" data-kind={started.reading.kind} title={started.reading.kind === 'outside-grammar' ? started.reading.problem : undefined}>
                {started.reading.kind === 'seen' ? 'seen' : started.reading.kind === 'novel' ? 'novel' : 'outside the grammar'}
              </span>
            )}
          </div>
          {started.reading.kind !== 'free-text' && <p className={styles.note}>{readingText(started.reading)}</p>}

          <JobProgress
            shown={busy || state.phase === 'done'}
            label="Drawing steps"
            unit="step"
            done={progress.step}
            total={progress.total}
            busy={busy}
            finished={state.phase === 'done' && result ? `model version ${result.generation.modelVersion}` : null}
            savedHref={state.phase === 'done' && result ? `/gallery/generations/${result.generationId}` : null}
            stoppedAt={stoppedAt}
            onCancel={() => void cancel()}
            statusTestId="draw-steps"
          />

          {(busy || (state.phase === 'idle' && live)) && (
            <ol className={styles.samples} aria-label="Images being drawn" data-testid="live-grid">
              {Array.from({ length: count }, (_, i) => (
                <li key={i} className={styles.sample}>
                  <LiveCanvas bytes={live?.canvases[i]} shape={shape} box={busy ? live?.boxes[i] : undefined} label={`Image ${i + 1} being drawn`} />
                </li>
              ))}
            </ol>
          )}

          {state.phase === 'done' && result && <GenerationViewer key={result.generationId} generation={result.generation} />}
        </section>
      )}
    </div>
  );
}

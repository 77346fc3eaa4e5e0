'use client';

import { useState, type FormEvent } from 'react';
import type { CaptionJobResult, CaptionReading, DrawingPreview, ExampleCaption } from '@/lib/caption';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { JobProgress } from '@/app/components/JobProgress';
import { postJson } from '@/app/components/postJson';
import { useJob } from '@/app/components/useJob';
import { bytesFromBase64 } from './canvas';
import { CaptionForm, MAX_SEED, type CaptionValues, type ModelChoice } from './CaptionForm';
import { CaptionHeading } from './CaptionHeading';
import { GenerationViewer } from './GenerationViewer';
import { LiveDrawing, type LiveFrame } from './LiveDrawing';
import styles from './caption.module.css';

export type { ModelChoice } from './CaptionForm';

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
  /** What the model draws (a tag model: the tags it knows in what was typed). */
  caption: string;
  typed: string;
  folded: { typed: string; word: string }[];
  leftOut: string[];
  samples: number;
  seed: number;
  temperature: number;
  model: string;
  words: string[];
  reading: CaptionReading;
}

/** Each drawing step stays on screen at least this long, so a person can watch the picture form. */
const STEP_MS = 90;

/**
 * Caption → images: the form, then the drawing as the model makes it step by step (cancellable),
 * then the saved images, each with its replay and word alignment.
 */
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
  const [values, setValues] = useState<CaptionValues>({ ...initial, samples: String(initial.samples) });
  const [started, setStarted] = useState<Started | null>(null);
  const [live, setLive] = useState<LiveFrame | null>(null);
  const job = useJob<DrawingPreview, CaptionJobResult>({
    paceMs: STEP_MS,
    failed: { code: 'FAILED', message: 'The drawing failed. Please try again.' },
    lost: 'Lost the connection while the model was drawing. The finished drawing will still be in the gallery.',
    onProgress: ({ preview }) => {
      if (preview)
        setLive({
          shape: { width: preview.width, height: preview.height, channels: preview.channels },
          canvases: preview.canvases.map(bytesFromBase64),
          boxes: preview.writeBoxes,
        });
    },
  });
  const change = (next: Partial<CaptionValues>) => setValues((before) => ({ ...before, ...next }));

  function draw(event?: FormEvent) {
    event?.preventDefault();
    job.clear();
    const count = Number(values.samples);
    if (!Number.isInteger(count) || count < 1 || count > maxSamples) {
      job.setFailure({ code: 'BAD_REQUEST', message: `Choose from 1 to ${maxSamples} images.` });
      return;
    }
    const seed = values.seed.trim() === '' ? undefined : Number(values.seed);
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)) {
      job.setFailure({ code: 'BAD_REQUEST', message: `The seed is a whole number from 0 to ${MAX_SEED}; leave it empty for a random one.` });
      return;
    }
    const temperature = Number(values.temperature);
    if (values.temperature.trim() === '' || !(temperature >= 0 && temperature <= 1)) {
      job.setFailure({ code: 'BAD_REQUEST', message: 'The temperature is a number from 0 to 1: 1 samples the model’s own prior, lower draws cleaner but less varied images.' });
      return;
    }
    const request = { caption: values.caption, samples: count, ...(seed === undefined ? {} : { seed }), temperature, model: values.model };
    void job.start(
      () => postJson<Started>('/api/caption', request, 'The server could not start the drawing. Please try again.'),
      (answer) => {
        setStarted(answer);
        change({ seed: String(answer.seed) });
        setLive(null);
        const address = new URLSearchParams({
          caption: answer.caption,
          samples: String(answer.samples),
          seed: String(answer.seed),
          temperature: String(answer.temperature),
          model: answer.model,
        });
        window.history.replaceState(null, '', `/caption?${address}`);
      },
    );
  }

  const result = job.phase === 'done' ? job.result : null;
  const count = Math.min(maxSamples, Math.max(1, Number(started?.samples ?? values.samples) || 1));
  const drawn = result?.generation.result?.steps ?? 0;
  const progress = job.phase === 'running' ? (job.progress ?? { step: 0, total: 0 }) : { step: drawn, total: drawn };

  return (
    <div>
      <CaptionForm
        models={models}
        examples={examples}
        values={values}
        onChange={change}
        maxChars={maxChars}
        maxSamples={maxSamples}
        busy={job.busy}
        onDraw={draw}
      />

      {job.failure && <ErrorNotice error={job.failure} testId="caption-error" />}

      {started && (
        <section className={styles.output} aria-label="The drawing" data-testid="drawing">
          <CaptionHeading caption={started.caption} seed={started.seed} temperature={started.temperature} reading={started.reading} />
          {(started.leftOut.length > 0 || started.folded.length > 0) && (
            <p className="status" data-testid="caption-read">
              {started.caption === started.typed.trim() ? `Drew “${started.caption}”` : `Drew “${started.caption}” from “${started.typed}”`}
              {started.folded.length > 0 && `, reading ${started.folded.map((f) => `“${f.typed}” as “${f.word}”`).join(', ')}`}
              {started.leftOut.length > 0 &&
                `, leaving out ${started.leftOut.map((w) => `“${w}”`).join(', ')}: ${models.find((m) => m.name === started.model)?.freeText ? 'no word piece the model learned spells them' : 'the model knows only its tags'}`}.
            </p>
          )}
          <JobProgress
            shown={job.busy || job.phase === 'done'}
            label="Drawing steps"
            unit="step"
            done={progress.step}
            total={progress.total}
            busy={job.busy}
            finished={result ? `model version ${result.generation.modelVersion}` : null}
            savedHref={result ? `/gallery/generations/${result.generationId}` : null}
            stoppedAt={job.stoppedAt}
            onCancel={() => void job.cancel()}
            statusTestId="draw-steps"
          />
          {(job.busy || (job.phase === 'idle' && live)) && <LiveDrawing count={count} frame={live} drawing={job.busy} />}
          {result && <GenerationViewer key={result.generationId} generation={result.generation} />}
        </section>
      )}
    </div>
  );
}

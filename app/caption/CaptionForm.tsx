'use client';

import { useMemo, type FormEvent } from 'react';
import type { ExampleCaption } from '@/lib/caption';
import { readCaptionWords } from '@/lib/caption/read';
import { CaptionField, type CouldDraw } from './CaptionField';
import { ExampleCaptions } from './ExampleCaptions';
import styles from './caption.module.css';

export interface ModelChoice {
  name: string;
  label: string;
  description: string;
  /** Word-level vocabulary (MNIST's grammar, Corel-5k's tags), for a hint before drawing; null for word pieces. */
  vocabulary: string[] | null;
  /** Whether it reads whole sentences of a grammar (MNIST), not tags. */
  grammar: boolean;
  /** Whether it reads any sentence in word pieces (Flickr8k). */
  freeText: boolean;
  /** The temperature a drawing starts from on this model. */
  defaultTemperature: number;
}

/** What to draw, as typed in the form (checked when the person draws). */
export interface CaptionValues {
  caption: string;
  samples: string;
  /** Empty: the server picks one. */
  seed: string;
  /** 0–1, as typed. */
  temperature: string;
  model: string;
}

export const MAX_SEED = 2 ** 31 - 1;
const randomSeed = () => Math.floor(Math.random() * (MAX_SEED + 1));

/**
 * The caption form: the caption and its examples, how many images, the seed and temperature, the
 * model, and the Draw button.
 */
export function CaptionForm({
  models,
  examples,
  values,
  onChange,
  maxChars,
  maxSamples,
  busy,
  onDraw,
}: {
  models: ModelChoice[];
  examples: ExampleCaption[];
  values: CaptionValues;
  onChange: (change: Partial<CaptionValues>) => void;
  maxChars: number;
  maxSamples: number;
  busy: boolean;
  onDraw: (event?: FormEvent) => void;
}) {
  const chosen = models.find((m) => m.name === values.model) ?? models[0];
  const readBy = (m: ModelChoice) => (m.vocabulary ? readCaptionWords(values.caption, m.vocabulary, m.grammar) : null);
  const read = useMemo(() => (chosen ? readBy(chosen) : null), [chosen, values.caption]);
  // A caption the chosen model cannot draw: Draw waits, and another model that could is offered.
  const blocked = values.caption.trim() !== '' && read !== null && !read.drawable;
  const couldDraw = useMemo((): CouldDraw | null => {
    // A tag model leaving words out: the model that reads whole sentences is offered beside it.
    if (read?.drawable && read.leftOut.length > 0) {
      const sentences = models.find((m) => m.freeText && m.name !== chosen?.name);
      return sentences ? { name: sentences.name, label: sentences.label, caption: values.caption.trim() } : null;
    }
    if (!blocked) return null;
    // As the server proposes: a model that reads every word as typed, then free text, then a tag model's part.
    const readers = models.flatMap((m) => {
      if (m.name === chosen?.name) return [];
      const other = readBy(m);
      if (other && !other.drawable) return [];
      const whole = other !== null && other.leftOut.length === 0 && other.folded.length === 0;
      return [{ m, caption: other?.caption ?? values.caption.trim(), rank: whole && !m.freeText ? 0 : m.freeText ? 1 : 2 }];
    });
    const best = readers.sort((a, b) => a.rank - b.rank)[0];
    return best ? { name: best.m.name, label: best.m.label, caption: best.caption } : null;
  }, [blocked, read, models, chosen, values.caption]);
  const switchTo = (name: string) => {
    const next = models.find((m) => m.name === name);
    onChange({ model: name, ...(next ? { temperature: String(next.defaultTemperature) } : {}) });
  };
  return (
    <form className={styles.form} onSubmit={onDraw} aria-label="Draw a caption" noValidate>
      <CaptionField
        caption={values.caption}
        read={read}
        modelLabel={chosen?.label ?? 'chosen'}
        vocabulary={chosen?.vocabulary ?? null}
        couldDraw={couldDraw}
        maxChars={maxChars}
        onChange={(caption) => onChange({ caption })}
        onEnter={() => !busy && !blocked && onDraw()}
        onSwitch={switchTo}
      />
      <ExampleCaptions examples={examples.filter((e) => e.model === chosen?.name)} onPick={(caption) => onChange({ caption })} />

      <div className={styles.settings}>
        <label className={styles.field}>
          <span>Images</span>
          <input
            type="number"
            min={1}
            max={maxSamples}
            step={1}
            value={values.samples}
            onChange={(event) => onChange({ samples: event.target.value })}
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
            value={values.seed}
            placeholder="random"
            onChange={(event) => onChange({ seed: event.target.value })}
            className={`${styles.input} ${styles.seed}`}
            data-testid="seed-input"
          />
        </label>
        <button type="button" className="secondary" onClick={() => onChange({ seed: String(randomSeed()) })} data-testid="new-seed">
          New seed
        </button>
        <label className={styles.field} title="How far each step strays from the model's most likely stroke: 1 samples the model's own prior, lower draws cleaner but less varied images, 0 draws the same image every time.">
          <span>Temperature</span>
          <input
            type="number"
            min={0}
            max={1}
            step={0.1}
            value={values.temperature}
            onChange={(event) => onChange({ temperature: event.target.value })}
            className={styles.input}
            data-testid="temperature-input"
          />
        </label>
        {models.length > 1 ? (
          <label className={styles.field}>
            <span>Model</span>
            <select
              value={values.model}
              onChange={(event) => switchTo(event.target.value)}
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
        <button type="submit" disabled={busy || models.length === 0 || blocked} title={blocked ? 'The chosen model cannot draw this caption: see the note under it.' : undefined} data-testid="draw">
          {busy ? 'Drawing…' : 'Draw'}
        </button>
      </div>
      {chosen && <p className={styles.note}>{chosen.description}</p>}
    </form>
  );
}

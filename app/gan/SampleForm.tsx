'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import type { Failure } from '@/app/components/postJson';
import styles from './gan.module.css';

export interface ModelChoice {
  name: string;
  label: string;
  description: string;
  epochs: number;
}

const randomSeed = (max: number) => Math.floor(Math.random() * (max + 1));

/**
 * What to sample: the model (each has its own address), how many samples and the first seed (the
 * seed the server used is shown once it has); then what the model is.
 */
export function SampleForm({
  models,
  model,
  initial,
  limits,
  sampling,
  disabled,
  onSample,
  onProblem,
}: {
  models: ModelChoice[];
  model: string;
  initial: { seed: string; count: number };
  limits: { maxSamples: number; maxSeed: number };
  sampling: boolean;
  disabled: boolean;
  /** Samples `count` latents from `seed` (the server picks one when it is undefined); resolves with the seed used, or null when it failed. */
  onSample: (count: number, seed: number | undefined) => Promise<number | null>;
  onProblem: (failure: Failure) => void;
}) {
  const router = useRouter();
  const [count, setCount] = useState(String(initial.count));
  const [seed, setSeed] = useState(initial.seed);
  const chosen = models.find((m) => m.name === model);

  async function sample(event: FormEvent) {
    event.preventDefault();
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1 || n > limits.maxSamples) return onProblem({ code: 'BAD_REQUEST', message: `Choose from 1 to ${limits.maxSamples} samples.` });
    const seedValue = seed.trim() === '' ? undefined : Number(seed);
    if (seedValue !== undefined && (!Number.isInteger(seedValue) || seedValue < 0 || seedValue > limits.maxSeed - n + 1)) {
      return onProblem({ code: 'BAD_REQUEST', message: `The seed is a whole number from 0 to ${limits.maxSeed - n + 1}; leave it empty for a random one.` });
    }
    const used = await onSample(n, seedValue);
    if (used !== null) setSeed(String(used));
  }

  return (
    <>
      <form className={styles.settings} onSubmit={sample} noValidate>
        {models.length > 1 && (
          <label className={styles.field}>
            <span>Model</span>
            <select value={model} onChange={(event) => router.replace(`/gan?model=${event.target.value}`)} className={styles.input} data-testid="model-select">
              {models.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.label}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className={styles.field}>
          <span>Samples</span>
          <input type="number" min={1} max={limits.maxSamples} value={count} onChange={(e) => setCount(e.target.value)} className={styles.input} data-testid="count-input" />
        </label>
        <label className={styles.field}>
          <span>Seed</span>
          <input type="number" min={0} value={seed} placeholder="random" onChange={(e) => setSeed(e.target.value)} className={`${styles.input} ${styles.seed}`} data-testid="seed-input" />
        </label>
        <button type="button" className="secondary" onClick={() => setSeed(String(randomSeed(limits.maxSeed - limits.maxSamples)))}>
          New seed
        </button>
        <button type="submit" disabled={disabled} data-testid="sample">
          {sampling ? 'Sampling…' : 'Sample'}
        </button>
      </form>
      <p className={styles.note}>
        {chosen?.description} Trained for {chosen?.epochs} epochs.
      </p>
    </>
  );
}

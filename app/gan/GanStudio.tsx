'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import type { GanResult, LatentRef } from '@/lib/gan';
import styles from './gan.module.css';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { postJson, type Failure } from '@/app/components/postJson';

interface ModelChoice {
  name: string;
  label: string;
  description: string;
  epochs: number;
}

interface Limits {
  maxSamples: number;
  maxSteps: number;
  defaultSteps: number;
  defaultAmount: number;
  maxSeed: number;
}

const VARIATIONS = 8;
const randomSeed = (max: number) => Math.floor(Math.random() * (max + 1));

/** How a latent reads on a tile: its seed, then each nudge's seed ("24~3~11" is a variation of a variation of 24). */
export const latentLabel = (latent: LatentRef) => [latent.seed, ...(latent.nudges ?? []).map((n) => n.seed)].join('~');
const sameLatent = (a: LatentRef, b: LatentRef) => JSON.stringify({ s: a.seed, n: a.nudges ?? [] }) === JSON.stringify({ s: b.seed, n: b.nudges ?? [] });

const post = (url: string, body: unknown) => postJson<GanResult>(url, body, 'The server could not draw the samples. Please try again.');

export function GanStudio({ models, initial, limits }: { models: ModelChoice[]; initial: { model: string; seed: string; count: number }; limits: Limits }) {
  const router = useRouter();
  const model = initial.model;
  const [count, setCount] = useState(String(initial.count));
  const [seed, setSeed] = useState(initial.seed);
  const [steps, setSteps] = useState(String(limits.defaultSteps));
  const [amount, setAmount] = useState(String(limits.defaultAmount));
  const [grid, setGrid] = useState<GanResult | null>(null);
  const [walk, setWalk] = useState<GanResult | null>(null);
  const [variations, setVariations] = useState<GanResult | null>(null);
  /** Up to two picked latents: the walk goes from the first to the second; "vary" varies the last. */
  const [picked, setPicked] = useState<LatentRef[]>([]);
  /** Seeds of the next variations' nudges: 1–8, then 9–16, … so their names stay short. */
  const [nudgeSeed, setNudgeSeed] = useState(1);
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const chosen = models.find((m) => m.name === model);

  async function act(label: string, work: () => Promise<void>) {
    setFailure(null);
    setBusy(label);
    try {
      await work();
    } catch (error) {
      setFailure(error as Failure);
    } finally {
      setBusy(null);
    }
  }

  function sample(event?: FormEvent) {
    event?.preventDefault();
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1 || n > limits.maxSamples) return setFailure({ code: 'BAD_REQUEST', message: `Choose from 1 to ${limits.maxSamples} samples.` });
    const seedValue = seed.trim() === '' ? undefined : Number(seed);
    if (seedValue !== undefined && (!Number.isInteger(seedValue) || seedValue < 0 || seedValue > limits.maxSeed - n + 1)) {
      return setFailure({ code: 'BAD_REQUEST', message: `The seed is a whole number from 0 to ${limits.maxSeed - n + 1}; leave it empty for a random one.` });
    }
    void act('sampling', async () => {
      const result = await post('/api/gan/samples', { model, count: n, ...(seedValue === undefined ? {} : { seed: seedValue }) });
      setGrid(result);
      setWalk(null);
      setVariations(null);
      setPicked([]);
      setSeed(String(result.seed));
      window.history.replaceState(null, '', `/gan?${new URLSearchParams({ model, seed: String(result.seed), count: String(n) })}`);
    });
  }

  function pick(latent: LatentRef) {
    setPicked((current) => {
      if (current.some((p) => sameLatent(p, latent))) return current.filter((p) => !sameLatent(p, latent));
      return [...current, latent].slice(-2);
    });
  }

  function interpolate() {
    const n = Number(steps);
    if (!Number.isInteger(n) || n < 2 || n > limits.maxSteps) return setFailure({ code: 'BAD_REQUEST', message: `Choose from 2 to ${limits.maxSteps} steps.` });
    const [from, to] = picked;
    void act('walking', async () => setWalk(await post('/api/gan/interpolate', { model, from, to, steps: n })));
  }

  function vary() {
    const a = Number(amount);
    if (!(a >= 0.05 && a <= 1)) return setFailure({ code: 'BAD_REQUEST', message: 'The amount is a number from 0.05 (a little) to 1 (as far as a fresh sample).' });
    const latent = picked.at(-1)!;
    void act('varying', async () => {
      setVariations(await post('/api/gan/vary', { model, latent, count: VARIATIONS, amount: a, seed: nudgeSeed }));
      setNudgeSeed((s) => s + VARIATIONS);
    });
  }

  const tileClass = (latent: LatentRef | null) => {
    if (!latent) return `${styles.tile} ${styles.fixed}`;
    const index = picked.findIndex((p) => sameLatent(p, latent));
    return `${styles.tile} ${index === 0 ? styles.pickA : index === 1 ? styles.pickB : ''}`;
  };

  const tiles = (result: GanResult, testId: string, walkRow = false) => (
    <ol className={`${styles.samples} ${walkRow ? styles.walk : ''}`} data-testid={testId}>
      {result.images.map((item, i) => (
        <li key={i}>
          <button
            type="button"
            className={tileClass(item.latent)}
            onClick={() => item.latent && pick(item.latent)}
            disabled={!item.latent}
            aria-pressed={item.latent ? picked.some((p) => sameLatent(p, item.latent!)) : undefined}
            title={item.latent ? `latent ${latentLabel(item.latent)}: click to pick it` : `step ${i} of ${result.images.length - 1} of the walk`}
            data-testid="gan-tile"
          >
            {/* eslint-disable-next-line @next/next/no-img-element */}
            <img src={item.image} alt={item.latent ? `sample from latent ${latentLabel(item.latent)}` : `walk step ${i}`} />
            <span className={styles.label}>{item.latent ? latentLabel(item.latent) : `${Math.round((100 * i) / (result.images.length - 1))}%`}</span>
          </button>
        </li>
      ))}
    </ol>
  );

  return (
    <section className={styles.panel} aria-label="Sample the GAN">
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
        <button type="submit" disabled={busy !== null} data-testid="sample">
          {busy === 'sampling' ? 'Sampling…' : 'Sample'}
        </button>
      </form>
      <p className={styles.note}>
        {chosen?.description} Trained for {chosen?.epochs} epochs.
      </p>
      {failure && (
        <ErrorNotice error={failure} testId="gan-error" />
      )}

      {grid && (
        <>
          {tiles(grid, 'sample-grid')}
          <div className={styles.picked} data-testid="picked">
            {picked.length === 0 ? (
              <span className="muted">Click a sample to pick it: two for a walk between them, one to vary.</span>
            ) : (
              <>
                <span className={styles.a}>from {latentLabel(picked[0])}</span>
                {picked[1] && <span className={styles.b}>to {latentLabel(picked[1])}</span>}
              </>
            )}
            <label className={styles.field}>
              <span>Steps</span>
              <input type="number" min={2} max={limits.maxSteps} value={steps} onChange={(e) => setSteps(e.target.value)} className={styles.input} />
            </label>
            <button type="button" onClick={interpolate} disabled={picked.length < 2 || busy !== null} data-testid="interpolate">
              {busy === 'walking' ? 'Walking…' : 'Walk between them'}
            </button>
            <label className={styles.field}>
              <span>Amount</span>
              <input type="number" min={0.05} max={1} step={0.05} value={amount} onChange={(e) => setAmount(e.target.value)} className={styles.input} />
            </label>
            <button type="button" className="secondary" onClick={vary} disabled={picked.length < 1 || busy !== null} data-testid="vary">
              {busy === 'varying' ? 'Varying…' : 'Vary this one'}
            </button>
          </div>
        </>
      )}

      {walk && (
        <>
          <h3 className={styles.panelHead} style={{ marginTop: 18 }}>
            Walk from {latentLabel(walk.images[0].latent!)} to {latentLabel(walk.images.at(-1)!.latent!)}
          </h3>
          <p className={styles.note}>Spherical interpolation: every point on the way is as long a vector as a typical sample, so each step is a plausible image.</p>
          {tiles(walk, 'walk', true)}
        </>
      )}
      {variations && (
        <>
          <h3 className={styles.panelHead} style={{ marginTop: 18 }}>
            Variations of {latentLabel({ ...variations.images[0].latent!, nudges: variations.images[0].latent!.nudges?.slice(0, -1) })}
          </h3>
          {tiles(variations, 'variations')}
        </>
      )}
    </section>
  );
}

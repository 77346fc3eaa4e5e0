'use client';

import { useState } from 'react';
import type { GanResult, LatentRef } from '@/lib/gan';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { postJson, type Failure } from '@/app/components/postJson';
import { GanTiles, latentLabel, sameLatent } from './GanTiles';
import { PickBar, VARIATIONS } from './PickBar';
import { SampleForm, type ModelChoice } from './SampleForm';
import styles from './gan.module.css';

export { latentLabel } from './GanTiles';

interface Limits {
  maxSamples: number;
  maxSteps: number;
  defaultSteps: number;
  defaultAmount: number;
  maxSeed: number;
}

const post = (url: string, body: unknown) => postJson<GanResult>(url, body, 'The server could not draw the samples. Please try again.');

/**
 * Sampling the GAN: a grid of samples, then, for the latents a person picks, a walk between two or
 * variations of one. One request at a time; its failure is shown above the images.
 */
export function GanStudio({ models, initial, limits }: { models: ModelChoice[]; initial: { model: string; seed: string; count: number }; limits: Limits }) {
  const model = initial.model;
  const [grid, setGrid] = useState<GanResult | null>(null);
  const [walk, setWalk] = useState<GanResult | null>(null);
  const [variations, setVariations] = useState<GanResult | null>(null);
  /** Up to two picked latents: the walk goes from the first to the second; "vary" varies the last. */
  const [picked, setPicked] = useState<LatentRef[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);

  /** Runs one request as `label` (what the busy button says); resolves with its answer, or null when it failed. */
  async function act<T>(label: string, work: () => Promise<T>): Promise<T | null> {
    setFailure(null);
    setBusy(label);
    try {
      return await work();
    } catch (error) {
      setFailure(error as Failure);
      return null;
    } finally {
      setBusy(null);
    }
  }

  async function sample(count: number, seed: number | undefined) {
    const result = await act('sampling', async () => {
      const result = await post('/api/gan/samples', { model, count, ...(seed === undefined ? {} : { seed }) });
      setGrid(result);
      setWalk(null);
      setVariations(null);
      setPicked([]);
      window.history.replaceState(null, '', `/gan?${new URLSearchParams({ model, seed: String(result.seed), count: String(count) })}`);
      return result;
    });
    return result ? result.seed : null;
  }

  function pick(latent: LatentRef) {
    setPicked((current) => {
      if (current.some((p) => sameLatent(p, latent))) return current.filter((p) => !sameLatent(p, latent));
      return [...current, latent].slice(-2);
    });
  }

  function interpolate(steps: number) {
    const [from, to] = picked;
    void act('walking', async () => setWalk(await post('/api/gan/interpolate', { model, from, to, steps })));
  }

  async function vary(amount: number, nudgeSeed: number) {
    const latent = picked.at(-1)!;
    const result = await act('varying', async () => {
      const result = await post('/api/gan/vary', { model, latent, count: VARIATIONS, amount, seed: nudgeSeed });
      setVariations(result);
      return result;
    });
    return result !== null;
  }

  return (
    <section className={styles.panel} aria-label="Sample the GAN">
      <SampleForm
        models={models}
        model={model}
        initial={initial}
        limits={limits}
        sampling={busy === 'sampling'}
        disabled={busy !== null}
        onSample={sample}
        onProblem={setFailure}
      />
      {failure && <ErrorNotice error={failure} testId="gan-error" />}

      {grid && (
        <>
          <GanTiles result={grid} testId="sample-grid" picked={picked} onPick={pick} />
          <PickBar
            picked={picked}
            busy={busy}
            defaults={{ steps: limits.defaultSteps, amount: limits.defaultAmount }}
            maxSteps={limits.maxSteps}
            onWalk={interpolate}
            onVary={vary}
            onProblem={setFailure}
          />
        </>
      )}

      {walk && (
        <>
          <h3 className={styles.panelHead} style={{ marginTop: 18 }}>
            Walk from {latentLabel(walk.images[0].latent!)} to {latentLabel(walk.images.at(-1)!.latent!)}
          </h3>
          <p className={styles.note}>Spherical interpolation: every point on the way is as long a vector as a typical sample, so each step is a plausible image.</p>
          <GanTiles result={walk} testId="walk" walk picked={picked} onPick={pick} />
        </>
      )}
      {variations && (
        <>
          <h3 className={styles.panelHead} style={{ marginTop: 18 }}>
            Variations of {latentLabel({ ...variations.images[0].latent!, nudges: variations.images[0].latent!.nudges?.slice(0, -1) })}
          </h3>
          <GanTiles result={variations} testId="variations" picked={picked} onPick={pick} />
        </>
      )}
    </section>
  );
}

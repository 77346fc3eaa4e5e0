'use client';

import { useState } from 'react';
import type { LatentRef } from '@/lib/gan';
import type { Failure } from '@/app/components/postJson';
import { latentLabel } from './GanTiles';
import styles from './gan.module.css';

/** Variations made of a latent at a time. */
export const VARIATIONS = 8;

/**
 * What is done with the picked latents: a walk of so many steps from the first to the second, or
 * variations of the last picked, nudged by so much.
 */
export function PickBar({
  picked,
  busy,
  defaults,
  maxSteps,
  onWalk,
  onVary,
  onProblem,
}: {
  picked: LatentRef[];
  /** What is under way ('walking', 'varying', …), or null. */
  busy: string | null;
  defaults: { steps: number; amount: number };
  maxSteps: number;
  onWalk: (steps: number) => void;
  /** Varies the last pick with nudges from `nudgeSeed` on; resolves with whether it did. */
  onVary: (amount: number, nudgeSeed: number) => Promise<boolean>;
  onProblem: (failure: Failure) => void;
}) {
  const [steps, setSteps] = useState(String(defaults.steps));
  const [amount, setAmount] = useState(String(defaults.amount));
  /** Seeds of the next variations' nudges: 1–8, then 9–16, … so their names stay short. */
  const [nudgeSeed, setNudgeSeed] = useState(1);

  function walk() {
    const n = Number(steps);
    if (!Number.isInteger(n) || n < 2 || n > maxSteps) return onProblem({ code: 'BAD_REQUEST', message: `Choose from 2 to ${maxSteps} steps.` });
    onWalk(n);
  }

  function vary() {
    const a = Number(amount);
    if (!(a >= 0.05 && a <= 1)) return onProblem({ code: 'BAD_REQUEST', message: 'The amount is a number from 0.05 (a little) to 1 (as far as a fresh sample).' });
    void onVary(a, nudgeSeed).then((varied) => varied && setNudgeSeed((s) => s + VARIATIONS));
  }

  return (
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
        <input type="number" min={2} max={maxSteps} value={steps} onChange={(e) => setSteps(e.target.value)} className={styles.input} />
      </label>
      <button type="button" onClick={walk} disabled={picked.length < 2 || busy !== null} data-testid="interpolate">
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
  );
}

'use client';

import { useEffect, useState } from 'react';
import type { Classification, RunCharacter } from '@/lib/oneshot';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { postJson, type Failure } from '@/app/components/postJson';
import type { PadStroke } from './DrawingPad';
import styles from './oneshot.module.css';

const percent = (p: number) => `${(100 * p).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)}%`;

/** Which of a one-shot run's 20 characters a drawing is: the chosen run, its characters (loaded), and the model's ranking. */
export function useClassifier() {
  const [run, setRun] = useState(1);
  const [characters, setCharacters] = useState<RunCharacter[] | null>(null);
  const [classification, setClassification] = useState<Classification | null>(null);
  const [classifying, setClassifying] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  useEffect(() => {
    let current = true;
    setCharacters(null);
    setClassification(null);
    fetch(`/api/oneshot/runs/${run}`)
      .then(async (response) => {
        const body = await response.json().catch(() => null);
        if (!current) return;
        if (!response.ok || !body?.characters) setFailure(body?.error ?? { code: `HTTP_${response.status}`, message: 'The run’s characters could not be loaded.' });
        else setCharacters(body.characters);
      })
      .catch(() => current && setFailure({ code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' }));
    return () => {
      current = false;
    };
  }, [run]);

  async function classify(strokes: PadStroke[]) {
    setFailure(null);
    setClassifying(true);
    try {
      const answer = await postJson<Classification | null>('/api/oneshot/classify', { strokes, run }, 'The drawing could not be classified. Please try again.');
      if (!answer?.ranking) throw { code: 'HTTP_200', message: 'The drawing could not be classified. Please try again.' } satisfies Failure;
      setClassification(answer);
    } catch (error) {
      setFailure(error as Failure);
    } finally {
      setClassifying(false);
    }
  }

  /** The drawing changed: its ranking no longer holds. */
  function forget() {
    setClassification(null);
    setFailure(null);
  }

  return { run, setRun, characters, classification, classifying, failure, classify, forget };
}

/** The model's answer — a character, or none of them — and its three best guesses, with their probabilities. */
function Ranking({ classification, characters }: { classification: Classification; characters: RunCharacter[] | null }) {
  const top = classification.ranking.slice(0, 3);
  const details = `${classification.ms} ms · model version ${classification.modelVersion}`;
  return (
    <div className={styles.section} data-testid="ranking">
      {classification.noneOfThese ? (
        <p className="status" data-testid="classify-answer" data-none="true">
          <strong>None of these:</strong> no character of run {classification.run} fits your drawing well enough. The closest is {top[0]?.name}, with{' '}
          {percent(top[0]?.probability ?? 0)} of the probability shared among the 20, but its fit is poor. · {details}
        </p>
      ) : (
        <p className="status" data-testid="classify-answer" data-none="false">
          Most likely <strong>{classification.answer?.name ?? top[0]?.name}</strong> ({percent(top[0]?.probability ?? 0)}) · {details}
        </p>
      )}
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
  );
}

/** A run's 20 characters, each marked with its place in the ranking once there is one. */
function RunCharacters({ run, characters, classification }: { run: number; characters: RunCharacter[]; classification: Classification | null }) {
  const rankOf = new Map(classification?.ranking.map((r, position) => [r.index, { ...r, position }]) ?? []);
  return (
    <ol className={styles.characters} aria-label={`The 20 characters of run ${run}`} data-testid="run-characters">
      {characters.map((c) => {
        const ranked = rankOf.get(c.index);
        // "None of these": no character is marked as the answer, only the three closest.
        const answered = classification?.noneOfThese !== true;
        const tone = ranked ? (ranked.position === 0 && answered ? styles.top1 : ranked.position < 3 ? styles.top3 : styles.faded) : '';
        return (
          <li key={c.index} className={`${styles.character} ${tone}`} data-testid="run-character" data-name={c.name} data-rank={ranked ? ranked.position + 1 : undefined}>
            {/* eslint-disable-next-line @next/next/no-img-element */}
            <img src={c.image} alt={c.name} />
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
  );
}

/** "Which character is it?": the one-shot run to compare with, the ranking, and the run's characters. */
export function ClassifyPanel({ classifier, runCount, onClassify }: { classifier: ReturnType<typeof useClassifier>; runCount: number; onClassify: () => void }) {
  const { run, characters, classification, failure } = classifier;
  return (
    <section className={`${styles.panel} ${styles.section}`} aria-label="Which character is it?">
      <h2 className={styles.panelHead}>Which character is it?</h2>
      <div className={styles.settings}>
        <label className={styles.field}>
          <span>One-shot run</span>
          <select value={run} onChange={(e) => classifier.setRun(Number(e.target.value))} className={styles.input} data-testid="run-select">
            {Array.from({ length: runCount }, (_, i) => (
              <option key={i + 1} value={i + 1}>
                Run {i + 1}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className={styles.primary} onClick={onClassify} disabled={classifier.classifying} data-testid="classify">
          {classifier.classifying ? 'Comparing…' : 'Which character is it?'}
        </button>
      </div>
      <p className={styles.note}>
        Each run of Lake et al.&apos;s one-shot test has 20 characters from alphabets the model never saw, each drawn once. The model scores your
        drawing as another drawing of each and ranks them; when none fits well enough, it says &ldquo;none of these&rdquo;.
      </p>
      {failure && <ErrorNotice error={failure} testId="classify-error" />}
      {classification && <Ranking classification={classification} characters={characters} />}
      {characters ? <RunCharacters run={run} characters={characters} classification={classification} /> : !failure && <p className="status">Loading run {run}…</p>}
    </section>
  );
}

'use client';

import { useEffect, useState } from 'react';
import type { FigureView } from '@/lib/foundations';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { ScrollBox } from '@/app/components/ScrollBox';
import { postJson, type Failure } from '@/app/components/postJson';
import styles from './foundations.module.css';

export interface FigureChoice {
  name: string;
  label: string;
  /** The button that draws new examples ("another patch"), or null when the figure has none. */
  reseed: string | null;
}

/** Pixels shown per image pixel: small patches are blown up more than 28×28 digits. */
const scaleFor = (width: number) => (width <= 12 ? 5 : width <= 32 ? 2 : 1);

/**
 * The narrowest a grid's column gets on a narrow screen, in CSS pixels: pictures shrink to fit the
 * screen down to this, and a grid still wider than that scrolls inside its own box.
 */
const minColumn = (pictures: FigureView['panels'][number]['pictures']) =>
  Math.min(32, ...pictures.map((picture) => picture.width * scaleFor(picture.width)));

/** A figure as the model server drew it: its panels of pictures, its caption and its facts (faded while the next one is drawn). */
function Figure({ figure, stale }: { figure: FigureView; stale: boolean }) {
  return (
    <figure className={`${styles.figure} ${stale ? styles.stale : ''}`}>
      {figure.panels.map((panel) => (
        <section key={panel.title} className={styles.panel}>
          <h4>{panel.title}</h4>
          <ScrollBox label={panel.title}>
            <ul className={styles.grid} style={{ gridTemplateColumns: `repeat(${panel.columns}, minmax(${minColumn(panel.pictures)}px, max-content))` }}>
              {panel.pictures.map((picture, i) => (
                <li key={i}>
                  {/* eslint-disable-next-line @next/next/no-img-element */}
                  <img src={picture.image} alt={picture.label ?? `${panel.title} ${i + 1}`} width={picture.width * scaleFor(picture.width)} height={picture.height * scaleFor(picture.width)} />
                  {picture.label && <span>{picture.label}</span>}
                </li>
              ))}
            </ul>
          </ScrollBox>
          {panel.note && <p className={styles.note}>{panel.note}</p>}
        </section>
      ))}
      <figcaption className={styles.caption}>{figure.caption}</figcaption>
      {figure.facts.length > 0 && (
        <dl className={styles.facts}>
          {figure.facts.map((fact) => (
            <div key={fact.label}>
              <dt>{fact.label}</dt>
              <dd>{fact.value}</dd>
            </div>
          ))}
        </dl>
      )}
    </figure>
  );
}

/**
 * One block's figures: a tab per figure, drawn by the model server from the block's checkpoint;
 * "another …" draws the same figure with the next seed.
 */
export function FigureExplorer({ block, figures }: { block: string; figures: FigureChoice[] }) {
  const [chosen, setChosen] = useState(figures[0]);
  const [seed, setSeed] = useState(0);
  const [figure, setFigure] = useState<FigureView | null>(null);
  const [busy, setBusy] = useState(true);
  /** Still drawing after a moment: most likely the block's checkpoint is loading for the first time. */
  const [slow, setSlow] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  useEffect(() => {
    let current = true;
    setBusy(true);
    setSlow(false);
    setFailure(null);
    const hint = setTimeout(() => current && setSlow(true), 1500);
    postJson<FigureView>('/api/foundations/figure', { block, figure: chosen.name, seed }, 'The server could not draw this figure. Please try again.')
      .then((answer) => current && setFigure(answer))
      .catch((error: Failure) => current && setFailure(error))
      .finally(() => {
        clearTimeout(hint);
        if (current) setBusy(false);
      });
    return () => {
      current = false;
      clearTimeout(hint);
    };
  }, [block, chosen, seed]);

  return (
    <div className={styles.explorer} data-testid={`figure-${block}`} aria-busy={busy}>
      <div className={styles.toolbar}>
        {figures.length > 1 && (
          <div role="tablist" className={styles.tabs}>
            {figures.map((f) => (
              <button
                key={f.name}
                role="tab"
                aria-selected={f.name === chosen.name}
                className={f.name === chosen.name ? undefined : 'secondary'}
                onClick={() => {
                  setChosen(f);
                  setSeed(0);
                }}
              >
                {f.label}
              </button>
            ))}
          </div>
        )}
        {chosen.reseed && (
          <button className="secondary" onClick={() => setSeed((s) => s + 1)} disabled={busy}>
            Show {chosen.reseed}
          </button>
        )}
        <span className={styles.status} role="status">
          {busy ? (slow ? 'Loading the checkpoint — the first figure of a block can take a few seconds…' : 'Drawing from the checkpoint…') : figure ? `seed ${figure.seed} · ${figure.modelVersion}` : ''}
        </span>
      </div>
      {failure && <ErrorNotice error={failure} testId={`figure-error-${block}`} />}
      {figure && !failure && <Figure figure={figure} stale={busy} />}
    </div>
  );
}

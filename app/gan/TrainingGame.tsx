'use client';

import { useState } from 'react';
import type { ServedGan } from '@/lib/gan';
import styles from './gan.module.css';

interface Series {
  label: string;
  color: string;
  values: number[];
}

const WIDTH = 420;
const HEIGHT = 200;
const PAD = { left: 38, right: 10, top: 10, bottom: 26 };

/** A line chart of several series over the epochs. */
function Chart({ title, epochs, series, yMin, yMax, testId }: { title: string; epochs: number[]; series: Series[]; yMin: number; yMax: number; testId: string }) {
  const xMax = Math.max(1, ...epochs);
  const x = (e: number) => PAD.left + (e / xMax) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (Math.min(yMax, Math.max(yMin, v)) - yMin) / (yMax - yMin)) * (HEIGHT - PAD.top - PAD.bottom);
  const ticks = [yMin, (yMin + yMax) / 2, yMax];
  return (
    <figure style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title} data-testid={testId}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} stroke="#262a33" />
            <text x={PAD.left - 6} y={y(t) + 4} fontSize="11" fill="#8b93a3" textAnchor="end">
              {t.toFixed(1)}
            </text>
          </g>
        ))}
        <text x={(WIDTH + PAD.left) / 2} y={HEIGHT - 6} fontSize="11" fill="#8b93a3" textAnchor="middle">
          epoch (0 – {xMax.toFixed(0)})
        </text>
        {series.map((s) => (
          <polyline key={s.label} fill="none" stroke={s.color} strokeWidth="1.8" points={s.values.map((v, i) => `${x(epochs[i]).toFixed(1)},${y(v).toFixed(1)}`).join(' ')} />
        ))}
      </svg>
      <figcaption className={styles.legend}>
        <strong style={{ color: 'var(--text)' }}>{title}</strong>
        {series.map((s) => (
          <span key={s.label}>
            <span className={styles.swatch} style={{ background: s.color }} />
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** The game as it was played: the training curves, and the same 16 latents' samples epoch by epoch. */
export function TrainingGame({ model }: { model: ServedGan }) {
  const [snapshot, setSnapshot] = useState(model.snapshots.length - 1);
  const epochs = model.history.map((h) => h.epoch);
  const losses = model.history.flatMap((h) => [h.discriminatorLoss, h.generatorLoss]);
  return (
    <section className={styles.panel} aria-label="The two-player game" data-testid="training-game">
      <h2 className={styles.panelHead}>The game, as it was played</h2>
      <p className={styles.note}>
        While training, the discriminator D learns to say “real” (D → 1) to real images and “fake” (D → 0) to the generator&apos;s; the generator G learns
        to make D say “real”. The game&apos;s ideal end is a D that cannot tell (D = ½ for both); in practice D keeps an edge, and the curves level off
        where neither player gains. Trained on {model.trainedOn}.
      </p>
      <div className={styles.curves} style={{ marginTop: 12 }}>
        <Chart
          title="Losses"
          testId="loss-chart"
          epochs={epochs}
          yMin={0}
          yMax={Math.ceil(Math.max(2, ...losses))}
          series={[
            { label: 'D loss', color: '#7aa2ff', values: model.history.map((h) => h.discriminatorLoss) },
            { label: 'G loss (non-saturating)', color: '#f0a35e', values: model.history.map((h) => h.generatorLoss) },
          ]}
        />
        <Chart
          title="What D believes"
          testId="belief-chart"
          epochs={epochs}
          yMin={0}
          yMax={1}
          series={[
            { label: 'D(x), real images', color: '#6fd39b', values: model.history.map((h) => h.realScore) },
            { label: 'D(G(z)), samples', color: '#e57a8c', values: model.history.map((h) => h.fakeScore) },
          ]}
        />
      </div>
      <div className={styles.replay}>
        <label htmlFor="snapshot">{snapshot === 0 ? 'Before training' : `After epoch ${snapshot}`}</label>
        <input id="snapshot" type="range" min={0} max={model.snapshots.length - 1} value={snapshot} onChange={(e) => setSnapshot(Number(e.target.value))} data-testid="snapshot-slider" />
        <span className="muted">the same 16 latent vectors (seeds 0–15)</span>
      </div>
      <ol className={styles.samples} data-testid="snapshot">
        {model.snapshots[snapshot].map((image, i) => (
          <li key={i} className={`${styles.tile} ${styles.fixed}`}>
            {/* eslint-disable-next-line @next/next/no-img-element */}
            <img src={image} alt={`latent ${i} ${snapshot === 0 ? 'before training' : `after epoch ${snapshot}`}`} />
          </li>
        ))}
      </ol>
    </section>
  );
}

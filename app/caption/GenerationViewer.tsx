'use client';

import { useState } from 'react';
import type { CaptionGeneration } from '@/lib/caption';
import { AlignmentHeatmap } from './AlignmentHeatmap';
import { DrawingReplay } from './DrawingReplay';
import styles from './caption.module.css';

/**
 * A stored caption drawing: its images (click one to look closer), and for the chosen one the
 * replay of its drawing steps with the write box, next to its word-alignment heatmap.
 */
export function GenerationViewer({ generation, initialSample = null }: { generation: CaptionGeneration; initialSample?: number | null }) {
  const [selected, setSelected] = useState<number | null>(initialSample);
  const steps = generation.result?.steps ?? 0;
  const [step, setStep] = useState(steps);
  const canvas = generation.canvas;
  const output = generation.result;

  const choose = (index: number) => {
    setSelected(index);
    setStep(steps);
  };

  return (
    <div>
      <ol className={styles.samples} aria-label="Drawn images" data-testid="result-images">
        {generation.images.map((image, i) => (
          <li key={i}>
            <button
              type="button"
              className={`${styles.sample} ${selected === i ? styles.selected : ''}`}
              aria-pressed={selected === i}
              aria-label={`Image ${i + 1}: show how it was drawn and which words it attended to`}
              onClick={() => choose(i)}
              data-testid="result-image"
              data-sha256={image.sha256}
            >
              {/* eslint-disable-next-line @next/next/no-img-element */}
              <img src={image.url} alt={`Image ${i + 1} drawn for “${generation.params.caption}”`} className={styles.pixelated} />
            </button>
          </li>
        ))}
      </ol>
      {selected === null && output && <p className="status">Click an image to see which words each drawing step attended to, and replay its drawing.</p>}
      {selected !== null && output && canvas && (
        <section className={styles.detail} data-testid="sample-detail" aria-label={`Image ${selected + 1} in detail`}>
          <div>
            <h3 className={styles.detailHead}>Image {selected + 1}: how it was drawn</h3>
            {generation.strips[selected] ? (
              <DrawingReplay
                stripUrl={generation.strips[selected].url}
                frames={generation.strips[selected].frames}
                shape={canvas}
                boxes={output.writeBoxes[selected] ?? []}
                step={Math.max(1, Math.min(step, generation.strips[selected].frames))}
                onStep={setStep}
                label={`Image ${selected + 1}`}
              />
            ) : (
              <p className="status">The drawing steps of this image were not stored.</p>
            )}
          </div>
          <div>
            <h3 className={styles.detailHead}>Which words each step attended to</h3>
            <AlignmentHeatmap words={output.words} alignment={output.alignments[selected] ?? []} activeStep={step} onStep={setStep} />
          </div>
        </section>
      )}
    </div>
  );
}

'use client';

import { useEffect, useRef, useState } from 'react';
import type { Box } from '@/models/align-draw';
import { loadImage, paintFrame, SCALE, type Shape } from './canvas';
import styles from './caption.module.css';

/**
 * Replays one sample's drawing from its stored film strip: a slider over the steps, the canvas
 * after that step, and the write-attention box of that step outlined.
 */
export function DrawingReplay({
  stripUrl,
  frames,
  shape,
  boxes,
  step,
  onStep,
  label,
}: {
  stripUrl: string;
  frames: number;
  shape: Shape;
  boxes: Box[];
  step: number;
  onStep: (step: number) => void;
  label: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [strip, setStrip] = useState<HTMLImageElement | null>(null);
  const [failed, setFailed] = useState(false);
  const [playing, setPlaying] = useState(false);

  useEffect(() => {
    let live = true;
    setStrip(null);
    setFailed(false);
    loadImage(stripUrl).then(
      (image) => live && setStrip(image),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [stripUrl]);

  useEffect(() => {
    if (strip && canvas.current) paintFrame(canvas.current, strip, Math.min(frames, Math.max(1, step)) - 1, shape, boxes[step - 1]);
  }, [strip, step, frames, shape, boxes]);

  useEffect(() => {
    if (!playing) return;
    const timer = setTimeout(() => {
      if (step >= frames) setPlaying(false);
      else onStep(step + 1);
    }, 220);
    return () => clearTimeout(timer);
  }, [playing, step, frames, onStep]);

  const box = boxes[step - 1];
  return (
    <div className={styles.replay}>
      <canvas
        ref={canvas}
        width={shape.width * SCALE}
        height={shape.height * SCALE}
        className={styles.replayCanvas}
        role="img"
        aria-label={`${label} after drawing step ${step} of ${frames}`}
        data-testid="replay-canvas"
        data-step={strip ? step : 0}
      />
      {failed && <p className="status">The stored drawing steps could not be loaded.</p>}
      <div className={styles.replayControls}>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            if (!playing && step >= frames) onStep(1);
            setPlaying(!playing);
          }}
          data-testid="replay-play"
        >
          {playing ? 'Pause' : 'Play'}
        </button>
        <label className={styles.slider}>
          <span className={styles.visuallyHidden}>Drawing step</span>
          <input
            type="range"
            min={1}
            max={frames}
            value={step}
            onChange={(event) => {
              setPlaying(false);
              onStep(Number(event.target.value));
            }}
            data-testid="replay-step"
          />
        </label>
        <span className={styles.stepLabel} data-testid="replay-label">
          step {step} of {frames}
        </span>
      </div>
      {box && (
        <p className={styles.note}>
          Write attention at this step (outlined): {Math.round(box.width)}×{Math.round(box.height)} px at ({Math.round(box.x)}, {Math.round(box.y)}).
        </p>
      )}
    </div>
  );
}

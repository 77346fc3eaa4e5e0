'use client';

import { useEffect, useMemo, useRef } from 'react';
import type { Box } from '@/models/align-draw';
import { paintBytes, SCALE, type Shape } from './canvas';
import styles from './caption.module.css';

/** The model's canvases at the latest step shown, with each one's write-attention box. */
export interface LiveFrame {
  shape: Shape;
  canvases: Uint8Array[];
  boxes: Box[];
}

function LiveCanvas({ bytes, shape, box, label }: { bytes: Uint8Array | undefined; shape: Shape; box: Box | undefined; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current && bytes) paintBytes(canvas.current, bytes, shape, box);
  }, [bytes, shape, box]);
  // How much ink the canvas holds, for a person's screen reader and the tests.
  const ink = useMemo(() => (bytes ? bytes.reduce((sum, v) => sum + v, 0) : 0), [bytes]);
  return (
    <canvas
      ref={canvas}
      width={shape.width * SCALE}
      height={shape.height * SCALE}
      className={styles.liveCanvas}
      role="img"
      aria-label={label}
      data-testid="live-canvas"
      data-ink={ink}
    />
  );
}

/** The images as the model draws them, step by step; the write boxes are outlined while it draws. */
export function LiveDrawing({ count, frame, drawing }: { count: number; frame: LiveFrame | null; drawing: boolean }) {
  const shape: Shape = frame?.shape ?? { width: 60, height: 60, channels: 1 };
  return (
    <ol className={styles.samples} aria-label="Images being drawn" data-testid="live-grid">
      {Array.from({ length: count }, (_, i) => (
        <li key={i} className={styles.sample}>
          <LiveCanvas bytes={frame?.canvases[i]} shape={shape} box={drawing ? frame?.boxes[i] : undefined} label={`Image ${i + 1} being drawn`} />
        </li>
      ))}
    </ol>
  );
}

'use client';

import { useEffect, useRef, type PointerEvent } from 'react';
import styles from './oneshot.module.css';

export interface PadPoint {
  x: number;
  y: number;
  t: number;
}
export type PadStroke = PadPoint[];

/** Omniglot's frame and pen (lib/strokes: CANVAS_SIZE, PEN_WIDTH), so the pad shows what the model reads. */
const FRAME = 105;
const PEN_WIDTH = 4.7;
/** Backing-store pixels per frame pixel; CSS scales the canvas to its column. */
const SCALE = 4;

const round = (v: number) => Math.round(v * 100) / 100;

function paint(canvas: HTMLCanvasElement, strokes: PadStroke[]): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.strokeStyle = '#000';
  context.fillStyle = '#000';
  context.lineWidth = PEN_WIDTH * SCALE;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  for (const stroke of strokes) {
    if (stroke.length === 1) {
      context.beginPath();
      context.arc(stroke[0].x * SCALE, stroke[0].y * SCALE, (PEN_WIDTH * SCALE) / 2, 0, 2 * Math.PI);
      context.fill();
      continue;
    }
    context.beginPath();
    stroke.forEach((p, i) => (i === 0 ? context.moveTo(p.x * SCALE, p.y * SCALE) : context.lineTo(p.x * SCALE, p.y * SCALE)));
    context.stroke();
  }
}

/**
 * A canvas to draw one character on, with a mouse, a pen or a finger (pointer events). Strokes are
 * recorded in Omniglot's 105×105 frame whatever size the canvas is shown at, each point with the
 * milliseconds since the drawing began. Ctrl+Z or ⌘Z undoes the last stroke.
 */
export function DrawingPad({ strokes, onChange, disabled }: { strokes: PadStroke[]; onChange: (strokes: PadStroke[]) => void; disabled?: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const current = useRef<PadStroke | null>(null);
  const startedAt = useRef<number | null>(null);

  useEffect(() => {
    if (canvas.current) paint(canvas.current, strokes);
    if (strokes.length === 0) startedAt.current = null;
  }, [strokes]);

  // Ctrl+Z (⌘Z on a Mac) takes back the last stroke, as the Undo button does, wherever the focus
  // is, except in a field that has its own undo.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== 'z' || !(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])')) return;
      if (disabled || current.current || strokes.length === 0) return;
      event.preventDefault();
      onChange(strokes.slice(0, -1));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [strokes, onChange, disabled]);

  const pointAt = (event: PointerEvent<HTMLCanvasElement>): PadPoint => {
    const rect = event.currentTarget.getBoundingClientRect();
    startedAt.current ??= event.timeStamp;
    const clamp = (v: number) => Math.min(FRAME, Math.max(0, v));
    return {
      x: round(clamp(((event.clientX - rect.left) / rect.width) * FRAME)),
      y: round(clamp(((event.clientY - rect.top) / rect.height) * FRAME)),
      t: Math.max(0, Math.round(event.timeStamp - startedAt.current)),
    };
  };

  const down = (event: PointerEvent<HTMLCanvasElement>) => {
    if (disabled || (event.pointerType === 'mouse' && event.button !== 0)) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    current.current = [pointAt(event)];
    if (canvas.current) paint(canvas.current, [...strokes, current.current]);
  };

  const move = (event: PointerEvent<HTMLCanvasElement>) => {
    if (!current.current) return;
    const point = pointAt(event);
    const last = current.current[current.current.length - 1];
    if (Math.hypot(point.x - last.x, point.y - last.y) < 0.5) return; // sub-pixel jitter adds nothing
    current.current.push(point);
    if (canvas.current) paint(canvas.current, [...strokes, current.current]);
  };

  const up = () => {
    const stroke = current.current;
    current.current = null;
    if (stroke) onChange([...strokes, stroke]);
  };

  return (
    <canvas
      ref={canvas}
      width={FRAME * SCALE}
      height={FRAME * SCALE}
      className={styles.pad}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
      role="img"
      aria-label={`Drawing canvas: ${strokes.length} ${strokes.length === 1 ? 'stroke' : 'strokes'}`}
      data-testid="drawing-pad"
      data-strokes={strokes.length}
    />
  );
}

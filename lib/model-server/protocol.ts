/** Messages between the model server and its worker threads. */
import type { ProgressEvent } from './types';

export type ToWorker =
  | { type: 'run'; batchId: number; model: string; module: string; inputs: unknown[] }
  | { type: 'cancel'; batchId: number; index: number };

export type FromWorker =
  | { type: 'ready'; backend: string; skipped: string[] }
  | { type: 'progress'; batchId: number; index: number; event: ProgressEvent }
  | { type: 'done'; batchId: number; outputs: unknown[]; version: string; runMs: number }
  | { type: 'failed'; batchId: number; message: string; code?: string };

/** The ArrayBuffers inside a message, so they move to the other thread instead of being copied. */
export function transferables(value: unknown, found: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    // Only whole buffers can move; a view into a larger buffer (Node's Buffer pool) is copied.
    if (value.buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) {
      found.add(value.buffer);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) transferables(item, found);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) transferables(item, found);
  }
  return [...found];
}

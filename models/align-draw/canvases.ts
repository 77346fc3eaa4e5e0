/**
 * Photos as 32×32 colour canvases, the picture the photo models draw (Corel-5k, Flickr8k): each
 * photo shrunk the way an upload is (cover-crop, then resize), kept as bytes in the cache
 * directory so that it is done once, and copied out as [0, 1] values, mirrored if asked.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { toModelInput } from '@/lib/images';

/** Canvas side, pixels. */
export const CANVAS = 32;
export const CHANNELS = 3;
/** Values in one canvas: 32 × 32 × 3, channels last. */
export const CANVAS_SIZE = CANVAS * CANVAS * CHANNELS;

/**
 * Every photo in `files` as a canvas, [photos × 32·32·3] bytes in `files` order: read from
 * `cacheFile` when it holds exactly that many, shrunk and written there (atomically) otherwise.
 */
export async function shrunkCanvases(files: readonly string[], cacheFile: string, onProgress?: (done: number, total: number) => void): Promise<Uint8Array> {
  const expected = files.length * CANVAS_SIZE;
  if (fs.existsSync(cacheFile)) {
    const bytes = await fsp.readFile(cacheFile);
    if (bytes.byteLength === expected) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const pixels = new Uint8Array(expected);
  for (const [i, file] of files.entries()) {
    const input = await toModelInput(await fsp.readFile(file), CANVAS);
    for (let k = 0; k < CANVAS_SIZE; k++) pixels[i * CANVAS_SIZE + k] = Math.round(input.pixels[k] * 255);
    if ((i + 1) % 100 === 0 || i + 1 === files.length) onProgress?.(i + 1, files.length);
  }
  await fsp.mkdir(path.dirname(cacheFile), { recursive: true });
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, pixels);
  await fsp.rename(tmp, cacheFile);
  return pixels;
}

/** Copies canvas `item` of `pixels` into `out` at `offset` as [0, 1] values, mirrored left–right if asked. */
export function copyCanvas(pixels: Uint8Array, item: number, out: Float32Array, offset: number, mirror: boolean): void {
  const source = item * CANVAS_SIZE;
  for (let y = 0; y < CANVAS; y++) {
    for (let x = 0; x < CANVAS; x++) {
      const from = source + (y * CANVAS + (mirror ? CANVAS - 1 - x : x)) * CHANNELS;
      const to = offset + (y * CANVAS + x) * CHANNELS;
      for (let c = 0; c < CHANNELS; c++) out[to + c] = pixels[from + c] / 255;
    }
  }
}

/** Drawing the model's canvases in the browser: raw bytes or a film-strip frame, scaled up crisply, with the write box. */
import type { Box } from '@/models/align-draw';

export interface Shape {
  width: number;
  height: number;
  channels: 1 | 3;
}

/** How many screen pixels a canvas pixel gets in the backing store (CSS scales further, pixelated). */
export const SCALE = 4;

export function bytesFromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const sources = new WeakMap<HTMLCanvasElement, HTMLCanvasElement>();

/** Paints `height × width × channels` bytes (0 = black) onto `target`, nearest-neighbour, then the write box. */
export function paintBytes(target: HTMLCanvasElement, bytes: Uint8Array, shape: Shape, box?: Box | null): void {
  const { width, height, channels } = shape;
  let source = sources.get(target);
  if (!source) {
    source = document.createElement('canvas');
    sources.set(target, source);
  }
  source.width = width;
  source.height = height;
  const image = new ImageData(width, height);
  for (let p = 0, n = width * height; p < n; p++) {
    const o = p * 4;
    if (channels === 1) {
      image.data[o] = image.data[o + 1] = image.data[o + 2] = bytes[p];
    } else {
      image.data[o] = bytes[p * 3];
      image.data[o + 1] = bytes[p * 3 + 1];
      image.data[o + 2] = bytes[p * 3 + 2];
    }
    image.data[o + 3] = 255;
  }
  source.getContext('2d')!.putImageData(image, 0, 0);
  paintSource(target, source, 0, width, height, box);
}

/** Paints frame `frame` of a film strip (frames side by side) onto `target`, then the write box. */
export function paintFrame(target: HTMLCanvasElement, strip: CanvasImageSource, frame: number, shape: Shape, box?: Box | null): void {
  paintSource(target, strip, frame * shape.width, shape.width, shape.height, box);
}

function paintSource(target: HTMLCanvasElement, source: CanvasImageSource, sx: number, width: number, height: number, box?: Box | null): void {
  const context = target.getContext('2d');
  if (!context) return;
  context.imageSmoothingEnabled = false;
  context.clearRect(0, 0, target.width, target.height);
  context.drawImage(source, sx, 0, width, height, 0, 0, target.width, target.height);
  if (box) {
    // The write window may reach past the canvas; outline the part of it that is on the canvas.
    const fx = target.width / width;
    const fy = target.height / height;
    const x0 = Math.max(0, box.x) * fx;
    const y0 = Math.max(0, box.y) * fy;
    const x1 = Math.min(width, box.x + box.width) * fx;
    const y1 = Math.min(height, box.y + box.height) * fy;
    if (x1 <= x0 || y1 <= y0) return;
    context.strokeStyle = 'rgba(255, 196, 87, 0.95)';
    context.lineWidth = 2;
    context.strokeRect(x0 + 1, y0 + 1, Math.max(2, x1 - x0 - 2), Math.max(2, y1 - y0 - 2));
  }
}

/** Loads an image (a film strip) once per URL. */
const strips = new Map<string, Promise<HTMLImageElement>>();
export function loadImage(url: string): Promise<HTMLImageElement> {
  let loading = strips.get(url);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = () => {
        strips.delete(url);
        reject(new Error(`could not load ${url}`));
      };
      image.src = url;
    });
    strips.set(url, loading);
  }
  return loading;
}

/**
 * The photos learned-features trains and is measured on, as size × size × 3 pixel arrays prepared
 * the way an upload is (`toModelInput`: cover-resize, centre crop). Decoding 10,000 JPEGs takes
 * about a minute, so each set is cached in CACHE_DIR as bytes, keyed by its name and size.
 *
 * Training photos only feed the patches: Corel-5k's train split and Flickr8k's train split
 * (Flickr8k's dev and test photos are never read here).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '@/lib/env';
import { toModelInput } from '@/lib/images';

/** Flickr8k's training photos (absolute paths), read from its annotations' `split` field. */
export async function flickr8kTrainFiles(dataDir: string = env.DATA_DIR): Promise<string[]> {
  const dir = path.join(dataDir, 'flickr8k');
  const text = await fsp.readFile(path.join(dir, 'annotations.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { file: string; split: string })
    .filter((r) => r.split === 'train')
    .map((r) => path.join(dir, r.file));
}

/** Pixels of `files` at `size`, one Float32Array per photo, from `CACHE_DIR/<name>-<size>.u8` when present. */
export async function photoPixels(
  files: string[],
  size: number,
  name: string,
  options: { cacheDir?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<Float32Array[]> {
  const per = size * size * 3;
  const file = path.join(options.cacheDir ?? env.CACHE_DIR, `${name}-${files.length}-${size}.u8`);
  let bytes: Uint8Array;
  if (fs.existsSync(file) && fs.statSync(file).size === files.length * per) {
    bytes = new Uint8Array(await fsp.readFile(file));
  } else {
    bytes = new Uint8Array(files.length * per);
    const batch = 32;
    for (let start = 0; start < files.length; start += batch) {
      const inputs = await Promise.all(files.slice(start, start + batch).map(async (f) => toModelInput(await fsp.readFile(f), size)));
      inputs.forEach((input, i) => {
        const at = (start + i) * per;
        for (let j = 0; j < per; j++) bytes[at + j] = Math.round(input.pixels[j] * 255);
      });
      options.onProgress?.(Math.min(start + batch, files.length), files.length);
    }
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, bytes);
    await fsp.rename(tmp, file);
  }
  return files.map((_, i) => Float32Array.from(bytes.subarray(i * per, (i + 1) * per), (v) => v / 255));
}

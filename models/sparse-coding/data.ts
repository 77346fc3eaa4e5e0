/**
 * Grey 12×12 patches of the Corel-5k photos (lib/datasets/corel5k.ts): training patches from the
 * 4,500 training photos, held-out patches from the 499 test photos. A photo is decoded with sharp
 * to grey levels in [0, 1]; each patch has its own mean (DC) removed, as O&F's whitening filter
 * removed it. Positions come from a seeded stream, so a seed always gives the same patches.
 */
import sharp from 'sharp';
import { loadCorel5k, testItems, trainItems, type CorelItem, type CorelSplit } from '@/lib/datasets';
import { mulberry32 } from '@/lib/random';
import { PATCH_PIXELS, PATCH_SIZE } from './model';

export const DATA_DESCRIPTION = `${PATCH_SIZE}×${PATCH_SIZE} grey patches (each patch's mean removed) sampled at seeded random positions from the Corel-5k photos (192×128 JPEGs): training patches from the 4,500 training photos, held-out patches from the 499 test photos`;

export interface GreyPhoto {
  id: string;
  width: number;
  height: number;
  /** Grey levels in [0, 1], row-major. */
  grey: Float32Array;
}

export async function decodeGrey(item: CorelItem): Promise<GreyPhoto> {
  const { data, info } = await sharp(item.file).greyscale().raw().toBuffer({ resolveWithObject: true });
  const channels = info.channels;
  const grey = new Float32Array(info.width * info.height);
  for (let i = 0; i < grey.length; i++) grey[i] = data[i * channels] / 255;
  return { id: item.id, width: info.width, height: info.height, grey };
}

let photos: Promise<Record<CorelSplit, CorelItem[]>> | null = null;

/** The Corel-5k photo lists by split (loaded once); a clear error where DATA_DIR lacks them. */
export function corelPhotos(): Promise<Record<CorelSplit, CorelItem[]>> {
  photos ??= loadCorel5k()
    .then((dataset) => ({ train: trainItems(dataset), test: testItems(dataset) }))
    .catch((error: unknown) => {
      photos = null;
      throw new Error(`sparse coding needs the Corel-5k photos under DATA_DIR/corel5k (${error instanceof Error ? error.message : String(error)})`);
    });
  return photos;
}

/** The patch at (x, y) of a photo, with its own mean removed. */
export function cutPatch(photo: GreyPhoto, x: number, y: number): Float32Array {
  const patch = new Float32Array(PATCH_PIXELS);
  let mean = 0;
  for (let r = 0; r < PATCH_SIZE; r++) {
    for (let c = 0; c < PATCH_SIZE; c++) {
      const v = photo.grey[(y + r) * photo.width + x + c];
      patch[r * PATCH_SIZE + c] = v;
      mean += v;
    }
  }
  mean /= PATCH_PIXELS;
  for (let j = 0; j < PATCH_PIXELS; j++) patch[j] -= mean;
  return patch;
}

export interface PatchSet {
  count: number;
  /** `count × 144`, DC removed. */
  patches: Float32Array;
  /** Where each came from. */
  sources: { photo: string; x: number; y: number }[];
}

/**
 * `perPhoto` patches from each photo of a split (every photo in file order), at positions drawn
 * from mulberry32(`seed`).
 */
export async function samplePatches(split: CorelSplit, perPhoto: number, seed: number, onPhoto?: (done: number, total: number) => void): Promise<PatchSet> {
  const items = (await corelPhotos())[split];
  const random = mulberry32(seed);
  const count = items.length * perPhoto;
  const patches = new Float32Array(count * PATCH_PIXELS);
  const sources: PatchSet['sources'] = [];
  for (const [index, item] of items.entries()) {
    const photo = await decodeGrey(item);
    for (let p = 0; p < perPhoto; p++) {
      const x = Math.floor(random() * (photo.width - PATCH_SIZE + 1));
      const y = Math.floor(random() * (photo.height - PATCH_SIZE + 1));
      patches.set(cutPatch(photo, x, y), sources.length * PATCH_PIXELS);
      sources.push({ photo: item.id, x, y });
    }
    onPhoto?.(index + 1, items.length);
  }
  return { count, patches, sources };
}

/**
 * The index of Corel-5k's training photos that ships with the Corel-5k tagger's checkpoint, so that
 * tags → photos answers at once on a fresh install: every training photo's DBM code, quantised to
 * one byte a value (codes are probabilities in [0, 1]; at a step of 1/255, 99.8% of a search's top
 * 24 photos stay the same, as models/multimodal-dbm/scripts/ship-corel-index.ts measures when it
 * writes the files: 1.7 MB instead of 6.7). `corel5k-index.json` says which DBM and feature versions the codes belong to and the
 * photos' ids in order; a checkpoint retrained since, or other features, make it not apply, and
 * the index is then built (and cached in CACHE_DIR) as before.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const SHIPPED_INDEX = { codes: 'corel5k-index.u8', meta: 'corel5k-index.json' } as const;

export const shippedIndexMeta = z.object({
  modelVersion: z.string(),
  featureVersion: z.string(),
  dims: z.number().int().positive(),
  /** Corel-5k training photos' ids, in the dataset's order: row r of the codes is ids[r]. */
  ids: z.array(z.string()),
  /** What the code's bytes are: value = byte / 255. */
  quantisation: z.literal('uint8 / 255'),
});
export type ShippedIndexMeta = z.infer<typeof shippedIndexMeta>;

/** Codes as bytes, value = round(code × 255). */
export function quantise(codes: Float32Array): Uint8Array {
  const bytes = new Uint8Array(codes.length);
  for (let i = 0; i < codes.length; i++) bytes[i] = Math.round(Math.min(1, Math.max(0, codes[i])) * 255);
  return bytes;
}

export function dequantise(bytes: Uint8Array): Float32Array {
  const codes = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) codes[i] = bytes[i] / 255;
  return codes;
}

/**
 * The shipped codes in `checkpointDir` when they are for DBM `modelVersion` and the photos `ids`
 * (the training photos as DATA_DIR has them, in order); null otherwise (or when there are none).
 */
export async function readShippedIndex(checkpointDir: string, modelVersion: string, ids: string[]): Promise<{ dims: number; codes: Float32Array } | null> {
  try {
    const meta = shippedIndexMeta.parse(JSON.parse(await fsp.readFile(path.join(checkpointDir, SHIPPED_INDEX.meta), 'utf8')));
    if (meta.modelVersion !== modelVersion || meta.ids.length !== ids.length || meta.ids.some((id, i) => id !== ids[i])) return null;
    const bytes = new Uint8Array(await fsp.readFile(path.join(checkpointDir, SHIPPED_INDEX.codes)));
    if (bytes.length !== ids.length * meta.dims) return null;
    return { dims: meta.dims, codes: dequantise(bytes) };
  } catch {
    return null;
  }
}

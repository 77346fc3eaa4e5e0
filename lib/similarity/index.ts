/**
 * Nearest stored photos by image features. Vectors of one feature model's version are kept in
 * memory (image-features: 620 floats a photo, 10,000 photos 25 MB; learned-features: 3,820, 153 MB)
 * and brought up to date when the database holds another number of rows than the shelf (another
 * process, or the background re-featuring, added some): only the rows it lacks are read.
 */
import type { Db } from '@/lib/db';

export interface Neighbour {
  uploadId: string;
  distance: number;
}

interface Shelf {
  ids: string[];
  vectors: Float32Array[];
}

/** Rows read per query when a shelf is filled (a bound on the query's parameters). */
const READ_CHUNK = 500;

export class FeatureIndex {
  private readonly shelves = new Map<string, Shelf>();

  constructor(
    private readonly db: Db,
    private readonly modelName = 'image-features',
  ) {}

  /** Adds a vector that was just written to the database. */
  add(modelVersion: string, uploadId: string, vector: Float32Array): void {
    const shelf = this.shelves.get(modelVersion);
    if (shelf && !shelf.ids.includes(uploadId)) {
      shelf.ids.push(uploadId);
      shelf.vectors.push(vector);
    }
  }

  /** Forgets a deleted upload's vectors. */
  remove(uploadId: string): void {
    for (const shelf of this.shelves.values()) {
      const i = shelf.ids.indexOf(uploadId);
      if (i < 0) continue;
      shelf.ids.splice(i, 1);
      shelf.vectors.splice(i, 1);
    }
  }

  /** The `k` stored photos closest to `vector`, nearest first, leaving out `excludeId` and those `allowed` refuses. */
  async nearest(modelVersion: string, vector: Float32Array, k: number, excludeId?: string, allowed?: (uploadId: string) => boolean): Promise<Neighbour[]> {
    const shelf = await this.shelf(modelVersion);
    const found: Neighbour[] = [];
    for (let i = 0; i < shelf.ids.length; i++) {
      if (shelf.ids[i] === excludeId || (allowed && !allowed(shelf.ids[i]))) continue;
      found.push({ uploadId: shelf.ids[i], distance: euclidean(vector, shelf.vectors[i]) });
    }
    return found.sort((a, b) => a.distance - b.distance).slice(0, k);
  }

  private async shelf(modelVersion: string): Promise<Shelf> {
    const where = { modelName: this.modelName, modelVersion };
    const count = await this.db.imageFeature.count({ where });
    const shelf = this.shelves.get(modelVersion);
    if (shelf && shelf.ids.length === count) return shelf;
    const known = new Map(shelf ? shelf.ids.map((id, i) => [id, shelf.vectors[i]] as const) : []);
    const ids = (await this.db.imageFeature.findMany({ where, select: { uploadId: true } })).map((row) => row.uploadId);
    const missing = ids.filter((id) => !known.has(id));
    for (let start = 0; start < missing.length; start += READ_CHUNK) {
      const rows = await this.db.imageFeature.findMany({
        where: { ...where, uploadId: { in: missing.slice(start, start + READ_CHUNK) } },
        select: { uploadId: true, vector: true },
      });
      for (const row of rows) known.set(row.uploadId, vectorFromBytes(row.vector));
    }
    const present = ids.filter((id) => known.has(id));
    const updated = { ids: present, vectors: present.map((id) => known.get(id)!) };
    this.shelves.set(modelVersion, updated);
    return updated;
  }
}

export function euclidean(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

/** Float32 little-endian bytes as stored in ImageFeature.vector. */
export function vectorToBytes(vector: Float32Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength) as ArrayBuffer);
}

export function vectorFromBytes(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

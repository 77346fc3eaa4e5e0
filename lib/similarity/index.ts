/**
 * Nearest stored photos by image features. Vectors of one feature version are kept in memory
 * (620 floats a photo: 10,000 photos is 25 MB) and reloaded when another process added rows.
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

  /** The `k` stored photos closest to `vector`, nearest first, leaving out `excludeId`. */
  async nearest(modelVersion: string, vector: Float32Array, k: number, excludeId?: string): Promise<Neighbour[]> {
    const shelf = await this.shelf(modelVersion);
    const found: Neighbour[] = [];
    for (let i = 0; i < shelf.ids.length; i++) {
      if (shelf.ids[i] === excludeId) continue;
      found.push({ uploadId: shelf.ids[i], distance: euclidean(vector, shelf.vectors[i]) });
    }
    return found.sort((a, b) => a.distance - b.distance).slice(0, k);
  }

  private async shelf(modelVersion: string): Promise<Shelf> {
    const count = await this.db.imageFeature.count({ where: { modelName: this.modelName, modelVersion } });
    let shelf = this.shelves.get(modelVersion);
    if (!shelf || shelf.ids.length !== count) {
      const rows = await this.db.imageFeature.findMany({
        where: { modelName: this.modelName, modelVersion },
        select: { uploadId: true, vector: true },
      });
      shelf = { ids: rows.map((r) => r.uploadId), vectors: rows.map((r) => vectorFromBytes(r.vector)) };
      this.shelves.set(modelVersion, shelf);
    }
    return shelf;
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

/**
 * Uploading a photo: check and re-encode it, store it by SHA-256, compute its image features in
 * the model server, then record it — and find the most similar photos already stored.
 * The row is written last, in one statement with its features, so a failure leaves no row. The
 * file is never removed here, even when this request wrote it: the same photo may be on its way
 * in through another request at this moment. A file no row claims is removed later by the blob
 * sweep (lib/recovery), once nobody has put it for the grace period.
 */
import { getDb, type Db, type Upload } from '@/lib/db';
import { AppError } from '@/lib/errors';
import { prepareUpload, toModelInput } from '@/lib/images';
import { getModelServer, type ModelClient } from '@/lib/model-server';
import { FeatureIndex, vectorFromBytes, vectorToBytes } from '@/lib/similarity';
import { getBlobStore, type BlobStore } from '@/lib/storage';

export const FEATURE_MODEL = 'image-features';

export interface SimilarPhoto {
  id: string;
  distance: number;
  sha256: string;
  width: number;
  height: number;
  url: string;
}

export interface UploadView {
  id: string;
  sha256: string;
  width: number;
  height: number;
  format: string;
  originalName: string | null;
  createdAt: string;
  url: string;
}

export interface UploadResult {
  upload: UploadView;
  similar: SimilarPhoto[];
  /** False when the same photo was uploaded before (the earlier record is returned). */
  created: boolean;
}

export const blobUrl = (sha256: string) => `/api/blobs/${sha256}`;

export function toView(upload: Upload): UploadView {
  return {
    id: upload.id,
    sha256: upload.sha256,
    width: upload.width,
    height: upload.height,
    format: upload.format,
    originalName: upload.originalName,
    createdAt: upload.createdAt.toISOString(),
    url: blobUrl(upload.sha256),
  };
}

export class UploadService {
  private readonly index: FeatureIndex;

  constructor(
    private readonly db: Db = getDb(),
    private readonly blobs: BlobStore = getBlobStore(),
    private readonly models: ModelClient = getModelServer(),
  ) {
    this.index = new FeatureIndex(db, FEATURE_MODEL);
  }

  async create(bytes: Uint8Array, originalName: string | null, options: { signal?: AbortSignal; similar?: number } = {}): Promise<UploadResult> {
    const image = await prepareUpload(bytes);
    const before = await this.db.upload.findUnique({ where: { sha256: image.sha256 } });
    if (before) return { upload: toView(before), similar: await this.similar(before.id, options.similar), created: false };

    await this.blobs.put(image.data, image.ext);
    try {
      const { pixels } = await toModelInput(image.data);
      const features = await this.models.run<{ pixels: Float32Array }, { vector: Float32Array }>(FEATURE_MODEL, { pixels }, { signal: options.signal });
      const vector = features.output.vector;
      const upload = await this.db.upload.create({
        data: {
          sha256: image.sha256,
          format: image.format,
          width: image.width,
          height: image.height,
          bytes: image.data.byteLength,
          originalName: originalName?.slice(0, 255) ?? null,
          features: {
            create: { modelName: FEATURE_MODEL, modelVersion: features.modelVersion, dims: vector.length, vector: vectorToBytes(vector) },
          },
        },
      });
      this.index.add(features.modelVersion, upload.id, vector);
      const neighbours = await this.index.nearest(features.modelVersion, vector, options.similar ?? 8, upload.id);
      return { upload: toView(upload), similar: await this.describe(neighbours), created: true };
    } catch (error) {
      // The same photo, uploaded at the same moment by someone else, won the race: use theirs.
      if ((error as { code?: string }).code === 'P2002') {
        const winner = await this.db.upload.findUnique({ where: { sha256: image.sha256 } });
        if (winner) return { upload: toView(winner), similar: await this.similar(winner.id, options.similar), created: false };
      }
      throw error;
    }
  }

  async list(options: { limit: number; cursor?: string }): Promise<{ uploads: UploadView[]; nextCursor: string | null }> {
    const rows = await this.db.upload.findMany({
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit + 1,
      ...(options.cursor ? { cursor: { id: options.cursor }, skip: 1 } : {}),
    });
    const page = rows.slice(0, options.limit);
    return { uploads: page.map(toView), nextCursor: rows.length > options.limit ? page[page.length - 1].id : null };
  }

  async get(id: string): Promise<UploadView> {
    const upload = await this.db.upload.findUnique({ where: { id } });
    if (!upload) throw new AppError('NOT_FOUND', 'There is no upload with this id. It may have been deleted.');
    return toView(upload);
  }

  async count(): Promise<number> {
    return this.db.upload.count();
  }

  /** The stored photos most similar to upload `id`, nearest first. */
  async similar(id: string, k = 8): Promise<SimilarPhoto[]> {
    const feature = await this.db.imageFeature.findFirst({ where: { uploadId: id, modelName: FEATURE_MODEL }, orderBy: { createdAt: 'desc' } });
    if (!feature) {
      if (!(await this.db.upload.findUnique({ where: { id } }))) throw new AppError('NOT_FOUND', 'There is no upload with this id. It may have been deleted.');
      return [];
    }
    return this.describe(await this.index.nearest(feature.modelVersion, vectorFromBytes(feature.vector), k, id));
  }

  private async describe(neighbours: { uploadId: string; distance: number }[]): Promise<SimilarPhoto[]> {
    const rows = await this.db.upload.findMany({ where: { id: { in: neighbours.map((n) => n.uploadId) } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return neighbours.flatMap(({ uploadId, distance }) => {
      const row = byId.get(uploadId);
      return row ? [{ id: row.id, distance: Number(distance.toFixed(4)), sha256: row.sha256, width: row.width, height: row.height, url: blobUrl(row.sha256) }] : [];
    });
  }
}

const holder = globalThis as typeof globalThis & { __latentStudioUploads?: UploadService };

export function getUploadService(): UploadService {
  holder.__latentStudioUploads ??= new UploadService();
  return holder.__latentStudioUploads;
}

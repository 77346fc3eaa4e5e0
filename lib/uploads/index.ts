/**
 * Uploading a photo: check and re-encode it, store it by SHA-256, describe it with every upload
 * feature model in the model server (both at once), then record it — and find the most similar
 * photos already stored.
 *
 * Two feature rows per upload: `image-features` (GIST+colour, read by the Corel-5k tagger) is
 * required, so an upload whose image-features request fails is not recorded (its error goes to the
 * caller, as before); `learned-features` (learned features joined with GIST+colour, read by the
 * Flickr tagger and compared by "similar photos") is not: when it fails (busy, timed out, a worker
 * crashed) the photo is recorded without it, similar photos fall back to image-features for it,
 * and the background re-featuring (`refeature.ts`, started with recovery) adds the row on its next
 * pass. The upload waits for both, unless its caller needs only image-features and no neighbours
 * (`needs`): then the learned-features row is written when that model answers.
 *
 * The row is written last, in one statement with its features, so a failure leaves no row. The
 * file is never removed here, even when this request wrote it: the same photo may be on its way
 * in through another request at this moment. A file no row claims is removed later by the blob
 * sweep (lib/recovery), once nobody has put it for the grace period.
 */
import { getDb, type Db, type Upload } from '@/lib/db';
import { AppError, toAppError } from '@/lib/errors';
import { prepareUpload, toModelInput, type ModelInputFit } from '@/lib/images';
import { getModelServer, type ModelClient } from '@/lib/model-server';
import type { Servable } from '@/lib/model-server/servable';
import { FeatureIndex, vectorFromBytes, vectorToBytes, type Neighbour } from '@/lib/similarity';
import { getBlobStore, type BlobStore } from '@/lib/storage';
import { IMAGE_FEATURES, type ImageFeatureInput, type ImageFeatureOutput } from '@/models/image-features';
import { LEARNED_FEATURES } from '@/models/learned-features';

/** Read by the Corel-5k tagger; an upload is not recorded without it. */
export const FEATURE_MODEL = 'image-features';
/** Compared by "similar photos" (and read by the Flickr tagger); added later when it fails. */
export const SIMILARITY_MODEL = 'learned-features';
/** Every feature model an upload is described by, the one it cannot do without first. */
export const UPLOAD_FEATURE_MODELS = [FEATURE_MODEL, SIMILARITY_MODEL] as const;
export type UploadFeatureModel = (typeof UPLOAD_FEATURE_MODELS)[number];
/** What the model server runs for each (the feature models' manifests). */
export const FEATURE_SERVABLES: Record<UploadFeatureModel, Servable<ImageFeatureInput, ImageFeatureOutput>> = {
  'image-features': IMAGE_FEATURES,
  'learned-features': LEARNED_FEATURES,
};

/** One feature model's description of a photo. */
export interface PhotoFeatures {
  model: string;
  modelVersion: string;
  vector: Float32Array;
}

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

/**
 * How each feature model's 128×128 input is made from a photo: image-features centre-crops, as the
 * Corel-5k tagger's training photos were prepared; learned-features squashes the whole photo, as
 * Flickr8k's photos (the Flickr tagger's training photos) were squashed to 128×128.
 */
export const FEATURE_INPUT_FIT: Record<UploadFeatureModel, ModelInputFit> = { 'image-features': 'cover', 'learned-features': 'fill' };

/** The input of feature model `model` for a photo's bytes. */
export async function featureInput(bytes: Uint8Array, model: UploadFeatureModel): Promise<Float32Array> {
  return (await toModelInput(bytes, 128, { fit: FEATURE_INPUT_FIT[model] })).pixels;
}

/** A photo's 128×128 pixels (`featureInput`) described by feature model `model`. */
export async function describePhoto(models: ModelClient, model: UploadFeatureModel, pixels: Float32Array, signal?: AbortSignal): Promise<PhotoFeatures> {
  const result = await models.run(FEATURE_SERVABLES[model], { pixels }, { signal });
  return { model, modelVersion: result.modelVersion, vector: result.output.vector };
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
  private readonly indexes: Map<string, FeatureIndex>;

  constructor(
    private readonly db: Db = getDb(),
    private readonly blobs: BlobStore = getBlobStore(),
    private readonly models: ModelClient = getModelServer(),
  ) {
    this.indexes = new Map(UPLOAD_FEATURE_MODELS.map((name) => [name, new FeatureIndex(db, name)]));
  }

  /**
   * Stores a photo. `similar`: how many neighbours to return (8). `needs`: the feature models whose
   * rows must be written before this returns (all of them unless said); a caller that needs only
   * image-features and no neighbours (photo → tags with the Corel-5k tagger) is answered as soon as
   * image-features is, and the learned-features row follows when that model answers.
   */
  async create(
    bytes: Uint8Array,
    originalName: string | null,
    options: { signal?: AbortSignal; similar?: number; needs?: readonly UploadFeatureModel[] } = {},
  ): Promise<UploadResult> {
    const image = await prepareUpload(bytes);
    const before = await this.db.upload.findUnique({ where: { sha256: image.sha256 } });
    if (before) return { upload: toView(before), similar: await this.similar(before.id, options.similar), created: false };

    await this.blobs.put(image.data, image.ext);
    try {
      // From the bytes as sent (checked above), as the training photos' features were made from
      // their files: the stored copy is a second JPEG compression, which cost the Corel tagger
      // 1.8 points of F1 (models/multimodal-dbm/scripts/api-agreement.ts).
      const [cropped, squashed] = await Promise.all([featureInput(bytes, FEATURE_MODEL), featureInput(bytes, SIMILARITY_MODEL)]);
      const { required, similarity: later } = await this.describeWith(cropped, squashed, options.signal);
      // Neighbours are compared by learned-features, so they wait for it too.
      const waitForSimilarity = (options.needs ?? UPLOAD_FEATURE_MODELS).includes(SIMILARITY_MODEL) || (options.similar ?? 8) > 0;
      const similarity = waitForSimilarity ? await later : null;
      const rows = [required, ...(similarity ? [similarity] : [])];
      const upload = await this.db.upload.create({
        data: {
          sha256: image.sha256,
          format: image.format,
          width: image.width,
          height: image.height,
          bytes: image.data.byteLength,
          originalName: originalName?.slice(0, 255) ?? null,
          features: {
            create: rows.map((features) => ({
              modelName: features.model,
              modelVersion: features.modelVersion,
              dims: features.vector.length,
              vector: vectorToBytes(features.vector),
            })),
          },
        },
      });
      for (const features of rows) this.indexes.get(features.model)?.add(features.modelVersion, upload.id, features.vector);
      if (!waitForSimilarity) void later.then((features) => features && this.recordFeatures(upload.id, features));
      const compared = similarity ?? required;
      const neighbours = await this.nearest(compared.model, compared.modelVersion, compared.vector, options.similar ?? 8, upload.id);
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

  /**
   * The stored photos most similar to upload `id`, nearest first: by its learned-features vector
   * when it has one (among the photos that have one of the same version), else by image-features.
   */
  async similar(id: string, k = 8): Promise<SimilarPhoto[]> {
    const rows = await this.db.imageFeature.findMany({
      where: { uploadId: id, modelName: { in: [...UPLOAD_FEATURE_MODELS] } },
      orderBy: { createdAt: 'desc' },
    });
    const feature = rows.find((row) => row.modelName === SIMILARITY_MODEL) ?? rows[0];
    if (!feature) {
      if (!(await this.db.upload.findUnique({ where: { id } }))) throw new AppError('NOT_FOUND', 'There is no upload with this id. It may have been deleted.');
      return [];
    }
    return this.describe(await this.nearest(feature.modelName, feature.modelVersion, vectorFromBytes(feature.vector), k, id));
  }

  /**
   * The photo's features from every upload feature model, requested at once. Resolves when
   * image-features has answered; its error is the upload's (and stops the other request).
   * learned-features' answer follows as `similarity`: null when it failed (it is logged).
   */
  private async describeWith(
    pixels: Float32Array,
    squashed: Float32Array,
    signal?: AbortSignal,
  ): Promise<{ required: PhotoFeatures; similarity: Promise<PhotoFeatures | null> }> {
    const stop = new AbortController();
    const similarity = describePhoto(this.models, SIMILARITY_MODEL, squashed, signal ? AbortSignal.any([signal, stop.signal]) : stop.signal).catch(
      (error: unknown) => toAppError(error),
    );
    let required: PhotoFeatures;
    try {
      required = await describePhoto(this.models, FEATURE_MODEL, pixels, signal);
    } catch (error) {
      stop.abort();
      throw error;
    }
    return {
      required,
      similarity: similarity.then((answer) => {
        if (!(answer instanceof AppError)) return answer;
        if (!signal?.aborted) console.warn(`[uploads] ${SIMILARITY_MODEL} failed (${answer.code}); the photo is stored without it and re-featured in the background`);
        return null;
      }),
    };
  }

  /** A feature row that arrived after its upload was recorded; re-featuring writes it if this fails. */
  private async recordFeatures(uploadId: string, features: PhotoFeatures): Promise<void> {
    try {
      await this.db.imageFeature.create({
        data: { uploadId, modelName: features.model, modelVersion: features.modelVersion, dims: features.vector.length, vector: vectorToBytes(features.vector) },
      });
      this.indexes.get(features.model)?.add(features.modelVersion, uploadId, features.vector);
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') return; // re-featuring wrote it first
      console.warn(`[uploads] the ${features.model} row of upload ${uploadId} was not written (${(error as Error).message.split('\n')[0]}); re-featuring will add it`);
    }
  }

  private nearest(model: string, modelVersion: string, vector: Float32Array, k: number, excludeId: string): Promise<Neighbour[]> {
    const index = this.indexes.get(model);
    return index ? index.nearest(modelVersion, vector, k, excludeId) : Promise.resolve([]);
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

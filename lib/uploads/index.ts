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
import { assertCanChange, assertCanSee, visibleTo, type Owner, type Viewer, type Visibility } from '@/lib/owners';
import type { Servable } from '@/lib/model-server/servable';
import { FeatureIndex, vectorFromBytes, vectorToBytes, type Neighbour } from '@/lib/similarity';
import { getBlobStore, type BlobStore } from '@/lib/storage';
import { IMAGE_FEATURES, type ImageFeatureInput, type ImageFeatureOutput } from '@/models/image-features';
import { LEARNED_FEATURES } from '@/models/learned-features';
import { displayName } from './names';

export { displayName } from './names';

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
  /** The file's name as sent, as display text only (names.ts). */
  originalName: string | null;
  createdAt: string;
  url: string;
  visibility: Visibility;
  /** upload | sample */
  source: string;
  /** Whether the viewer who asked owns it (or is the administrator): may change its tags, share or delete it. */
  yours: boolean;
}

export type { Owner } from '@/lib/owners';

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

export function toView(upload: Upload, viewer: Viewer): UploadView {
  return {
    id: upload.id,
    sha256: upload.sha256,
    width: upload.width,
    height: upload.height,
    format: upload.format,
    originalName: displayName(upload.originalName),
    createdAt: upload.createdAt.toISOString(),
    url: blobUrl(upload.sha256),
    visibility: upload.visibility === 'public' ? 'public' : 'private',
    source: upload.source,
    yours: viewer.admin || upload.ownerId === viewer.ownerId,
  };
}

const NOT_FOUND_MESSAGE = 'There is no upload with this id. It may have been deleted.';

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
   * Stores a photo as `owner`'s: their own record, private until they share it (the bytes are one
   * blob however many owners hold them). The same photo sent again by the same owner returns their
   * earlier record (`created: false`). `similar`: how many neighbours to return (8). `needs`: the feature models whose
   * rows must be written before this returns (all of them unless said); a caller that needs only
   * image-features and no neighbours (photo → tags with the Corel-5k tagger) is answered as soon as
   * image-features is, and the learned-features row follows when that model answers.
   */
  async create(
    owner: Owner,
    bytes: Uint8Array,
    originalName: string | null,
    options: { signal?: AbortSignal; similar?: number; needs?: readonly UploadFeatureModel[]; source?: 'upload' | 'sample' } = {},
  ): Promise<UploadResult> {
    const image = await prepareUpload(bytes);
    const mine = { ownerId_sha256: { ownerId: owner.ownerId, sha256: image.sha256 } };
    const before = await this.db.upload.findUnique({ where: mine });
    if (before) return { upload: toView(before, owner), similar: await this.similar(owner, before.id, options.similar), created: false };

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
          ownerId: owner.ownerId,
          source: options.source ?? 'upload',
          sha256: image.sha256,
          format: image.format,
          width: image.width,
          height: image.height,
          bytes: image.data.byteLength,
          originalName: displayName(originalName),
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
      const neighbours = await this.nearest(owner, compared.model, compared.modelVersion, compared.vector, options.similar ?? 8, upload.id);
      return { upload: toView(upload, owner), similar: await this.describe(neighbours), created: true };
    } catch (error) {
      // The same photo, sent by the same owner twice at the same moment: the first one won.
      if ((error as { code?: string }).code === 'P2002') {
        const winner = await this.db.upload.findUnique({ where: mine });
        if (winner) return { upload: toView(winner, owner), similar: await this.similar(owner, winner.id, options.similar), created: false };
      }
      throw error;
    }
  }

  /**
   * The photos `viewer` may see, newest first: their own and the public ones (`mine`: their own
   * only); everything for the administrator.
   */
  async list(
    viewer: Viewer,
    options: { limit: number; cursor?: string; mine?: boolean; source?: 'upload' | 'sample'; tag?: string },
  ): Promise<{ uploads: UploadView[]; nextCursor: string | null }> {
    const rows = await this.db.upload.findMany({
      where: this.listed(viewer, options),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit + 1,
      ...(options.cursor ? { cursor: { id: options.cursor }, skip: 1 } : {}),
    });
    const page = rows.slice(0, options.limit);
    return { uploads: page.map((row) => toView(row, viewer)), nextCursor: rows.length > options.limit ? page[page.length - 1].id : null };
  }

  /** A photo `viewer` may see; NOT_FOUND otherwise (someone else's private photo is not confirmed to exist). */
  async get(viewer: Viewer, id: string): Promise<UploadView> {
    return toView(await this.row(viewer, id), viewer);
  }

  /** How many photos `viewer` may see (`mine`: of their own). */
  async count(viewer: Viewer, options: { mine?: boolean; source?: 'upload' | 'sample'; tag?: string } = {}): Promise<number> {
    return this.db.upload.count({ where: this.listed(viewer, options) });
  }

  /** How many sample photos (lib/uploads/samples.ts) `owner` holds. */
  async countSamples(owner: Owner): Promise<number> {
    return this.db.upload.count({ where: { ownerId: owner.ownerId, source: 'sample' } });
  }

  /** Makes a photo public (everyone sees it in the gallery, similar photos and tag search) or private again; owner or administrator only. */
  async setVisibility(viewer: Viewer, id: string, visibility: Visibility): Promise<UploadView> {
    assertCanChange(viewer, await this.db.upload.findUnique({ where: { id } }), 'photo');
    return toView(await this.db.upload.update({ where: { id }, data: { visibility } }), viewer);
  }

  /**
   * Deletes a photo: its record, its tags, its features and its tag runs; owner or administrator
   * only. Its bytes stop being served at once (a blob is served only while a row refers to it)
   * and leave the disk at the next blob sweep when no other record refers to them (another owner
   * may hold the same photo).
   */
  async remove(viewer: Viewer, id: string): Promise<{ id: string; deleted: true }> {
    assertCanChange(viewer, await this.db.upload.findUnique({ where: { id } }), 'photo');
    await this.db.$transaction([this.db.generation.deleteMany({ where: { uploadId: id } }), this.db.upload.deleteMany({ where: { id } })]);
    for (const index of this.indexes.values()) index.remove(id);
    return { id, deleted: true };
  }

  /** The row of a photo `viewer` may see; NOT_FOUND otherwise. */
  async row(viewer: Viewer, id: string): Promise<Upload> {
    return assertCanSee(viewer, await this.db.upload.findUnique({ where: { id } }), 'upload');
  }

  /** The ids of every photo `viewer` may see; null for the administrator (all of them). */
  async visibleIds(viewer: Viewer): Promise<Set<string> | null> {
    if (viewer.admin) return null;
    const rows = await this.db.upload.findMany({ where: visibleTo(viewer), select: { id: true } });
    return new Set(rows.map((row) => row.id));
  }

  /**
   * The photos `viewer` may see most similar to upload `id`, nearest first: by its learned-features
   * vector when it has one (among the photos that have one of the same version), else by
   * image-features.
   */
  async similar(viewer: Viewer, id: string, k = 8): Promise<SimilarPhoto[]> {
    await this.row(viewer, id);
    const rows = await this.db.imageFeature.findMany({
      where: { uploadId: id, modelName: { in: [...UPLOAD_FEATURE_MODELS] } },
      orderBy: { createdAt: 'desc' },
    });
    const feature = rows.find((row) => row.modelName === SIMILARITY_MODEL) ?? rows[0];
    if (!feature) return [];
    return this.describe(await this.nearest(viewer, feature.modelName, feature.modelVersion, vectorFromBytes(feature.vector), k, id));
  }

  /** The photos `viewer` may see (`mine`: their own), of one `source`, with an accepted `tag`. */
  private listed(viewer: Viewer, options: { mine?: boolean; source?: 'upload' | 'sample'; tag?: string }) {
    return {
      AND: [
        options.mine ? { ownerId: viewer.ownerId ?? '' } : visibleTo(viewer),
        options.source ? { source: options.source } : {},
        options.tag ? { tags: { some: { word: options.tag, status: 'accepted' } } } : {},
      ],
    };
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

  /** The `k` photos `viewer` may see nearest to `vector`. */
  private async nearest(viewer: Viewer, model: string, modelVersion: string, vector: Float32Array, k: number, excludeId: string): Promise<Neighbour[]> {
    const index = this.indexes.get(model);
    if (!index || k <= 0) return [];
    const visible = await this.visibleIds(viewer);
    return index.nearest(modelVersion, vector, k, excludeId, visible ? (uploadId) => visible.has(uploadId) : undefined);
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

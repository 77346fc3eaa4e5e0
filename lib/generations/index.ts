/**
 * The gallery's record of what the models made. A generation is one request to a model (a caption
 * drawn as a grid of images, later GAN samples or one-shot variants): a `Generation` row with the
 * model, its version, the seed and the parameters — enough to make it again — and, once it is done,
 * its images as PNG blobs in the content-addressed store.
 *
 * Images are stored at the model's own size (a 60×60 MNIST canvas stays 60×60): pages scale them up
 * crisply with `image-rendering: pixelated`, and the bytes stay exactly what the model drew, so the
 * same seed gives the same blob names. A drawing's intermediate canvases are stored as one "film
 * strip" PNG per image (the frames side by side), so a page can replay it frame by frame.
 *
 * A row is written when the request starts (`running`) and finished as `done`, `failed` or
 * `cancelled`; one made in a single step with no images (a photo's tags) is `record`ed done at
 * once. A generation made from a stored photo names it (`uploadId`), so `latestFromUpload` finds a
 * photo's runs by that column. Blobs are never removed here (the same seed drawn twice shares
 * them): those no row claims are removed by the blob sweep (lib/recovery, reading
 * `referencedBlobs`). A row a dead process left `running` is ended `failed` by the same recovery
 * (`endAbandoned`). Every read and write of a `Generation` row is in this file.
 */
import { strToU8, zipSync } from 'fflate';
import sharp from 'sharp';
import { getDb, type Db, type Generation } from '@/lib/db';
import { AppError } from '@/lib/errors';
import { assertCanChange, assertCanSee, visibleTo, type Viewer, type Visibility } from '@/lib/owners';
import { getBlobStore, type BlobStore } from '@/lib/storage';

export type GenerationStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface CanvasShape {
  width: number;
  height: number;
  /** 1: grey, 3: RGB (pixel-interleaved). */
  channels: 1 | 3;
}

/** What a model made, as raw canvases (`height × width × channels` bytes each, 0 = black). */
export interface CanvasSet extends CanvasShape {
  images: Uint8Array[];
  /** Per image, its canvas after every step (for replaying how it was drawn); optional. */
  frames?: Uint8Array[][];
}

export interface StoredImage {
  sha256: string;
  url: string;
}

/** A film strip: `frames` canvases of `width × height`, side by side, left to right. */
export interface StoredStrip extends StoredImage {
  frames: number;
}

export interface GenerationView<P = Record<string, unknown>, R = Record<string, unknown>> {
  id: string;
  kind: string;
  modelName: string;
  /** The checkpoint's hash; empty while (or when) the model never answered. */
  modelVersion: string;
  seed: number | null;
  params: P;
  status: GenerationStatus;
  error: { code: string; message: string } | null;
  createdAt: string;
  finishedAt: string | null;
  canvas: CanvasShape | null;
  images: StoredImage[];
  strips: StoredStrip[];
  /** The model's other output (alignments, scores …), as stored. */
  result: R | null;
  visibility: Visibility;
  /** Whether the viewer who asked owns it (or is the administrator): may share or delete it. */
  yours: boolean;
}

/** What the `result` column holds for a generation with images. */
interface StoredResult {
  canvas?: CanvasShape;
  images?: string[];
  strips?: { sha256: string; frames: number }[];
  output?: Record<string, unknown>;
}

export const imageUrl = (sha256: string) => `/api/blobs/${sha256}`;

const parseJson = <T>(text: string | null, fallback: T): T => {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

export function toGenerationView<P = Record<string, unknown>, R = Record<string, unknown>>(row: Generation, viewer?: Viewer): GenerationView<P, R> {
  const stored = parseJson<StoredResult>(row.result, {});
  return {
    id: row.id,
    kind: row.kind,
    modelName: row.modelName,
    modelVersion: row.modelVersion,
    seed: row.seed,
    params: parseJson<P>(row.params, {} as P),
    status: row.status as GenerationStatus,
    error: parseJson<{ code: string; message: string } | null>(row.error, null),
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    canvas: stored.canvas ?? null,
    images: (stored.images ?? []).map((sha256) => ({ sha256, url: imageUrl(sha256) })),
    strips: (stored.strips ?? []).map(({ sha256, frames }) => ({ sha256, frames, url: imageUrl(sha256) })),
    result: (stored.output as R | undefined) ?? null,
    visibility: row.visibility === 'public' ? 'public' : 'private',
    yours: viewer ? viewer.admin || row.ownerId === viewer.ownerId : true,
  };
}

/** PNG of raw canvas bytes (grey or RGB). */
export async function canvasPng(bytes: Uint8Array, shape: CanvasShape): Promise<Buffer> {
  checkCanvas(bytes, shape);
  const image = sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    raw: { width: shape.width, height: shape.height, channels: shape.channels },
  });
  // Without this a one-channel canvas would be written as sRGB, three times the bytes.
  return (shape.channels === 1 ? image.toColourspace('b-w') : image).png({ compressionLevel: 9 }).toBuffer();
}

/** The frames side by side as one `frames × width` by `height` canvas. */
export function filmStrip(frames: Uint8Array[], shape: CanvasShape): Uint8Array {
  const { width, height, channels } = shape;
  const row = width * channels;
  const strip = new Uint8Array(frames.length * row * height);
  frames.forEach((frame, f) => {
    checkCanvas(frame, shape);
    for (let y = 0; y < height; y++) strip.set(frame.subarray(y * row, (y + 1) * row), (y * frames.length + f) * row);
  });
  return strip;
}

function checkCanvas(bytes: Uint8Array, { width, height, channels }: CanvasShape): void {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== width * height * channels) {
    throw new AppError('MODEL_FAILED', `The model returned a canvas of ${bytes?.byteLength ?? 0} bytes where ${width}×${height}×${channels} were expected.`);
  }
}

export interface BeginGeneration {
  /** Who asked for it (lib/owners); it is private to them until they share it. */
  ownerId: string;
  kind: string;
  modelName: string;
  seed: number | null;
  params: Record<string, unknown>;
  /** The stored photo it is made from, if any (see `latestFromUpload`). */
  uploadId?: string;
}

/** A generation made in one step, with no images of its own: recorded done at once. */
export interface RecordGeneration extends BeginGeneration {
  modelVersion: string;
  /** What it made (JSON): tags, scores … */
  output: Record<string, unknown>;
  /** Blobs it read (the photo it was made from), kept from the sweep as long as the row is. */
  blobRefs?: string[];
}

export interface CompleteGeneration {
  modelVersion: string;
  canvases: CanvasSet;
  /** `canvases.images` already encoded by `canvasPng`, when the caller needed them too. */
  pngs?: Buffer[];
  /** Anything else worth keeping (JSON): alignments, words, boxes. */
  output?: Record<string, unknown>;
}

export class GenerationService {
  constructor(
    private readonly db: Db = getDb(),
    private readonly blobs: BlobStore = getBlobStore(),
  ) {}

  /** Records a request as it starts; returns its id. */
  async begin(request: BeginGeneration): Promise<string> {
    const row = await this.db.generation.create({
      data: {
        ownerId: request.ownerId,
        kind: request.kind,
        modelName: request.modelName,
        modelVersion: '',
        seed: request.seed,
        params: JSON.stringify(request.params),
        uploadId: request.uploadId ?? null,
        status: 'running',
      },
    });
    return row.id;
  }

  /** Records a generation that is already done (`RecordGeneration`). */
  async record(done: RecordGeneration): Promise<GenerationView> {
    const result: StoredResult = { output: done.output };
    const row = await this.db.generation.create({
      data: {
        ownerId: done.ownerId,
        kind: done.kind,
        modelName: done.modelName,
        modelVersion: done.modelVersion,
        seed: done.seed,
        params: JSON.stringify(done.params),
        uploadId: done.uploadId ?? null,
        status: 'done',
        blobRefs: JSON.stringify([...new Set(done.blobRefs ?? [])]),
        result: JSON.stringify(result),
        finishedAt: new Date(),
      },
    });
    return toGenerationView(row);
  }

  /**
   * Stores the images (and film strips) as PNG blobs and marks the generation done. A failure
   * leaves the row as it was.
   */
  async complete(id: string, done: CompleteGeneration): Promise<GenerationView> {
    const { canvases } = done;
    const shape: CanvasShape = { width: canvases.width, height: canvases.height, channels: canvases.channels };
    const put = async (png: Buffer) => (await this.blobs.put(png, 'png')).sha256;
    try {
      // Every canvas is encoded (and so checked) before anything is stored.
      const pngs = done.pngs ?? (await Promise.all(canvases.images.map((image) => canvasPng(image, shape))));
      const filmed = (canvases.frames ?? []).filter((frames) => frames.length > 0);
      const stripPngs = await Promise.all(filmed.map((frames) => canvasPng(filmStrip(frames, shape), { ...shape, width: shape.width * frames.length })));
      const images = await Promise.all(pngs.map(put));
      const strips = (await Promise.all(stripPngs.map(put))).map((sha256, i) => ({ sha256, frames: filmed[i].length }));
      const result: StoredResult = { canvas: shape, images, strips, ...(done.output ? { output: done.output } : {}) };
      const row = await this.db.generation.update({
        where: { id },
        data: {
          status: 'done',
          modelVersion: done.modelVersion,
          blobRefs: JSON.stringify([...new Set([...images, ...strips.map((s) => s.sha256)])]),
          result: JSON.stringify(result),
          error: null,
          finishedAt: new Date(),
        },
      });
      return toGenerationView(row);
    } catch (error) {
      if ((error as { code?: string }).code === 'P2025') throw new AppError('NOT_FOUND', 'This generation is no longer recorded.', { cause: error });
      throw error;
    }
  }

  /** Marks a generation that did not finish: `failed` (with why) or `cancelled`. */
  async end(id: string, status: 'failed' | 'cancelled', error?: { code: string; message: string }, modelVersion?: string): Promise<void> {
    await this.db.generation.update({
      where: { id },
      data: { status, error: error ? JSON.stringify(error) : null, finishedAt: new Date(), ...(modelVersion ? { modelVersion } : {}) },
    });
  }

  /** A generation `viewer` may see (of `kind` when given); NOT_FOUND otherwise. */
  async get<P = Record<string, unknown>, R = Record<string, unknown>>(viewer: Viewer, id: string, kind?: string): Promise<GenerationView<P, R>> {
    const row = await this.db.generation.findUnique({ where: { id } });
    const seen = assertCanSee(viewer, row && (!kind || row.kind === kind) ? row : null, 'generation');
    return toGenerationView<P, R>(seen, viewer);
  }

  /** The most recent finished generations `viewer` may see (their own and the public ones; `mine`: their own), newest first. */
  async list<P = Record<string, unknown>, R = Record<string, unknown>>(viewer: Viewer, options: { kind: string; limit: number; mine?: boolean }): Promise<GenerationView<P, R>[]> {
    const rows = await this.db.generation.findMany({
      where: { kind: options.kind, status: 'done', ...(options.mine ? { ownerId: viewer.ownerId ?? '' } : visibleTo(viewer)) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit,
    });
    return rows.map((row) => toGenerationView<P, R>(row, viewer));
  }

  async count(viewer: Viewer, kind: string): Promise<number> {
    return this.db.generation.count({ where: { kind, status: 'done', ...visibleTo(viewer) } });
  }

  /** Makes a generation public or private again; its owner or the administrator only. */
  async setVisibility(viewer: Viewer, id: string, visibility: Visibility): Promise<GenerationView> {
    assertCanChange(viewer, await this.db.generation.findUnique({ where: { id } }), 'generation');
    return toGenerationView(await this.db.generation.update({ where: { id }, data: { visibility } }), viewer);
  }

  /**
   * Deletes a generation; its owner or the administrator only. Its images stop being served at
   * once (a blob is served only while a row it may see refers to it) and leave the disk at the
   * next blob sweep when no other row refers to them.
   */
  async remove(viewer: Viewer, id: string): Promise<{ id: string; deleted: true }> {
    assertCanChange(viewer, await this.db.generation.findUnique({ where: { id } }), 'generation');
    await this.db.generation.deleteMany({ where: { id } });
    return { id, deleted: true };
  }

  /** Whether a generation `viewer` may see refers to blob `sha256` (made or read it). */
  async canSeeBlob(viewer: Viewer, sha256: string): Promise<boolean> {
    const row = await this.db.generation.findFirst({ where: { blobRefs: { contains: sha256 }, ...visibleTo(viewer) }, select: { id: true } });
    return row !== null;
  }

  /** The newest finished generation of `kind` made from stored photo `uploadId` (by one of `modelNames` when given); null when none. */
  async latestFromUpload<P = Record<string, unknown>, R = Record<string, unknown>>(
    uploadId: string,
    options: { kind: string; modelNames?: string[] },
  ): Promise<GenerationView<P, R> | null> {
    const row = await this.db.generation.findFirst({
      where: { uploadId, kind: options.kind, status: 'done', ...(options.modelNames ? { modelName: { in: options.modelNames } } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    return row ? toGenerationView<P, R>(row) : null;
  }

  /** Ends the generations still `running` or `queued` that started before `before`, as failed with `error`; how many. */
  async endAbandoned(before: Date, error: { code: string; message: string }, now = new Date()): Promise<number> {
    const { count } = await this.db.generation.updateMany({
      where: { status: { in: ['running', 'queued'] }, createdAt: { lt: before } },
      data: { status: 'failed', error: JSON.stringify(error), finishedAt: now },
    });
    return count;
  }

  /** Every blob a generation refers to (made or read), read a page of rows at a time. */
  async referencedBlobs(into = new Set<string>()): Promise<Set<string>> {
    let cursor: string | undefined;
    for (;;) {
      const rows = await this.db.generation.findMany({
        select: { id: true, blobRefs: true },
        orderBy: { id: 'asc' },
        take: REFS_PAGE,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      });
      for (const row of rows) for (const sha256 of parseRefs(row.blobRefs)) into.add(sha256);
      if (rows.length < REFS_PAGE) return into;
      cursor = rows[rows.length - 1].id;
    }
  }
}

/**
 * A generation as one ZIP: its images as PNGs, its film strips, and `generation.json` with what
 * made it. Images no longer stored are left out (the JSON still names them).
 */
export async function generationArchive(generation: GenerationView, blobs: BlobStore = getBlobStore()): Promise<{ body: Uint8Array; name: string }> {
  const stem = `${generation.kind}-${generation.seed ?? generation.id}`;
  const files: Record<string, Uint8Array> = {};
  for (const [i, image] of generation.images.entries()) {
    const png = await blobs.get(image.sha256, 'png');
    if (png) files[`${stem}-${i + 1}.png`] = new Uint8Array(png);
  }
  for (const [i, strip] of generation.strips.entries()) {
    const png = await blobs.get(strip.sha256, 'png');
    if (png) files[`${stem}-${i + 1}-steps.png`] = new Uint8Array(png);
  }
  const { id, kind, modelName, modelVersion, seed, params, createdAt, result } = generation;
  files['generation.json'] = strToU8(JSON.stringify({ id, kind, modelName, modelVersion, seed, params, createdAt, result }, null, 2) + '\n');
  // PNGs are compressed already: stored as they are.
  return { body: zipSync(files, { level: 0 }), name: `${stem}.zip` };
}

const REFS_PAGE = 2000;

function parseRefs(text: string): string[] {
  const refs = parseJson<unknown>(text, []);
  return Array.isArray(refs) ? refs.filter((ref): ref is string => typeof ref === 'string') : [];
}

const holder = globalThis as typeof globalThis & { __latentStudioGenerations?: GenerationService };

export function getGenerationService(): GenerationService {
  holder.__latentStudioGenerations ??= new GenerationService();
  return holder.__latentStudioGenerations;
}

/**
 * Tagging many photos at once: a folder's worth of photos (or a ZIP of them) checked before any
 * work starts, then stored and tagged as the person's own, one job with one progress bar. Each
 * photo that cannot be taken is reported by name with its reason while the rest go on; a photo
 * whose tagging failed (a busy server, a cancelled job) is stored and can be tagged again by id
 * (`{ uploadIds }`), which is how a page resumes a batch.
 *
 * A ZIP is read in memory, never written to disk: its entries are only ever bytes to decode as
 * photos, so a path such as `../../x` or a symbolic link can reach nothing (a link is a few bytes
 * that are not an image, refused as such). Entries are counted, their names checked and their
 * declared sizes summed against the same caps as a form's files before anything is inflated.
 */
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { env } from '@/lib/env';
import { AppError, toAppError } from '@/lib/errors';
import { sniff, unsupportedFormat } from '@/lib/images';
import type { SentFile } from '@/lib/http/multipart';
import type { ProgressEvent } from '@/lib/model-server';
import type { Owner } from '@/lib/owners';
import { displayName } from '@/lib/uploads/names';
import { mapLimit } from './dbm';
import { taggerIdSchema, type Tagger } from './taggers';
import type { TagService } from './index';

import { BATCH_MAX_BYTES, BATCH_MAX_PHOTOS } from './limits';

export { BATCH_MAX_BYTES, BATCH_MAX_PHOTOS } from './limits';
/** Photos stored and tagged at once: enough to fill the model server's batches, few enough to keep it responsive to others. */
const IN_FLIGHT = 4;

/** POST /api/tags/batch as JSON: tag photos already stored (a resumed batch). */
export const tagStoredBatchRequest = z.object({
  uploadIds: z.array(z.string().min(1).max(64)).min(1, 'give at least one photo').max(BATCH_MAX_PHOTOS, `a batch takes at most ${BATCH_MAX_PHOTOS} photos`),
  model: taggerIdSchema.optional(),
});

/** A photo of the batch that was not taken, and why. */
export interface RefusedPhoto {
  name: string;
  code: string;
  message: string;
}

/** A photo to tag: sent now, or stored before. */
export type BatchPhoto = { name: string; bytes: Uint8Array } | { name: string; uploadId: string };

/** How one photo of the batch ended. */
export interface BatchPhotoResult {
  name: string;
  status: 'tagged' | 'failed';
  /** The stored photo (absent when it could not be stored). */
  uploadId: string | null;
  url: string | null;
  /** The model's top words, highest score first. */
  tags: { word: string; probability: number }[];
  error: { code: string; message: string } | null;
}

export interface BatchResult {
  model: Tagger['id'];
  modelVersion: string | null;
  photos: BatchPhotoResult[];
  tagged: number;
  failed: number;
}

/** What a progress event of the batch carries: the photo that just ended. */
export interface BatchProgress {
  index: number;
  photo: BatchPhotoResult;
}

const STORED_WORDS = 5;
const NAME_MAX = 255;

/** An entry name in a ZIP that is safe to show (a path inside the archive, no way out of it), else why not. */
function zipEntryProblem(name: string): string | null {
  if (name.length > NAME_MAX) return 'its name is longer than 255 characters';
  if (name.includes('\0')) return 'its name holds a NUL character';
  const parts = name.split(/[/\\]/);
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name) || parts.includes('..')) return 'its path leads outside the archive';
  return null;
}

/** Files the archive holds that are nobody's photos: folders, macOS resource forks, hidden files. */
const isClutter = (name: string) => name.endsWith('/') || name.startsWith('__MACOSX/') || (name.split('/').pop() ?? '').startsWith('.');

/**
 * The photos a ZIP holds, checked before anything is inflated: at most `maxPhotos` entries, names
 * that stay inside the archive, declared sizes within the per-photo and total caps.
 */
export function photosFromZip(zip: Uint8Array, archiveName: string, limits: { maxPhotos: number; maxPhotoBytes: number; maxTotalBytes: number }): { photos: SentFile[]; refused: RefusedPhoto[] } {
  const refused: RefusedPhoto[] = [];
  const wanted: string[] = [];
  let entries = 0;
  let total = 0;
  try {
    const files = unzipSync(zip, {
      filter: (file) => {
        if (isClutter(file.name)) return false;
        entries++;
        const problem = zipEntryProblem(file.name);
        if (problem) {
          refused.push({ name: displayName(file.name) ?? '(unnamed)', code: 'BAD_PATH', message: `Skipped: ${problem}.` });
          return false;
        }
        if (entries > limits.maxPhotos) return false;
        if (file.originalSize > limits.maxPhotoBytes) {
          refused.push({ name: file.name, code: 'FILE_TOO_LARGE', message: `Larger than the ${Math.round(limits.maxPhotoBytes / (1024 * 1024))} MB a photo may be.` });
          return false;
        }
        total += file.originalSize;
        if (total > limits.maxTotalBytes) {
          throw new AppError('BATCH_TOO_LARGE', `${archiveName} unpacks to more than ${Math.round(limits.maxTotalBytes / (1024 * 1024))} MB. Send it in smaller parts.`);
        }
        wanted.push(file.name);
        return true;
      },
    });
    if (entries > limits.maxPhotos) {
      throw new AppError('BATCH_TOO_LARGE', `${archiveName} holds ${entries} files; a batch takes at most ${limits.maxPhotos}. Send it in smaller parts.`);
    }
    return { photos: wanted.filter((name) => files[name]).map((name) => ({ name, bytes: files[name] })), refused };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('CORRUPT_ARCHIVE', `${archiveName} is not a ZIP archive that can be read (it may be damaged, encrypted or cut off).`, { cause: error });
  }
}

/**
 * The photos of a form (its files, and the photos inside any ZIP among them), each checked before
 * work starts: a name that stays a name, its size, and that its bytes are an image we accept.
 * What is refused is reported by name with its reason.
 */
export function checkBatch(files: SentFile[], limits = { maxPhotos: BATCH_MAX_PHOTOS, maxPhotoBytes: env.UPLOAD_MAX_BYTES, maxTotalBytes: BATCH_MAX_BYTES }): { photos: { name: string; bytes: Uint8Array }[]; refused: RefusedPhoto[] } {
  const photos: { name: string; bytes: Uint8Array }[] = [];
  const refused: RefusedPhoto[] = [];
  const consider = (sent: SentFile, index: number) => {
    const name = displayName(sent.name) ?? `photo ${index + 1}`;
    if (sent.bytes.byteLength === 0) return void refused.push({ name, code: 'EMPTY_FILE', message: 'The file is empty.' });
    if (sent.bytes.byteLength > limits.maxPhotoBytes) {
      return void refused.push({ name, code: 'FILE_TOO_LARGE', message: `Larger than the ${Math.round(limits.maxPhotoBytes / (1024 * 1024))} MB a photo may be.` });
    }
    const found = sniff(sent.bytes);
    if (found.kind !== 'image') {
      const error = unsupportedFormat(found);
      return void refused.push({ name, code: error.code, message: error.message });
    }
    photos.push({ name, bytes: sent.bytes });
  };
  files.forEach((sent, i) => {
    const found = sniff(sent.bytes);
    if (found.kind === 'other' && found.type === 'zip') {
      const unpacked = photosFromZip(sent.bytes, displayName(sent.name) ?? 'The archive', limits);
      refused.push(...unpacked.refused);
      unpacked.photos.forEach((photo, j) => consider(photo, i + j));
    } else consider(sent, i);
  });
  if (photos.length > limits.maxPhotos) {
    throw new AppError('BATCH_TOO_LARGE', `${photos.length} photos were sent; a batch takes at most ${limits.maxPhotos}. Send them in smaller batches.`);
  }
  return { photos, refused };
}

/**
 * Stores and tags every photo of a batch as `owner`'s, a few at once, reporting each as it ends.
 * A photo's failure is its own; the batch goes on. Cancelling stops the photos not yet started
 * and those in flight (nothing half-written: a photo is stored whole or not at all, and a stored
 * photo whose tagging was stopped is reported as failed, to tag again by id).
 */
export async function tagBatch(
  tags: TagService,
  owner: Owner,
  photos: BatchPhoto[],
  options: { model: Tagger['id']; signal: AbortSignal; onProgress: (event: ProgressEvent) => void },
): Promise<BatchResult> {
  const results: BatchPhotoResult[] = new Array(photos.length);
  let done = 0;
  let modelVersion: string | null = null;
  options.onProgress({ step: 0, total: photos.length, message: 'Starting' });
  await mapLimit(
    photos.map((photo, index) => ({ photo, index })),
    IN_FLIGHT,
    async ({ photo, index }) => {
      let uploadId: string | null = 'uploadId' in photo ? photo.uploadId : null;
      let url: string | null = null;
      try {
        if (options.signal.aborted) throw new AppError('CANCELLED', 'The batch was cancelled before this photo.');
        const source = 'uploadId' in photo ? { uploadId: photo.uploadId } : { bytes: photo.bytes, name: photo.name };
        const upload = await tags.preparePhoto(owner, source, { signal: options.signal, model: options.model });
        uploadId = upload.id;
        url = upload.url;
        const run = await tags.suggest(owner, { uploadId: upload.id }, { signal: options.signal, model: options.model });
        modelVersion = run.modelVersion;
        results[index] = {
          name: photo.name,
          status: 'tagged',
          uploadId,
          url,
          tags: run.tags.slice(0, STORED_WORDS).map(({ word, probability }) => ({ word, probability })),
          error: null,
        };
      } catch (error) {
        const failure = options.signal.aborted ? { code: 'CANCELLED', message: 'The batch was cancelled before this photo was tagged.' } : toAppError(error).toJSON();
        results[index] = { name: photo.name, status: 'failed', uploadId, url, tags: [], error: { code: failure.code, message: failure.message } };
      }
      done++;
      const progress: BatchProgress = { index, photo: results[index] };
      options.onProgress({ step: done, total: photos.length, message: `${results[index].status === 'tagged' ? 'Tagged' : 'Could not tag'} ${photo.name}`, preview: progress });
    },
  );
  const tagged = results.filter((r) => r.status === 'tagged').length;
  if (options.signal.aborted) throw new AppError('CANCELLED', `Stopped after tagging ${tagged} of ${photos.length} photos; the tagged ones are kept.`);
  return { model: options.model, modelVersion, photos: results, tagged, failed: results.length - tagged };
}

/**
 * The upload pipeline: from the bytes a person sent to a clean, re-encoded image and its SHA-256.
 * The checks run cheapest first, and nothing is decoded until the header has passed:
 *   1. size in bytes (FILE_TOO_LARGE), 2. empty (EMPTY_FILE),
 *   3. format from the first bytes, against the allow-list (UNSUPPORTED_FORMAT),
 *   4. width × height from the header (IMAGE_TOO_LARGE) — a PNG claiming 100000 × 100000 stops here,
 *   5. strict decode, auto-orient, re-encode (CORRUPT_IMAGE on any failure), 6. hash.
 */
import { createHash } from 'node:crypto';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { decodeAndReencode, imageTooLarge, readHeader, type OutputFormat } from './decode';
import { IMAGE_FORMATS, IMAGE_FORMAT_NAMES, sniff, type ImageFormat, type SniffResult } from './sniff';

export interface PrepareUploadOptions {
  /** Largest file accepted, in bytes. Default `env.UPLOAD_MAX_BYTES` (10 MB). */
  maxBytes?: number;
  /** Largest image accepted, in pixels (width × height). Default `env.UPLOAD_MAX_PIXELS` (40 MP). */
  maxPixels?: number;
  /** Formats accepted. Default: JPEG, PNG, WebP, GIF, AVIF. */
  allowedFormats?: readonly ImageFormat[];
}

export interface PreparedImage {
  /** Format of `data` (the re-encoded image): 'jpeg', or 'png' when it has transparency. */
  format: OutputFormat;
  /** File extension for `format`: 'jpg' or 'png'. */
  ext: 'jpg' | 'png';
  /** MIME type for `format`. */
  mime: 'image/jpeg' | 'image/png';
  /** What the person uploaded, detected from its bytes. */
  sourceFormat: ImageFormat;
  /** Size of `data`, upright (after EXIF orientation was applied). */
  width: number;
  height: number;
  /** The re-encoded image, with no metadata and nothing appended. */
  data: Buffer;
  /** Hex SHA-256 of `data` (lower case, 64 characters): its name in the blob store. */
  sha256: string;
}

const ACCEPTED_LIST = 'JPEG, PNG, WebP, GIF or AVIF';

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    const mb = bytes / (1024 * 1024);
    return `${mb.toLocaleString('en-US', { maximumFractionDigits: mb >= 10 ? 0 : 1 })} MB`;
  }
  if (bytes >= 1024) return `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`;
  return `${bytes} bytes`;
}

function acceptedList(allowed: readonly ImageFormat[]): string {
  if (allowed.length === IMAGE_FORMATS.length) return ACCEPTED_LIST;
  const names = allowed.map((f) => IMAGE_FORMAT_NAMES[f]);
  return names.length <= 1 ? (names[0] ?? 'a supported') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** The UNSUPPORTED_FORMAT error for what `sniff` found. */
export function unsupportedFormat(found: SniffResult, allowed: readonly ImageFormat[] = IMAGE_FORMATS): AppError {
  const upload = `Upload a ${acceptedList(allowed)} image.`;
  if (found.kind === 'image') {
    return new AppError('UNSUPPORTED_FORMAT', `${IMAGE_FORMAT_NAMES[found.format]} images aren't accepted here. ${upload}`);
  }
  switch (found.type) {
    case 'svg':
      return new AppError(
        'UNSUPPORTED_FORMAT',
        `This file is an SVG drawing. SVG files can carry scripts, so we never accept them. Export the drawing as PNG and upload that instead.`,
      );
    case 'heic':
      return new AppError(
        'UNSUPPORTED_FORMAT',
        `This file is a HEIC/HEIF photo (the iPhone's default format), which we can't read. ` +
          `Convert it to JPEG first (on an iPhone: Settings › Camera › Formats › Most Compatible), then upload it.`,
      );
    case 'unknown':
      return new AppError('UNSUPPORTED_FORMAT', `We couldn't recognise this file as an image. ${upload}`);
    default:
      return new AppError('UNSUPPORTED_FORMAT', `This file is ${found.description}, not a photo. ${upload}`);
  }
}

export const extensionFor = (format: OutputFormat) => (format === 'png' ? 'png' : 'jpg');

/**
 * Validates an upload and returns it re-encoded. Throws AppError with FILE_TOO_LARGE, EMPTY_FILE,
 * UNSUPPORTED_FORMAT, IMAGE_TOO_LARGE or CORRUPT_IMAGE; every message is written for a person.
 */
export async function prepareUpload(bytes: Uint8Array, options: PrepareUploadOptions = {}): Promise<PreparedImage> {
  const maxBytes = options.maxBytes ?? env.UPLOAD_MAX_BYTES;
  const maxPixels = options.maxPixels ?? env.UPLOAD_MAX_PIXELS;
  const allowed = options.allowedFormats ?? IMAGE_FORMATS;

  // 1–2. Size, before anything looks inside.
  if (bytes.byteLength > maxBytes) {
    throw new AppError(
      'FILE_TOO_LARGE',
      `This file is ${formatBytes(bytes.byteLength)}, and the largest file we accept is ${formatBytes(maxBytes)}. ` +
        'Save it at a smaller size or lower quality and upload it again.',
    );
  }
  if (bytes.byteLength === 0) {
    throw new AppError('EMPTY_FILE', 'This file is empty (0 bytes). Choose the image again and re-upload it.');
  }

  // 3. What it really is.
  const found = sniff(bytes);
  if (found.kind !== 'image' || !allowed.includes(found.format)) throw unsupportedFormat(found, allowed);
  const format = found.format;

  // 4. Header only: reject oversized images before a single pixel is decoded.
  const header = await readHeader(bytes, format);
  if (header.pixels > maxPixels) throw imageTooLarge(header.width, header.height, maxPixels);

  // 5. Strict decode, upright, re-encoded without metadata.
  const encoded = await decodeAndReencode(bytes, format, { maxPixels, hasAlpha: header.hasAlpha });

  // 6. Content address.
  const sha256 = createHash('sha256').update(encoded.data).digest('hex');
  return {
    format: encoded.format,
    ext: extensionFor(encoded.format),
    mime: encoded.format === 'png' ? 'image/png' : 'image/jpeg',
    sourceFormat: format,
    width: encoded.width,
    height: encoded.height,
    data: encoded.data,
    sha256,
  };
}

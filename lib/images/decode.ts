/**
 * Everything that touches sharp/libvips: reading an image's header, decoding and re-encoding it,
 * and turning a stored image into the pixel array the models take. Every sharp failure comes out
 * as an AppError with a message for a person; sharp's own text is kept only as the `cause`.
 */
import sharp from 'sharp';
import { AppError } from '@/lib/errors';
import { IMAGE_FORMAT_NAMES, type ImageFormat } from './sniff';

/** What the header says, read without decoding any pixels. */
export interface ImageHeader {
  width: number;
  height: number;
  /** Pixel count of the (first) frame: width × height. */
  pixels: number;
  hasAlpha: boolean;
  /** EXIF orientation (1–8) when present. */
  orientation?: number;
  /** Frames in an animated GIF/WebP; 1 otherwise. */
  pages: number;
}

/** Formats the pipeline writes out. */
export type OutputFormat = 'jpeg' | 'png';

export interface EncodedImage {
  format: OutputFormat;
  width: number;
  height: number;
  data: Buffer;
}

/** JPEG quality for re-encoded photos. */
export const JPEG_QUALITY = 90;

/** sharp's name for each accepted format, as `metadata().format` reports it. */
const SHARP_FORMAT: Record<ImageFormat, string> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'heif', // libheif reads AVIF; sharp reports the container.
};

const formatName = (format: ImageFormat) => IMAGE_FORMAT_NAMES[format];
/** "40 megapixels", or "5,000 pixels" for small limits. */
const pixelCount = (pixels: number) => {
  if (pixels < 100_000) return `${pixels.toLocaleString('en-US')} pixels`;
  const mp = pixels / 1_000_000;
  const text = mp >= 10 ? Math.round(mp).toLocaleString('en-US') : mp.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return `${text} megapixels`;
};

export function corruptImage(format: ImageFormat, cause?: unknown): AppError {
  return new AppError(
    'CORRUPT_IMAGE',
    `This ${formatName(format)} file is damaged or incomplete, so we can't open it. ` +
      'It may have been cut off while it was saved or uploaded. Save or export the image again and upload the new copy.',
    { cause },
  );
}

export function imageTooLarge(width: number, height: number, maxPixels: number, cause?: unknown): AppError {
  return new AppError(
    'IMAGE_TOO_LARGE',
    `This image is ${width.toLocaleString('en-US')} × ${height.toLocaleString('en-US')} pixels ` +
      `(${pixelCount(width * height)}), which is more than the ${pixelCount(maxPixels)} we accept. ` +
      'Make it smaller and upload it again.',
    { cause },
  );
}

const isPixelLimitError = (error: unknown) => error instanceof Error && /pixel limit/i.test(error.message);

/**
 * Reads width, height and alpha from the header. No pixels are decoded, so a file that claims to
 * be 100000 × 100000 costs microseconds and no memory here; the caller compares `pixels` with its
 * limit before anything is decoded.
 */
export async function readHeader(bytes: Uint8Array, format: ImageFormat): Promise<ImageHeader> {
  let meta: sharp.Metadata;
  try {
    // limitInputPixels: false only so that an oversized header can be reported with its real size;
    // metadata() never decodes pixels. Decoding (below) always runs with the limit.
    meta = await sharp(bytes, { limitInputPixels: false, animated: false }).metadata();
  } catch (error) {
    throw corruptImage(format, error);
  }
  const { width, height } = meta;
  if (meta.format !== SHARP_FORMAT[format] || !width || !height || width < 1 || height < 1) {
    throw corruptImage(format, new Error(`header: format=${meta.format} width=${width} height=${height}`));
  }
  return {
    width,
    height,
    pixels: width * height,
    hasAlpha: meta.hasAlpha === true,
    orientation: meta.orientation,
    pages: meta.pages ?? 1,
  };
}

export interface DecodeOptions {
  /** Decoding stops with IMAGE_TOO_LARGE above this many pixels (libvips enforces it too). */
  maxPixels: number;
  /** From the header: only images with an alpha channel are checked for transparency. */
  hasAlpha: boolean;
}

/**
 * Decodes strictly and re-encodes:
 * - `failOn: 'warning'`: a truncated or damaged file fails instead of coming out half grey;
 * - `animated: false`: the first frame of a GIF/WebP animation;
 * - `.rotate()`: turned upright from the EXIF orientation;
 * - output is JPEG q90, or PNG when the image has pixels that are not fully opaque (JPEG has
 *   no alpha; flattening would change the picture). An alpha channel that is fully opaque
 *   (common in PNG screenshots and GIFs) is dropped and the image saved as JPEG.
 * sharp writes no metadata unless asked, so EXIF (GPS, camera serials), XMP, IPTC, comments,
 * ICC profiles (pixels are converted to sRGB first) and any bytes appended after the image end
 * are all left behind.
 */
export async function decodeAndReencode(bytes: Uint8Array, format: ImageFormat, options: DecodeOptions): Promise<EncodedImage> {
  const open = () => sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'warning', animated: false });
  try {
    let transparent = false;
    if (options.hasAlpha) {
      // stats() streams through the pixels once; cheaper in memory than holding a raw copy.
      const stats = await open().stats();
      transparent = !stats.isOpaque;
    }
    const image = open().rotate();
    const encoded = transparent
      ? image.png({ compressionLevel: 6 })
      : image.removeAlpha().jpeg({ quality: JPEG_QUALITY, mozjpeg: false });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { format: transparent ? 'png' : 'jpeg', width: info.width, height: info.height, data };
  } catch (error) {
    if (isPixelLimitError(error)) {
      // The header check should have caught this; sharp's own limit is the backstop.
      throw new AppError('IMAGE_TOO_LARGE', `This image has more than ${pixelCount(options.maxPixels)}, which is the most we accept. Make it smaller and upload it again.`, { cause: error });
    }
    throw corruptImage(format, error);
  }
}

export interface ModelInput {
  /** size × size × 3 values, row by row, RGB interleaved (HWC), each in [0, 1]. */
  pixels: Float32Array;
  size: number;
}

/**
 * How a photo of any aspect ratio becomes a square: `cover` scales its shorter side to the square's
 * and keeps the centre (how the Corel-5k models' training photos were prepared); `fill` squashes
 * the whole photo into the square, as Flickr8k's photos were before this project got them.
 */
export type ModelInputFit = 'cover' | 'fill';

/**
 * The square RGB array the models take, from an image's bytes: normally the bytes a person
 * uploaded (after prepareUpload's checks), or a dataset's file.
 *
 * Resize mode (`fit`), "cover" by default, with a centre crop: the image is scaled so that its
 * shorter side is `size`, and the middle `size` × `size` is kept. For similarity features this
 * keeps the content at the same scale whatever the aspect ratio, and puts no padding in the
 * picture: with "contain", landscape and portrait photos would get white bars in different places,
 * and the bars alone would make images look alike or different. The cost is the edges of very
 * wide or tall images. "fill" squashes the whole image to the square instead, for a model whose
 * training photos were squashed. Downscaling uses lanczos3, like the datasets' own thumbnails.
 * Transparency is flattened onto white; greyscale becomes three equal channels.
 */
export async function toModelInput(data: Uint8Array, size = 128, options: { fit?: ModelInputFit } = {}): Promise<ModelInput> {
  if (!Number.isInteger(size) || size < 1 || size > 4096) throw new RangeError(`toModelInput: size must be an integer from 1 to 4096, got ${size}`);
  let raw: { data: Buffer; info: sharp.OutputInfo };
  try {
    raw = await sharp(data, { failOn: 'warning', animated: false })
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .resize(size, size, { fit: options.fit ?? 'cover', position: 'centre', kernel: 'lanczos3' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new AppError('CORRUPT_IMAGE', "This image is damaged or incomplete, so we can't open it. Upload it again.", { cause: error });
  }
  const { info } = raw;
  if (info.width !== size || info.height !== size || info.channels !== 3 || raw.data.length !== size * size * 3) {
    throw new Error(`toModelInput: expected ${size}×${size}×3, got ${info.width}×${info.height}×${info.channels}`);
  }
  const pixels = new Float32Array(size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = raw.data[i] / 255;
  return { pixels, size };
}

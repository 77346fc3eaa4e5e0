/**
 * MNIST, from the original gzipped idx files in `<DATA_DIR>/mnist/`.
 *
 * What is there (see shared/data/README.md):
 * - `t10k-images-idx3-ubyte.gz` + `t10k-labels-idx1-ubyte.gz`: the 10,000 test images (28×28) and labels;
 * - `train-labels-idx1-ubyte.gz`: the 60,000 training labels;
 * - NOT `train-images-idx3-ubyte.gz`: the training images are absent from the snapshot, so
 *   `loadMnist('train')` throws DATASET_MISSING naming that path. Train on the test images
 *   (or a split of them) until the file is added; nothing else needs to change then.
 *
 * idx format: big-endian; magic = 0x00 0x00 <dtype 0x08 = ubyte> <ndim>, then ndim uint32 sizes,
 * then the data. Images have magic 2051 (3 dims), labels 2049 (1 dim).
 */
import { gunzipSync } from 'node:zlib';
import fsp from 'node:fs/promises';
import { env } from '@/lib/env';
import { DatasetFormatError, datasetPath } from './paths';

export interface MnistSet {
  /** `count × rows × cols` pixels, row-major, 0 = background, 255 = ink. */
  images: Uint8Array;
  /** `count` labels 0–9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export type MnistSplit = 'train' | 'test';

export const MNIST_FILES = {
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
} as const;

const IDX_IMAGES_MAGIC = 2051;
const IDX_LABELS_MAGIC = 2049;

/** Gunzips when the bytes start with the gzip signature; plain idx files pass through. */
function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (error) {
      throw new DatasetFormatError(file, `not a valid gzip file (${(error as Error).message})`, { cause: error });
    }
  }
  return bytes;
}

/** Parses an idx file of unsigned bytes; returns its dimensions and a view of its data. */
export function parseIdx(raw: Uint8Array, file: string, expected: { magic: number; ndim: number }): { dims: number[]; data: Uint8Array } {
  const bytes = maybeGunzip(raw, file);
  if (bytes.length < 4) throw new DatasetFormatError(file, `only ${bytes.length} bytes, too short for an idx header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expected.magic) {
    throw new DatasetFormatError(
      file,
      `magic number is ${magic} (0x${magic.toString(16).padStart(8, '0')}), expected ${expected.magic} ` +
        `(unsigned-byte idx with ${expected.ndim} dimension${expected.ndim === 1 ? '' : 's'})`,
    );
  }
  const headerBytes = 4 + 4 * expected.ndim;
  if (bytes.length < headerBytes) throw new DatasetFormatError(file, `truncated header (${bytes.length} bytes)`);
  const dims: number[] = [];
  for (let d = 0; d < expected.ndim; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== size) {
    throw new DatasetFormatError(
      file,
      `header says ${dims.join(' × ')} = ${size} bytes of data but the file holds ${actual}` +
        (actual < size ? ' (truncated?)' : ''),
    );
  }
  // A plain Uint8Array view (not a Buffer) over the gunzipped bytes: no copy.
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, size) };
}

/** Parses an idx3 image file (magic 2051). */
export function parseIdxImages(raw: Uint8Array, file = 'idx images'): { images: Uint8Array; count: number; rows: number; cols: number } {
  const { dims, data } = parseIdx(raw, file, { magic: IDX_IMAGES_MAGIC, ndim: 3 });
  const [count, rows, cols] = dims;
  if (rows === 0 || cols === 0) throw new DatasetFormatError(file, `image size is ${rows}×${cols}`);
  return { images: data, count, rows, cols };
}

/** Parses an idx1 label file (magic 2049); every label must be 0–9. */
export function parseIdxLabels(raw: Uint8Array, file = 'idx labels'): Uint8Array {
  const { data } = parseIdx(raw, file, { magic: IDX_LABELS_MAGIC, ndim: 1 });
  for (let i = 0; i < data.length; i++) {
    if (data[i] > 9) throw new DatasetFormatError(file, `label ${i} is ${data[i]}, expected 0–9`);
  }
  return data;
}

/** Labels only, e.g. the 60,000 training labels (which have no images here). */
export async function loadMnistLabels(split: MnistSplit = 'test', dataDir: string = env.DATA_DIR): Promise<Uint8Array> {
  const file = datasetPath(dataDir, 'mnist', MNIST_FILES[split].labels);
  return parseIdxLabels(await fsp.readFile(file), file);
}

/**
 * Images and labels of one split. Only `'test'` (10,000 images) exists in the shared data;
 * `'train'` throws DATASET_MISSING for `train-images-idx3-ubyte.gz`.
 */
export async function loadMnist(split: MnistSplit = 'test', dataDir: string = env.DATA_DIR): Promise<MnistSet> {
  const imagesFile = datasetPath(dataDir, 'mnist', MNIST_FILES[split].images);
  const labelsFile = datasetPath(dataDir, 'mnist', MNIST_FILES[split].labels);
  const [imageBytes, labelBytes] = await Promise.all([fsp.readFile(imagesFile), fsp.readFile(labelsFile)]);
  const { images, count, rows, cols } = parseIdxImages(imageBytes, imagesFile);
  const labels = parseIdxLabels(labelBytes, labelsFile);
  if (labels.length !== count) {
    throw new DatasetFormatError(labelsFile, `${labels.length} labels for the ${count} images in ${imagesFile}`);
  }
  return { images, labels, count, rows, cols };
}

/** The 10,000 MNIST test images: the only MNIST images available in the shared data. */
export function loadMnistTest(dataDir: string = env.DATA_DIR): Promise<MnistSet> {
  return loadMnist('test', dataDir);
}

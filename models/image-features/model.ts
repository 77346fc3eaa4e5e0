/**
 * Image features for similarity search and for the multimodal DBM's image pathway.
 *
 * Two parts, each L2-normalised, then concatenated with equal weight (so the Euclidean distance
 * between two photos lies in [0, 2]):
 *   - colour: a joint HSV histogram (12 hue × 3 saturation × 3 value bins), square-rooted
 *     (Hellinger), as in the colour features of Makadia et al.'s JEC baseline;
 *   - GIST (Oliva & Torralba 2001): after local contrast normalisation, the energy of a bank of
 *     Gabor filters (8 orientations, quadrature pairs) at 4 scales of an image pyramid, averaged on
 *     a 4×4 grid: 4 × 8 × 16 = 512 numbers describing the layout of edges and textures.
 * The Gabor part runs in TensorFlow.js (one batched conv per scale); the histogram is plain
 * counting.
 */
import crypto from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { BatchContext, ServableModel } from '@/lib/model-server/types';
import type { ImageFeatureInput, ImageFeatureOutput } from './contract';

export const FEATURE_CONFIG = {
  size: 128,
  hueBins: 12,
  saturationBins: 3,
  valueBins: 3,
  orientations: 8,
  scales: 4,
  grid: 4,
  gabor: { size: 9, wavelength: 4, sigma: 2.2, aspect: 0.8 },
} as const;

const C = FEATURE_CONFIG;
export const COLOUR_DIMS = C.hueBins * C.saturationBins * C.valueBins;
export const GIST_DIMS = C.scales * C.orientations * C.grid * C.grid;
export const FEATURE_DIMS = COLOUR_DIMS + GIST_DIMS;
export const FEATURE_VERSION = `gist-colour-${crypto.createHash('sha256').update(JSON.stringify(C)).digest('hex').slice(0, 12)}`;

export type { ImageFeatureInput, ImageFeatureOutput } from './contract';

/** Quadrature pairs of Gabor filters, [k, k, 1, 2·orientations]: even (cos) then odd (sin) per angle. */
export function gaborBank(): tf.Tensor4D {
  const { size, wavelength, sigma, aspect } = C.gabor;
  const half = (size - 1) / 2;
  const data = new Float32Array(size * size * 2 * C.orientations);
  for (let o = 0; o < C.orientations; o++) {
    const theta = (Math.PI * o) / C.orientations;
    const even = new Float32Array(size * size);
    const odd = new Float32Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = x - half;
        const dy = y - half;
        const u = dx * Math.cos(theta) + dy * Math.sin(theta);
        const v = -dx * Math.sin(theta) + dy * Math.cos(theta);
        const envelope = Math.exp(-(u * u + aspect * aspect * v * v) / (2 * sigma * sigma));
        even[y * size + x] = envelope * Math.cos((2 * Math.PI * u) / wavelength);
        odd[y * size + x] = envelope * Math.sin((2 * Math.PI * u) / wavelength);
      }
    }
    // Zero mean (a flat patch gives no response) and unit energy, so orientations compare fairly.
    for (const filter of [even, odd]) {
      const mean = filter.reduce((a, b) => a + b, 0) / filter.length;
      let energy = 0;
      for (let i = 0; i < filter.length; i++) energy += (filter[i] -= mean) ** 2;
      const scale = 1 / Math.sqrt(energy);
      for (let i = 0; i < filter.length; i++) filter[i] *= scale;
    }
    for (let i = 0; i < size * size; i++) {
      data[i * 2 * C.orientations + o] = even[i];
      data[i * 2 * C.orientations + C.orientations + o] = odd[i];
    }
  }
  return tf.tensor4d(data, [size, size, 1, 2 * C.orientations]);
}

/** Subtracts a local mean and divides by a local contrast, as GIST's pre-filter does. */
function localContrastNormalise(gray: tf.Tensor4D): tf.Tensor4D {
  const mean = tf.avgPool(gray, 9, 1, 'same');
  const centred = tf.sub(gray, mean);
  const contrast = tf.sqrt(tf.add(tf.avgPool(tf.square(centred) as tf.Tensor4D, 9, 1, 'same'), 1e-3));
  return tf.div(centred, contrast);
}

/** GIST descriptors of a batch of RGB images [n, size, size, 3] → [n, GIST_DIMS]. */
export function gist(images: tf.Tensor4D, bank: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const gray = tf.sum(tf.mul(images, tf.tensor1d([0.299, 0.587, 0.114])), -1, true) as tf.Tensor4D;
    let level = localContrastNormalise(gray);
    const parts: tf.Tensor2D[] = [];
    for (let s = 0; s < C.scales; s++) {
      const responses = tf.conv2d(level, bank, 1, 'same');
      const [even, odd] = tf.split(responses, 2, -1) as tf.Tensor4D[];
      const energy = tf.sqrt(tf.add(tf.add(tf.square(even), tf.square(odd)), 1e-8)) as tf.Tensor4D;
      const cell = level.shape[1]! / C.grid;
      const pooled = tf.avgPool(energy, cell, cell, 'valid'); // [n, grid, grid, orientations]
      parts.push(tf.reshape(pooled, [images.shape[0], -1]));
      level = tf.avgPool(level, 2, 2, 'valid');
    }
    return l2Normalise(tf.concat(parts, 1));
  });
}

/** Joint HSV histogram of one image, square-rooted and L2-normalised. */
export function colourHistogram(pixels: Float32Array): Float32Array {
  const counts = new Float32Array(COLOUR_DIMS);
  for (let i = 0; i < pixels.length; i += 3) {
    const r = pixels[i], g = pixels[i + 1], b = pixels[i + 2];
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const delta = max - min;
    let hue = 0;
    if (delta > 0) {
      if (max === r) hue = ((g - b) / delta + 6) % 6;
      else if (max === g) hue = (b - r) / delta + 2;
      else hue = (r - g) / delta + 4;
    }
    const saturation = max === 0 ? 0 : delta / max;
    const h = Math.min(C.hueBins - 1, Math.floor((hue / 6) * C.hueBins));
    const s = Math.min(C.saturationBins - 1, Math.floor(saturation * C.saturationBins));
    const v = Math.min(C.valueBins - 1, Math.floor(max * C.valueBins));
    counts[(h * C.saturationBins + s) * C.valueBins + v] += 1;
  }
  let energy = 0;
  for (let i = 0; i < counts.length; i++) {
    counts[i] = Math.sqrt(counts[i]);
    energy += counts[i] * counts[i];
  }
  const norm = Math.sqrt(energy) || 1;
  for (let i = 0; i < counts.length; i++) counts[i] /= norm;
  return counts;
}

function l2Normalise(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.add(tf.norm(x, 'euclidean', 1, true), 1e-12));
}

/** Features of a batch of images: [colour | GIST] / √2, so each vector has unit length. */
export function imageFeatures(inputs: ImageFeatureInput[], bank: tf.Tensor4D): Float32Array[] {
  const pixelsPerImage = C.size * C.size * 3;
  for (const input of inputs) {
    if (!(input.pixels instanceof Float32Array) || input.pixels.length !== pixelsPerImage) {
      throw Object.assign(new Error(`Image features need ${C.size}×${C.size} RGB pixels.`), { code: 'BAD_REQUEST' });
    }
  }
  const batch = new Float32Array(inputs.length * pixelsPerImage);
  inputs.forEach((input, i) => batch.set(input.pixels, i * pixelsPerImage));
  const gistRows = tf.tidy(() => gist(tf.tensor4d(batch, [inputs.length, C.size, C.size, 3]), bank));
  const gistData = gistRows.dataSync() as Float32Array;
  gistRows.dispose();
  return inputs.map((input, i) => {
    const vector = new Float32Array(FEATURE_DIMS);
    const colour = colourHistogram(input.pixels);
    for (let d = 0; d < COLOUR_DIMS; d++) vector[d] = colour[d] * Math.SQRT1_2;
    for (let d = 0; d < GIST_DIMS; d++) vector[COLOUR_DIMS + d] = gistData[i * GIST_DIMS + d] * Math.SQRT1_2;
    return vector;
  });
}

let bank: tf.Tensor4D | undefined;

export const servable: ServableModel<ImageFeatureInput, ImageFeatureOutput> = {
  async load() {
    bank ??= gaborBank();
    return { version: FEATURE_VERSION };
  },
  async runBatch(inputs: ImageFeatureInput[], _ctx: BatchContext) {
    return imageFeatures(inputs, bank ?? (bank = gaborBank())).map((vector) => ({ vector }));
  },
};

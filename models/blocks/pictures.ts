/** Pictures for the figures a model draws (models/foundations/contract.ts), built from model outputs. */

/** One image: grey (1 channel) or colour (3), row-major, values 0–255. */
export interface Picture {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Uint8Array;
  /** Shown under the picture (a coefficient, a distance, a digit). */
  label?: string;
}

/** Grey levels in [0, 1] (clipped) → a grey picture. */
export function greyPicture(values: ArrayLike<number>, width: number, height: number, label?: string): Picture {
  if (values.length !== width * height) throw new Error(`a ${width}×${height} picture needs ${width * height} values, got ${values.length}`);
  const pixels = Uint8Array.from({ length: values.length }, (_, i) => Math.round(255 * Math.min(1, Math.max(0, values[i]))));
  return { width, height, channels: 1, pixels, label };
}

/**
 * Signed values (a basis function, a whitened patch) → a grey picture with zero at mid-grey,
 * scaled so the largest magnitude reaches black or white.
 */
export function signedPicture(values: ArrayLike<number>, width: number, height: number, label?: string): Picture {
  let largest = 1e-12;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]));
  return greyPicture(Array.from(values, (v) => 0.5 + v / (2 * largest)), width, height, label);
}

/** Row `index` of a row-major [rows × size] array. */
export const rowOf = (matrix: Float32Array, index: number, size: number): Float32Array => matrix.subarray(index * size, (index + 1) * size);

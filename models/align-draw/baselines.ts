/**
 * What alignDRAW's bounds are compared with, and the small arithmetic both evaluations share.
 */

/**
 * Independent Bernoulli pixels fitted on `train` (per value, with add-one smoothing) and scored on
 * `test` the way the model is trained: cross-entropy against grey levels in [0, 1], nats per image.
 * For binary images this is an exact log-likelihood.
 */
export function independentPixels(train: Float32Array, test: Float32Array, imageSize: number): number {
  const n = train.length / imageSize;
  const p = new Float64Array(imageSize);
  for (let i = 0; i < train.length; i++) p[i % imageSize] += train[i];
  for (let j = 0; j < imageSize; j++) p[j] = (p[j] + 1) / (n + 2);
  let total = 0;
  for (let i = 0; i < test.length; i++) {
    const x = test[i];
    const q = p[i % imageSize];
    total += x * Math.log(q) + (1 - x) * Math.log(1 - q);
  }
  return total / (test.length / imageSize);
}

/** Four decimals, for JSON. */
export const round = (x: number): number => Number(x.toFixed(4));

export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

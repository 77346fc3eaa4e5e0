/**
 * ZCA whitening, as sparse coding (Olshausen & Field 1996) and the learned
 * features (Coates & Ng 2012) whiten their patches before learning: fitted on training patches,
 *
 *   W = U (Λ + ε)^{-½} Uᵀ,   C = U Λ Uᵀ the patches' covariance (covariance.ts, divided by n, float64),
 *
 * where ε damps the weakest (highest-frequency) directions instead of amplifying their noise.
 * Plain row-major Float32Arrays, `patches × pixels`.
 */
import { symmetricEigen } from './frechet';
import { covariance } from './covariance';
import { columnMeans } from './statistics';

export interface Whitening {
  pixels: number;
  /** Mean patch of the training patches (after each patch's own mean is removed, ≈ 0). */
  mean: Float32Array;
  /** W = U (Λ + ε)^{-½} Uᵀ, `pixels × pixels`. */
  whiten: Float32Array;
  /** W⁻¹ = U (Λ + ε)^{½} Uᵀ, back to grey levels. */
  dewhiten: Float32Array;
  /** The principal directions Uᵀ as rows, by falling variance (also those of the whitened patches). */
  components: Float32Array;
  /** Λ, the training patches' variance along each component (falling). */
  variances: Float32Array;
  epsilon: number;
}

/** Fits W (and W⁻¹) on `patches × pixels` training patches. */
export function fitWhitening(patches: Float32Array, pixels: number, epsilon: number): Whitening {
  const mean = columnMeans(patches, pixels);
  const { values, vectors } = symmetricEigen(covariance(patches, pixels, { mean, divideBy: 'n' }), pixels, 1e-10);
  const order = Array.from({ length: pixels }, (_, i) => i).sort((p, q) => values[q] - values[p]);
  const variances = Float32Array.from(order, (i) => Math.max(0, values[i]));
  const components = new Float32Array(pixels * pixels);
  order.forEach((source, r) => {
    for (let j = 0; j < pixels; j++) components[r * pixels + j] = vectors[j * pixels + source];
  });
  const build = (power: number) => {
    const out = new Float32Array(pixels * pixels);
    for (let r = 0; r < pixels; r++) {
      const s = (variances[r] + epsilon) ** power;
      for (let i = 0; i < pixels; i++) {
        const ui = components[r * pixels + i] * s;
        for (let j = 0; j < pixels; j++) out[i * pixels + j] += ui * components[r * pixels + j];
      }
    }
    return out;
  };
  return { pixels, mean: Float32Array.from(mean), whiten: build(-0.5), dewhiten: build(0.5), components, variances, epsilon };
}

/** y = M (x − offset) for every row x (M symmetric `pixels × pixels`). */
export function applySymmetric(matrix: Float32Array, rows: Float32Array, pixels: number, offset?: Float32Array): Float32Array {
  const count = rows.length / pixels;
  const out = new Float32Array(rows.length);
  const x = new Float32Array(pixels);
  for (let b = 0; b < count; b++) {
    for (let j = 0; j < pixels; j++) x[j] = rows[b * pixels + j] - (offset ? offset[j] : 0);
    for (let i = 0; i < pixels; i++) {
      let s = 0;
      for (let j = 0; j < pixels; j++) s += matrix[i * pixels + j] * x[j];
      out[b * pixels + i] = s;
    }
  }
  return out;
}

/** Whitened patches: W (x − μ). */
export const whitenPatches = (w: Whitening, patches: Float32Array): Float32Array => applySymmetric(w.whiten, patches, w.pixels, w.mean);

/** Back to (DC-free) grey levels: W⁻¹ y + μ. */
export function dewhitenPatches(w: Whitening, whitened: Float32Array): Float32Array {
  const out = applySymmetric(w.dewhiten, whitened, w.pixels);
  for (let i = 0; i < out.length; i++) out[i] += w.mean[i % w.pixels];
  return out;
}

/**
 * Sparse coding of natural-image patches (Olshausen & Field 1996, "Emergence of simple-cell
 * receptive field properties by learning a sparse code for natural images"), the first building
 * block of the tutorial: a patch x is explained as a few dictionary atoms,
 *
 *   x ≈ D a,    E(a, D) = ½‖x − D a‖² + λ‖a‖₁                                            (1)
 *
 * and learning alternates the two minimisations of (1):
 *
 * - the lasso step (inference): â = argmin_a E(a, D), by ISTA / FISTA (Beck & Teboulle 2009):
 *     a ← S_{λ/L}(y − ∇/L),  ∇ = Dᵀ(D y − x) = G y − Dᵀx,  G = DᵀD,  L = ‖G‖₂              (2)
 *   with S_t(v) = sign(v) max(|v| − t, 0) the soft threshold and y = a (ISTA) or FISTA's
 *   momentum point y = aₜ + (tₖ − 1)/tₖ₊₁ (aₜ − aₜ₋₁);
 * - the dictionary step (learning): with the codes fixed, least squares on D,
 *     min_D Σ‖x − D a‖²,  then every atom renormalised to ‖dₖ‖ = 1                             (3)
 *   (the renormalisation stops the trivial escape of (1): larger atoms, smaller codes). O&F took
 *   a gradient step; we solve it atom by atom over running sums of the codes (Mairal et al.
 *   2009), which needs no learning rate and gives clean atoms in a few hundred minibatches.
 *
 * Patches are whitened first (O&F whitened their images and rolled off the highest frequencies):
 * ZCA whitening fitted on training patches, W = U (Λ + ε)^{-½} Uᵀ, where the ε damps the weakest
 * (highest-frequency) directions instead of amplifying their noise (models/blocks/whitening.ts).  (4)
 *
 * Layout: plain row-major Float32Arrays. The dictionary is `atoms × pixels` (atom k is row k),
 * codes are `patches × atoms`, patches `patches × pixels`.
 */
import { standardNormal } from '@/models/blocks/statistics';

export const PATCH_SIZE = 12;
export const PATCH_PIXELS = PATCH_SIZE * PATCH_SIZE;
export const ATOMS = 192;

/** A dictionary: `atoms` unit-norm rows of `pixels` values. */
export interface Dictionary {
  atoms: number;
  pixels: number;
  /** `atoms × pixels`, row k is atom dₖ. */
  values: Float32Array;
}

// ——— soft threshold and the lasso objective (1) ———

/** S_t(v) = sign(v) max(|v| − t, 0). */
export function softThreshold(v: number, t: number): number {
  return v > t ? v - t : v < -t ? v + t : 0;
}

/** X̂ = A D: `patches × pixels` reconstructions from `patches × atoms` codes. */
export function reconstruct(codes: Float32Array, dictionary: Dictionary): Float32Array {
  const { atoms, pixels, values } = dictionary;
  const count = codes.length / atoms;
  const out = new Float32Array(count * pixels);
  for (let b = 0; b < count; b++) {
    const row = b * pixels;
    for (let k = 0; k < atoms; k++) {
      const a = codes[b * atoms + k];
      if (a === 0) continue;
      const atom = k * pixels;
      for (let j = 0; j < pixels; j++) out[row + j] += a * values[atom + j];
    }
  }
  return out;
}

/** E(a, D) of (1), summed over the patches. */
export function lassoObjective(patches: Float32Array, codes: Float32Array, dictionary: Dictionary, lambda: number): number {
  const recon = reconstruct(codes, dictionary);
  let squared = 0;
  for (let i = 0; i < patches.length; i++) squared += (patches[i] - recon[i]) ** 2;
  let l1 = 0;
  for (let i = 0; i < codes.length; i++) l1 += Math.abs(codes[i]);
  return 0.5 * squared + lambda * l1;
}

/** G = D Dᵀ in our layout (= DᵀD of the paper's column layout): the atoms' inner products. */
export function gram(dictionary: Dictionary): Float32Array {
  const { atoms, pixels, values } = dictionary;
  const g = new Float32Array(atoms * atoms);
  for (let k = 0; k < atoms; k++) {
    for (let l = k; l < atoms; l++) {
      let dot = 0;
      for (let j = 0; j < pixels; j++) dot += values[k * pixels + j] * values[l * pixels + j];
      g[k * atoms + l] = dot;
      g[l * atoms + k] = dot;
    }
  }
  return g;
}

/** L = ‖G‖₂, the Lipschitz constant of ∇ in (2), by power iteration (with a 1% margin). */
export function lipschitz(g: Float32Array, atoms: number, iterations = 100): number {
  let v = new Float64Array(atoms).fill(1 / Math.sqrt(atoms));
  let norm = 0;
  for (let it = 0; it < iterations; it++) {
    const w = new Float64Array(atoms);
    for (let k = 0; k < atoms; k++) {
      let s = 0;
      for (let l = 0; l < atoms; l++) s += g[k * atoms + l] * v[l];
      w[k] = s;
    }
    norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    if (norm === 0) return 1;
    v = w.map((x) => x / norm);
  }
  return norm * 1.01;
}

/** Dᵀx for every patch: `patches × atoms`. */
function correlations(patches: Float32Array, dictionary: Dictionary): Float32Array {
  const { atoms, pixels, values } = dictionary;
  const count = patches.length / pixels;
  const out = new Float32Array(count * atoms);
  for (let b = 0; b < count; b++) {
    for (let k = 0; k < atoms; k++) {
      let dot = 0;
      for (let j = 0; j < pixels; j++) dot += patches[b * pixels + j] * values[k * pixels + j];
      out[b * atoms + k] = dot;
    }
  }
  return out;
}

export interface LassoOptions {
  lambda: number;
  iterations: number;
  /** FISTA's momentum (default) or plain ISTA, whose objective falls at every step. */
  accelerated?: boolean;
  /** Stop a patch early once no coefficient moves more than this (0: run every iteration). */
  tolerance?: number;
  /** Called after every iteration with the codes so far (tests watch the objective). */
  onIteration?: (codes: Float32Array, iteration: number) => void;
  /** Reuse a Gram matrix and its L across calls with the same dictionary. */
  gram?: { g: Float32Array; L: number };
}

/**
 * The lasso step (2): â = argmin ½‖x − D a‖² + λ‖a‖₁ for every patch, by ISTA or FISTA from a = 0.
 * Returns `patches × atoms` codes.
 */
export function sparseCodes(patches: Float32Array, dictionary: Dictionary, options: LassoOptions): Float32Array {
  const { atoms, pixels } = dictionary;
  const count = patches.length / pixels;
  const { lambda, iterations, accelerated = true, tolerance = 0 } = options;
  const g = options.gram?.g ?? gram(dictionary);
  const L = options.gram?.L ?? lipschitz(g, atoms);
  const dtx = correlations(patches, dictionary);
  const codes = new Float32Array(count * atoms);
  const threshold = lambda / L;
  const y = new Float64Array(atoms);
  const previous = new Float64Array(atoms);
  const gradient = new Float64Array(atoms);
  const states = options.onIteration ? Array.from({ length: count }, () => ({ a: new Float64Array(atoms), y: new Float64Array(atoms), t: 1, done: false })) : null;
  const step = (b: number, a: Float64Array, yy: Float64Array, t: number): { t: number; moved: number } => {
    gradient.fill(0);
    for (let k = 0; k < atoms; k++) {
      const v = yy[k];
      if (v === 0) continue;
      const row = k * atoms;
      for (let l = 0; l < atoms; l++) gradient[l] += v * g[row + l];
    }
    previous.set(a);
    let moved = 0;
    for (let k = 0; k < atoms; k++) {
      a[k] = softThreshold(yy[k] - (gradient[k] - dtx[b * atoms + k]) / L, threshold);
      moved = Math.max(moved, Math.abs(a[k] - previous[k]));
    }
    if (!accelerated) {
      yy.set(a);
      return { t, moved };
    }
    const next = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const beta = (t - 1) / next;
    for (let k = 0; k < atoms; k++) yy[k] = a[k] + beta * (a[k] - previous[k]);
    return { t: next, moved };
  };
  if (states) {
    // Every patch advances together, so the caller sees the whole batch after each iteration.
    for (let it = 0; it < iterations; it++) {
      for (let b = 0; b < count; b++) {
        const s = states[b];
        if (s.done) continue;
        const r = step(b, s.a, s.y, s.t);
        s.t = r.t;
        if (tolerance > 0 && r.moved < tolerance) s.done = true;
        for (let k = 0; k < atoms; k++) codes[b * atoms + k] = s.a[k];
      }
      options.onIteration!(codes, it + 1);
    }
    return codes;
  }
  // One patch at a time: each converges on its own and stops early (tolerance); y is sparse, so
  // G y skips its zeros.
  const a = new Float64Array(atoms);
  for (let b = 0; b < count; b++) {
    a.fill(0);
    y.fill(0);
    let t = 1;
    for (let it = 0; it < iterations; it++) {
      const r = step(b, a, y, t);
      t = r.t;
      if (tolerance > 0 && r.moved < tolerance) break;
    }
    for (let k = 0; k < atoms; k++) codes[b * atoms + k] = a[k];
  }
  return codes;
}

// ——— the dictionary step (3) ———

/** Every atom scaled to unit length (an atom that died is left at zero). */
export function normaliseAtoms(dictionary: Dictionary): void {
  const { atoms, pixels, values } = dictionary;
  for (let k = 0; k < atoms; k++) {
    let norm = 0;
    for (let j = 0; j < pixels; j++) norm += values[k * pixels + j] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    for (let j = 0; j < pixels; j++) values[k * pixels + j] /= norm;
  }
}

/**
 * The running sums of the dictionary step (3): Σ a aᵀ (`atoms × atoms`) and Σ a xᵀ
 * (`atoms × pixels`) over the patches seen, older batches fading by `forget` each time.
 */
export interface CodeStatistics {
  atoms: number;
  pixels: number;
  aa: Float64Array;
  ax: Float64Array;
}

export function emptyStatistics(atoms: number, pixels: number): CodeStatistics {
  return { atoms, pixels, aa: new Float64Array(atoms * atoms), ax: new Float64Array(atoms * pixels) };
}

/** Σ a aᵀ ← forget · Σ a aᵀ + A Aᵀ, Σ a xᵀ ← forget · Σ a xᵀ + A X (per patch in the batch). */
export function accumulate(stats: CodeStatistics, patches: Float32Array, codes: Float32Array, forget: number): void {
  const { atoms, pixels, aa, ax } = stats;
  const count = patches.length / pixels;
  for (let i = 0; i < aa.length; i++) aa[i] *= forget;
  for (let i = 0; i < ax.length; i++) ax[i] *= forget;
  const active: number[] = [];
  for (let b = 0; b < count; b++) {
    active.length = 0;
    for (let k = 0; k < atoms; k++) if (codes[b * atoms + k] !== 0) active.push(k);
    for (const k of active) {
      const ak = codes[b * atoms + k];
      for (const l of active) aa[k * atoms + l] += ak * codes[b * atoms + l];
      for (let j = 0; j < pixels; j++) ax[k * pixels + j] += ak * patches[b * pixels + j];
    }
  }
}

/**
 * The dictionary step (3) with the codes fixed: min_D Σ‖x − D a‖² over the sums in `stats`,
 * solved atom by atom (block coordinate descent, Mairal et al. 2009 — least squares on one atom
 * with the others fixed):
 *
 *   dⱼ ← dⱼ + (Σ x aⱼ − D Σ a aⱼ) / Σ aⱼ²,  then ‖dⱼ‖ = 1.
 *
 * An atom no patch used keeps its place. In place; returns how many atoms were updated.
 */
export function dictionaryStep(dictionary: Dictionary, stats: CodeStatistics): number {
  const { atoms, pixels, values } = dictionary;
  const { aa, ax } = stats;
  const u = new Float64Array(pixels);
  let updated = 0;
  for (let j = 0; j < atoms; j++) {
    const ajj = aa[j * atoms + j];
    if (ajj < 1e-12) continue;
    // u = Σ x aⱼ − D Σ a aⱼ  (the residual's correlation with aⱼ)
    for (let p = 0; p < pixels; p++) u[p] = ax[j * pixels + p];
    for (let l = 0; l < atoms; l++) {
      const all = aa[l * atoms + j];
      if (all === 0) continue;
      for (let p = 0; p < pixels; p++) u[p] -= all * values[l * pixels + p];
    }
    let norm = 0;
    for (let p = 0; p < pixels; p++) {
      u[p] = values[j * pixels + p] + u[p] / ajj;
      norm += u[p] * u[p];
    }
    norm = Math.sqrt(norm);
    if (norm < 1e-12) continue;
    for (let p = 0; p < pixels; p++) values[j * pixels + p] = u[p] / norm;
    updated++;
  }
  return updated;
}

/** Σ‖x − D a‖² for fixed codes: what the dictionary step lowers. */
export function squaredError(patches: Float32Array, codes: Float32Array, dictionary: Dictionary): number {
  const recon = reconstruct(codes, dictionary);
  let error = 0;
  for (let i = 0; i < patches.length; i++) error += (patches[i] - recon[i]) ** 2;
  return error;
}

/** A dictionary of random unit-norm atoms (Gaussian directions): the starting point, and a control. */
export function randomDictionary(atoms: number, pixels: number, random: () => number): Dictionary {
  const values = new Float32Array(atoms * pixels);
  for (let i = 0; i < values.length; i++) values[i] = standardNormal(random);
  const dictionary = { atoms, pixels, values };
  normaliseAtoms(dictionary);
  return dictionary;
}

/** Atoms started at randomly chosen (whitened) training patches, scaled to unit length. */
export function dictionaryFromPatches(patches: Float32Array, pixels: number, atoms: number, random: () => number): Dictionary {
  const count = patches.length / pixels;
  const values = new Float32Array(atoms * pixels);
  for (let k = 0; k < atoms; k++) {
    const source = Math.floor(random() * count);
    values.set(patches.subarray(source * pixels, (source + 1) * pixels), k * pixels);
  }
  const dictionary = { atoms, pixels, values };
  normaliseAtoms(dictionary);
  return dictionary;
}

// ——— what the numbers are made of ———

/** Σ‖x − x̂‖² / Σ‖x‖² over all the patches (pooled, so near-flat patches do not dominate). */
export function relativeError(patches: Float32Array, reconstructions: Float32Array): number {
  let error = 0;
  let energy = 0;
  for (let i = 0; i < patches.length; i++) {
    error += (patches[i] - reconstructions[i]) ** 2;
    energy += patches[i] ** 2;
  }
  return error / energy;
}

/** Mean number of non-zero coefficients per patch. */
export function meanActive(codes: Float32Array, atoms: number): number {
  let active = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i] !== 0) active++;
  return active / (codes.length / atoms);
}

/**
 * A stronger PCA baseline: each patch keeps its own `k` largest coefficients in the principal
 * components' (orthonormal) basis — the best k-term approximation in that basis.
 */
export function pcaBestTerms(patches: Float32Array, components: Float32Array, pixels: number, k: number): Float32Array {
  const count = patches.length / pixels;
  const out = new Float32Array(patches.length);
  const coefficients = new Float64Array(pixels);
  const order = Array.from({ length: pixels }, (_, r) => r);
  for (let b = 0; b < count; b++) {
    for (let r = 0; r < pixels; r++) {
      let c = 0;
      for (let j = 0; j < pixels; j++) c += components[r * pixels + j] * patches[b * pixels + j];
      coefficients[r] = c;
    }
    order.sort((p, q) => Math.abs(coefficients[q]) - Math.abs(coefficients[p]));
    for (let i = 0; i < k; i++) {
      const r = order[i];
      for (let j = 0; j < pixels; j++) out[b * pixels + j] += coefficients[r] * components[r * pixels + j];
    }
  }
  return out;
}

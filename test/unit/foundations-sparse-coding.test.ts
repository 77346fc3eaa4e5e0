import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@/lib/random';
import { initBackend } from '@/lib/tfjs/backend';
import { covariance } from '@/models/blocks/covariance';
import { applySymmetric, fitWhitening } from '@/models/blocks/whitening';
import {
  accumulate,
  dictionaryStep,
  emptyStatistics,
  lassoObjective,
  normaliseAtoms,
  randomDictionary,
  reconstruct,
  softThreshold,
  sparseCodes,
  squaredError,
  type Dictionary,
} from '@/models/sparse-coding/model';

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A random orthonormal basis of R^n as the rows of a dictionary (Gram–Schmidt). */
function orthonormalDictionary(n: number, random: () => number): Dictionary {
  const values = new Float32Array(n * n);
  const rows: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = Float64Array.from({ length: n }, () => gaussian(random));
    for (const u of rows) {
      const dot = u.reduce((s, x, j) => s + x * v[j], 0);
      for (let j = 0; j < n; j++) v[j] -= dot * u[j];
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    for (let j = 0; j < n; j++) v[j] /= norm;
    rows.push(v);
    values.set(v, k * n);
  }
  return { atoms: n, pixels: n, values };
}

const randomRows = (count: number, n: number, random: () => number) => Float32Array.from({ length: count * n }, () => gaussian(random));

function atomNorms(d: Dictionary): number[] {
  return Array.from({ length: d.atoms }, (_, k) => Math.sqrt(d.values.subarray(k * d.pixels, (k + 1) * d.pixels).reduce((s, v) => s + v * v, 0)));
}

describe('sparse coding: the lasso step (ISTA / FISTA)', () => {
  it('soft-thresholds', () => {
    expect(softThreshold(1.5, 0.5)).toBe(1);
    expect(softThreshold(-1.5, 0.5)).toBe(-1);
    expect(softThreshold(0.3, 0.5)).toBe(0);
  });

  it('with an orthonormal dictionary, reaches the closed-form solution â = S_λ(Dᵀx)', () => {
    const random = mulberry32(1);
    const d = orthonormalDictionary(8, random);
    const x = randomRows(5, 8, random);
    const lambda = 0.6;
    for (const accelerated of [true, false]) {
      const codes = sparseCodes(x, d, { lambda, iterations: 300, accelerated });
      for (let b = 0; b < 5; b++) {
        for (let k = 0; k < 8; k++) {
          let dot = 0;
          for (let j = 0; j < 8; j++) dot += d.values[k * 8 + j] * x[b * 8 + j];
          expect(codes[b * 8 + k]).toBeCloseTo(softThreshold(dot, lambda), 4);
        }
      }
    }
  });

  it('ISTA lowers the objective at every iteration; FISTA ends at a point meeting the lasso optimality conditions', () => {
    const random = mulberry32(2);
    const d = randomDictionary(16, 8, random); // 2× overcomplete
    const x = randomRows(4, 8, random);
    const lambda = 0.3;
    const objectives: number[] = [lassoObjective(x, new Float32Array(4 * 16), d, lambda)];
    sparseCodes(x, d, { lambda, iterations: 200, accelerated: false, onIteration: (codes) => objectives.push(lassoObjective(x, codes, d, lambda)) });
    expect(objectives).toHaveLength(201);
    for (let i = 1; i < objectives.length; i++) expect(objectives[i]).toBeLessThanOrEqual(objectives[i - 1] + 1e-5);
    expect(objectives[200]).toBeLessThan(0.8 * objectives[0]);

    const codes = sparseCodes(x, d, { lambda, iterations: 3000 });
    // KKT: dₖᵀ(x − Dâ) = λ sign(âₖ) where âₖ ≠ 0, and |dₖᵀ(x − Dâ)| ≤ λ elsewhere.
    const residual = reconstruct(codes, d).map((v, i) => x[i] - v);
    let active = 0;
    for (let b = 0; b < 4; b++) {
      for (let k = 0; k < 16; k++) {
        let c = 0;
        for (let j = 0; j < 8; j++) c += d.values[k * 8 + j] * residual[b * 8 + j];
        const a = codes[b * 16 + k];
        if (a !== 0) {
          active++;
          expect(c).toBeCloseTo(lambda * Math.sign(a), 3);
        } else expect(Math.abs(c)).toBeLessThanOrEqual(lambda + 1e-3);
      }
    }
    expect(active).toBeGreaterThan(0);
    expect(active).toBeLessThan(4 * 16); // sparse: some coefficients are exactly zero
    // FISTA's optimum is no worse than 200 ISTA steps.
    expect(lassoObjective(x, codes, d, lambda)).toBeLessThanOrEqual(objectives[200] + 1e-4);
  });
});

describe('sparse coding: the dictionary step', () => {
  it('with the codes fixed, lowers the reconstruction error, keeps unit-norm atoms and recovers the generating dictionary', () => {
    const random = mulberry32(3);
    const atoms = 12;
    const n = 8;
    const truth = randomDictionary(atoms, n, random);
    const count = 400;
    const codes = new Float32Array(count * atoms);
    for (let b = 0; b < count; b++) for (let s = 0; s < 3; s++) codes[b * atoms + Math.floor(random() * atoms)] = gaussian(random);
    const x = reconstruct(codes, truth);
    const d: Dictionary = { atoms, pixels: n, values: truth.values.map((v) => v + 0.3 * gaussian(random)) };
    normaliseAtoms(d);
    const stats = emptyStatistics(atoms, n);
    accumulate(stats, x, codes, 0);
    let before = squaredError(x, codes, d);
    const start = before;
    for (let step = 0; step < 20; step++) {
      dictionaryStep(d, stats);
      const after = squaredError(x, codes, d);
      expect(after).toBeLessThanOrEqual(before + 1e-6);
      before = after;
      for (const norm of atomNorms(d)) expect(norm).toBeCloseTo(1, 5);
    }
    expect(before).toBeLessThan(1e-3 * start);
    for (let i = 0; i < d.values.length; i++) expect(d.values[i]).toBeCloseTo(truth.values[i], 2);
  });
});

describe('sparse coding: whitening', () => {
  it('gives identity covariance on its training patches (ε = 0), and W⁻¹ undoes W', () => {
    const random = mulberry32(4);
    const n = 6;
    const mixing = randomRows(n, n, random);
    const latent = randomRows(4000, n, random);
    const data = new Float32Array(4000 * n);
    for (let b = 0; b < 4000; b++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[b * n + i] += mixing[i * n + j] * latent[b * n + j] + (j === 0 ? 3 : 0);
    const w = fitWhitening(data, n, 0);
    const white = applySymmetric(w.whiten, data, n, w.mean);
    const c = covariance(white, n, { divideBy: 'n' });
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(c[i * n + j]).toBeCloseTo(i === j ? 1 : 0, 3);
    // ZCA: W is symmetric, and W⁻¹W = I.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        expect(w.whiten[i * n + j]).toBeCloseTo(w.whiten[j * n + i], 4);
        let p = 0;
        for (let k = 0; k < n; k++) p += w.dewhiten[i * n + k] * w.whiten[k * n + j];
        expect(p).toBeCloseTo(i === j ? 1 : 0, 3);
      }
    }
    // Principal components by falling variance.
    for (let r = 1; r < n; r++) expect(w.variances[r]).toBeLessThanOrEqual(w.variances[r - 1]);
  });

  it('with ε > 0, rolls off the weak directions: variance λᵣ / (λᵣ + ε) along component r', () => {
    const random = mulberry32(5);
    const n = 4;
    const scales = [3, 1, 0.3, 0.05];
    const data = Float32Array.from({ length: 8000 * n }, (_, i) => scales[i % n] * gaussian(random));
    const epsilon = 0.1;
    const w = fitWhitening(data, n, epsilon);
    const c = covariance(applySymmetric(w.whiten, data, n, w.mean), n, { divideBy: 'n' });
    for (let r = 0; r < n; r++) {
      const u = w.components.subarray(r * n, (r + 1) * n);
      let v = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v += u[i] * c[i * n + j] * u[j];
      expect(v).toBeCloseTo(w.variances[r] / (w.variances[r] + epsilon), 3);
    }
  });
});

describe('sparse coding: the committed checkpoint', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('draws the promised figures: all atoms as bases, and a held-out patch with its code', async () => {
    const { figures } = await import('@/models/sparse-coding/figures');
    const { loadSparseCoding } = await import('@/models/sparse-coding/checkpoint');
    const { version } = await figures.load();
    expect(version).toMatch(/^sparse-coding-[0-9a-f]{12}$/);
    const { dictionary } = await loadSparseCoding();
    for (const norm of atomNorms(dictionary)) expect(norm).toBeCloseTo(1, 2);

    expect(figures.names).toEqual(['bases', 'code']);
    const bases = await figures.figure('bases', 0);
    expect(bases.panels).toHaveLength(1);
    expect(bases.panels[0].pictures).toHaveLength(dictionary.atoms);
    expect(bases.panels[0].pictures[0]).toMatchObject({ width: 12, height: 12, channels: 1 });

    const code = await figures.figure('code', 7);
    expect(code.panels.map((p) => p.title)).toEqual(['Where the patch comes from', 'Patch and reconstruction', expect.stringMatching(/largest coefficients/)]);
    expect(code.panels[1].pictures.map((p) => p.label)).toEqual(['patch', 'reconstruction', 'whitened', 'Dâ (whitened)']);
    const top = code.panels[2].pictures;
    expect(top.length).toBeGreaterThan(0);
    expect(top.length).toBeLessThanOrEqual(8);
    const magnitudes = top.map((p) => Number(p.label!.slice(1)));
    for (let i = 1; i < magnitudes.length; i++) expect(magnitudes[i]).toBeLessThanOrEqual(magnitudes[i - 1]);
    const facts = Object.fromEntries(code.facts.map((f) => [f.label, f.value]));
    expect(facts['active coefficients']).toMatch(/^\d+ of 192$/);
    // The lasso alone guarantees under 100%; a working dictionary explains most of a patch (training: 26%).
    expect(Number(facts['relative error (whitened)'].replace('%', ''))).toBeLessThan(50);
    // The same seed, the same figure.
    expect(await figures.figure('code', 7)).toEqual(code);
    await expect(figures.figure('nope', 0)).rejects.toThrow(/no figure/);
  }, 20_000);
});

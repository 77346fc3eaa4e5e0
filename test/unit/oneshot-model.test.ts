/**
 * The one-shot model's parts: the image → pen-path parse, the correspondence and affine fit
 * between two drawings, the displacement field's likelihood, seeded sampling of variants, fitting
 * one drawing onto another (both ways), learning the two-way score's weights, one-shot
 * classification on a toy run, and the discriminators of the visual-Turing-test proxy.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeOmniglotPng, loadOneShotRuns } from '@/lib/datasets';
import { mulberry32 } from '@/lib/random';
import { renderDrawing, type Drawing } from '@/lib/strokes';
import { initBackend } from '@/lib/tfjs/backend';
import { affinePrior, argmax, classify, distances, fitScores, fitTerms, logScore, referencesOf } from '@/models/oneshot/classify';
import { centred, modifiedHausdorff, nearestExemplar, pathPoints, sizeNormalised } from '@/models/oneshot/distance';
import { registerAffine, registerDeformable } from '@/models/oneshot/register';
import { DISCRIMINATOR_SIZE, meanDiscriminatorAccuracy, type Labelled } from '@/models/oneshot/discriminator';
import { parseImage, thin } from '@/models/oneshot/parse';
import { FIT_TERMS, learnScoreWeights, weightedScore } from '@/models/oneshot/score';
import { OneShotModel } from '@/models/oneshot/model';
import { standardNormal } from '@/models/blocks/statistics';
import { correspond, inkCentre, inkLogSize, normalFieldLogLikelihood, fitAffine, gaussianOf, resampleStroke, sampleVariant, strokeNormals, trimmedGaussianOf, type Placement, type VariationModel } from '@/models/oneshot/variation';

const DATA = path.resolve('../shared/data');

const line = (x0: number, y0: number, x1: number, y1: number, points = 20) =>
  Array.from({ length: points }, (_, i) => ({ x: x0 + ((x1 - x0) * i) / (points - 1), y: y0 + ((y1 - y0) * i) / (points - 1), t: i * 10 }));

function overlap(a: Float32Array, b: Float32Array): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    both += Number(a[i] > 0.5 && b[i] > 0.5);
    either += Number(a[i] > 0.5 || b[i] > 0.5);
  }
  return both / either;
}

describe('parse', () => {
  it('thins a thick bar to a one-pixel line', () => {
    const size = 20;
    const mask = new Uint8Array(size * size);
    for (let r = 8; r <= 12; r++) for (let c = 3; c <= 16; c++) mask[r * size + c] = 1;
    thin(mask, size);
    for (let c = 6; c <= 13; c++) {
      const column = Array.from({ length: size }, (_, r) => mask[r * size + c]);
      expect(column.reduce((a, b) => a + b, 0)).toBe(1);
    }
  });

  it('traces a drawn cross into paths that redraw it', () => {
    const cross: Drawing = [line(20, 52.5, 85, 52.5), line(52.5, 20, 52.5, 85)]; // along pixel centres
    const image = renderDrawing(cross);
    const parse = parseImage(image, 105);
    expect(parse.length).toBeGreaterThanOrEqual(2);
    expect(parse.length).toBeLessThanOrEqual(5); // four arms from the junction, or two crossing strokes
    expect(overlap(renderDrawing(parse), image)).toBeGreaterThan(0.85);
  });

  it("redraws the one-shot runs' characters from their parses", async () => {
    const runs = await loadOneShotRuns(DATA);
    let total = 0;
    for (const run of runs.slice(0, 5)) {
      const image = await decodeOmniglotPng(run.training[0].png);
      total += overlap(renderDrawing(parseImage(image, 105)), image);
    }
    expect(total / 5).toBeGreaterThan(0.85);
  });
});

describe('variation model', () => {
  it('resamples a stroke evenly along its path', () => {
    const points = resampleStroke([{ x: 0, y: 0, t: 0 }, { x: 10, y: 0, t: 1 }, { x: 10, y: 10, t: 2 }], 5);
    expect(points).toEqual([
      [0, 0],
      [5, 0],
      [10, 0],
      [10, 5],
      [10, 10],
    ]);
  });

  it('pairs strokes in drawing order, each the right way round', () => {
    const a: Drawing = [line(10, 10, 50, 10), line(10, 30, 10, 70)];
    const b: Drawing = [line(50, 12, 10, 12), line(11, 30, 11, 70)]; // first stroke drawn backwards
    const matched = correspond(a, b)!;
    expect(matched.q[0][0]).toBeCloseTo(10);
    expect(correspond(a, [a[0]])).toBeNull();
  });

  it('recovers a known affine map with no residual', () => {
    const random = mulberry32(1);
    const p: [number, number][] = Array.from({ length: 30 }, () => [random() * 100, random() * 100]);
    const A = [1.1, 0.2, -0.1, 0.9];
    const q = p.map(([x, y]): [number, number] => [A[0] * x + A[1] * y + 5, A[2] * x + A[3] * y - 3]);
    const { affine, residuals } = fitAffine(p, q);
    affine.A.forEach((a, i) => expect(a).toBeCloseTo(A[i], 2));
    for (const [x, y] of residuals) expect(Math.hypot(x, y)).toBeLessThan(0.5);
  });

  it("the field's likelihood is highest near the σ and ℓ that made the displacements", () => {
    const random = mulberry32(3);
    // Points along a few long strokes, displaced by the model's own field (σ 4 after the halving
    // of sampleVariant, ℓ 15) plus white noise τ 1; scored across the path.
    const strokes: Drawing = Array.from({ length: 6 }, () => {
      const [x0, y0, x1, y1] = [random() * 105, random() * 105, random() * 105, random() * 105];
      return line(x0, y0, x1, y1, 12);
    });
    const points = strokes.flat().map((p): [number, number] => [p.x, p.y]);
    const model: VariationModel = { affine: { mean: [1, 0, 0, 1, 0, 0], covariance: new Array(36).fill(0) }, field: { sigma: 4 * Math.SQRT2, lengthscale: 15, noise: 0 } };
    const moved = sampleVariant(model, strokes, random).flat();
    const residuals = moved.map((p, i): [number, number] => [p.x - points[i][0] + standardNormal(random), p.y - points[i][1] + standardNormal(random)]);
    const normals = strokeNormals(points, 12);
    let best = { ll: -Infinity, sigma: 0, lengthscale: 0 };
    for (const sigma of [1, 2, 4, 8, 16]) {
      for (const lengthscale of [3, 7, 15, 30, 60]) {
        const ll = normalFieldLogLikelihood(points, residuals, normals, sigma, lengthscale, 1);
        if (ll > best.ll) best = { ll, sigma, lengthscale };
      }
    }
    expect([2, 4, 8]).toContain(best.sigma);
    expect([7, 15, 30]).toContain(best.lengthscale);
  });

  it('estimates the affine maps\' spread without being swayed by a few gross mismatches', () => {
    const random = mulberry32(9);
    const rows = Array.from({ length: 400 }, () => Array.from({ length: 6 }, () => standardNormal(random)));
    for (let i = 0; i < 8; i++) rows.push([40, -40, 40, 40, -40, 40]);
    const plain = gaussianOf(rows);
    const robust = trimmedGaussianOf(rows, 14.45);
    expect(plain.covariance[0]).toBeGreaterThan(20);
    expect(robust.covariance[0]).toBeGreaterThan(0.7);
    expect(robust.covariance[0]).toBeLessThan(1.1);
    expect(robust.kept).toBeGreaterThan(0.95);
  });

  it('gives the same variants for the same seed, different ones for another', () => {
    const model: VariationModel = {
      affine: { mean: [1, 0, 0, 1, 0, 0], covariance: [0.01, 0, 0, 0, 0, 0, 0, 0.01, 0, 0, 0, 0, 0, 0, 0.01, 0, 0, 0, 0, 0, 0, 0.01, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 9] },
      field: { sigma: 3, lengthscale: 10, noise: 1 },
    };
    const drawing: Drawing = [line(20, 20, 80, 80)];
    const first = sampleVariant(model, drawing, mulberry32(5));
    expect(sampleVariant(model, drawing, mulberry32(5))).toEqual(first);
    expect(sampleVariant(model, drawing, mulberry32(6))).not.toEqual(first);
    expect(first[0]).toHaveLength(20);
    expect(first[0][5].t).toBe(50); // timing kept
  });

  it('places and sizes variants as people do: toward the frame\'s usual place and size by the fitted regressions', () => {
    const still: VariationModel = { affine: { mean: [1, 0, 0, 1, 0, 0], covariance: new Array(36).fill(0) }, field: { sigma: 0, lengthscale: 10, noise: 0 } };
    const corner: Drawing = [line(5, 5, 25, 5), line(5, 5, 5, 15)];
    // The ink's centre weighs each stroke by its length: the 20 px stroke twice the 10 px one.
    const [cx, cy] = inkCentre(corner);
    expect(cx).toBeCloseTo((2 * 15 + 5) / 3, 5);
    expect(cy).toBeCloseTo((2 * 5 + 10) / 3, 5);
    // A 20 px line's RMS distance from its middle is 20/√12.
    expect(Math.exp(inkLogSize([line(0, 0, 20, 0)]))).toBeCloseTo(20 / Math.sqrt(12), 5);
    const size = inkLogSize(corner);
    const placement = (regression: number, logSize: Placement['logSize']): Placement => ({ x: { mean: 52, regression, deviation: 0 }, y: { mean: 50, regression, deviation: 0 }, logSize });
    const keepSize = { mean: 0, regression: 1, deviation: 0 };
    const placed = (p: Placement, model = still, seed = 1) => sampleVariant(model, corner, mulberry32(seed), { affineSpread: 1, fieldSpread: 1, placement: p });
    expect(inkCentre(placed(placement(0, keepSize)))[0]).toBeCloseTo(52, 5);
    expect(inkCentre(placed(placement(0, keepSize)))[1]).toBeCloseTo(50, 5);
    expect(inkCentre(placed(placement(1, keepSize)))[0]).toBeCloseTo(cx, 5); // regression 1: where it was
    expect(inkCentre(placed(placement(0.25, keepSize)))[0]).toBeCloseTo(52 + 0.25 * (cx - 52), 5);
    expect(inkLogSize(placed(placement(0, keepSize)))).toBeCloseTo(size, 5);
    // Regression 0 toward a usual RMS radius of 20 px: drawn at that size whatever the given one's.
    expect(Math.exp(inkLogSize(placed(placement(0, { mean: Math.log(20), regression: 0, deviation: 0 }))))).toBeCloseTo(20, 4);
    // Without a placement the affine map's translation moves it (here none).
    expect(inkCentre(sampleVariant(still, corner, mulberry32(1)))[0]).toBeCloseTo(cx, 5);
    // A field bends the strokes and would shift and resize them too; the ink centre and size still land where drawn.
    const bending: VariationModel = { ...still, field: { sigma: 6, lengthscale: 30, noise: 0 } };
    const bent = placed(placement(0, { mean: Math.log(20), regression: 0, deviation: 0 }), bending, 2);
    expect(bent).not.toEqual(placed(placement(0, { mean: Math.log(20), regression: 0, deviation: 0 }), still, 2));
    expect(inkCentre(bent)[0]).toBeCloseTo(52, 5);
    expect(inkCentre(bent)[1]).toBeCloseTo(50, 5);
    expect(Math.exp(inkLogSize(bent))).toBeCloseTo(20, 4);
  });

  it('draws variants with the pen the checkpoint chose', () => {
    const variation: VariationModel = { affine: { mean: [1, 0, 0, 1, 0, 0], covariance: new Array(36).fill(0) }, field: { sigma: 0, lengthscale: 10, noise: 0 } };
    const settings = { classificationVariants: 0, temperature: 1, spread: 1, fit: { priorScale: 1, sigma: 1, fieldSigma: 4 } };
    const ink = (image: Float32Array) => image.reduce((a, b) => a + b, 0);
    const cross: Drawing = [line(20.3, 50.3, 80.3, 50.3), line(50.3, 20.3, 50.3, 80.3)];
    const plain = ink(new OneShotModel(variation, settings).variantImages(cross, 1, 1)[0]);
    const bolder = ink(new OneShotModel(variation, { ...settings, drawing: { affineSpread: 1, fieldSpread: 1, pen: 6.7 } }).variantImages(cross, 1, 1)[0]);
    expect(bolder / plain).toBeGreaterThan(1.3); // about 6.7 / 4.7 as wide
  });
});

describe('one-shot classification', () => {
  const circle = (cx: number, cy: number, r: number) => Array.from({ length: 40 }, (_, i) => ({ x: cx + r * Math.cos((2 * Math.PI * i) / 39), y: cy + r * Math.sin((2 * Math.PI * i) / 39), t: i }));
  const exemplars: Drawing[] = [[line(20, 50, 85, 50)], [circle(52, 52, 25)], [line(20, 20, 85, 85), line(85, 20, 20, 85)]];
  // Other "people's" drawings: shifted, resized, slightly bent.
  const tests: Drawing[] = [[circle(40, 60, 20)], [line(30, 30, 80, 80), line(80, 30, 30, 80)], [line(25, 45, 75, 55)]];
  const answers = [1, 2, 0];
  const model: VariationModel = {
    affine: { mean: [1, 0, 0, 1, 0, 0], covariance: [0.02, 0, 0, 0, 0, 0, 0, 0.01, 0, 0, 0, 0, 0, 0, 0.01, 0, 0, 0, 0, 0, 0, 0.02, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 0, 0, 0, 25] },
    field: { sigma: 3, lengthscale: 10, noise: 1 },
  };

  it('finds each drawing its character: by nearest exemplar, with variants, and by fitting', () => {
    const references = exemplars.map((e, k) => referencesOf(e, model, 10, k));
    const matrix = distances(tests, references);
    expect(classify(matrix, 1, 0)).toEqual(answers);
    expect(classify(matrix, 0.25)).toEqual(answers);
    const fitted = fitScores(tests, exemplars, affinePrior(model, 1, 2), { priorScale: 2, sigma: 1, fieldSigma: 8 });
    expect(fitted.map(argmax)).toEqual(answers);
    // Two-way, weighing the distance terms only: the same answers.
    const twoWay = fitScores(tests, exemplars, affinePrior(model, 1, 2), { priorScale: 2, sigma: 1, fieldSigma: 8, weights: [-1, 0, 0, -1, 0, 0] });
    expect(twoWay.map(argmax)).toEqual(answers);
  });

  it('fits both ways: a stroke cannot cover a cross, a cross can only be squashed onto a stroke', () => {
    const cross: Drawing = [line(20, 20, 85, 85), line(85, 20, 20, 85)];
    const stroke: Drawing = [line(20, 20, 85, 85)];
    const fit = { priorScale: 2, sigma: 1, fieldSigma: 8 };
    const [[terms]] = fitTerms([cross], [stroke], affinePrior(model, 1, 2), fit);
    expect(terms).toHaveLength(FIT_TERMS.length);
    // The stroke fitted onto the cross leaves the other stroke unexplained: far, little deformation.
    expect(terms[0]).toBeGreaterThan(100);
    expect(terms[1]).toBeLessThan(1);
    // The cross fitted onto the stroke lies close only by an improbable affine map.
    expect(terms[3]).toBeLessThan(10);
    expect(terms[4]).toBeGreaterThan(10);
    const [[same]] = fitTerms([cross], [cross], affinePrior(model, 1, 2), fit);
    expect(Math.max(...same)).toBeLessThan(0.01);
  });

  it("learns the two-way score's weights: the term that tells characters apart weighs most", () => {
    // Toy episodes: term 0 is small for the right exemplar, term 1 is noise, term 2 is the same for all.
    const random = mulberry32(3);
    const episodes = Array.from({ length: 20 }, () => {
      const answers = Array.from({ length: 10 }, (_, i) => i);
      const terms = answers.map((answer) => answers.map((k) => [(k === answer ? 1 : 3) + random(), 5 * random(), 2]));
      return { terms, answers };
    });
    const { weights, meanLogLikelihood } = learnScoreWeights(episodes);
    expect(weights[0]).toBeLessThan(0);
    expect(Math.abs(weights[0])).toBeGreaterThan(5 * Math.abs(weights[1]));
    expect(meanLogLikelihood).toBeGreaterThan(-0.2); // chance: log(1/10) ≈ −2.3
    const wrong = episodes.flatMap((e) => e.terms.map((row, i) => Number(argmax(row.map((t) => weightedScore(t, weights))) !== e.answers[i])));
    expect(wrong.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('fits a resized, slanted copy of a drawing back onto it, and that copy scores best', () => {
    const exemplar = pathPoints([circle(52, 52, 25), line(30, 30, 75, 75)]);
    const moved = pathPoints([circle(52, 52, 25), line(30, 30, 75, 75)].map((s) => s.map((p) => ({ x: 1.15 * p.x + 0.15 * p.y, y: 0.9 * p.y, t: p.t }))));
    const prior = affinePrior(model, 1, 100); // weak: the data decide
    const a = centred(exemplar);
    const b = centred(moved);
    const fit = registerAffine(a, b, prior, 1);
    expect(fit.theta[0]).toBeCloseTo(1.15, 1);
    expect(fit.theta[1]).toBeCloseTo(0.15, 1);
    expect(fit.theta[3]).toBeCloseTo(0.9, 1);
    expect(fit.meanSquared).toBeLessThan(1);
    const other = centred(pathPoints([line(20, 50, 85, 50)]));
    expect(registerDeformable(a, b, prior, 1, 8).energy).toBeLessThan(registerDeformable(other, b, prior, 1, 8).energy);
  });

  it('scores an exemplar by the mean likelihood over its variants, not the best one alone', () => {
    expect(logScore([1, 1, 1], 1)).toBeCloseTo(-1);
    expect(logScore([1, 100, 100], 1)).toBeLessThan(-1); // one close reference among far ones counts less
    expect(logScore([1, 100, 100], 1, 0)).toBeCloseTo(-1); // only the exemplar itself
  });

  it('measures the modified Hausdorff distance in pixels', () => {
    const a = pathPoints([line(10, 10, 90, 10)]);
    const b = pathPoints([line(10, 13, 90, 13)]);
    expect(modifiedHausdorff(a, b)).toBeCloseTo(3, 1);
    expect(modifiedHausdorff(a, a)).toBe(0);
  });

  it('judges by shape alone once sizes are normalised: a small cross is nearer a large cross than a stroke of its size', () => {
    const cross = (cx: number, cy: number, r: number): Drawing => [line(cx - r, cy - r, cx + r, cy + r, 40), line(cx + r, cy - r, cx - r, cy + r, 40)];
    const small = pathPoints(cross(30, 30, 10));
    const large = pathPoints(cross(60, 55, 30));
    const stroke = pathPoints([line(20, 30, 40, 30, 40)]);
    // As drawn (centred), the small cross lies nearer the stroke of its size than the large cross.
    expect(modifiedHausdorff(centred(small), centred(stroke))).toBeLessThan(modifiedHausdorff(centred(small), centred(large)));
    expect(modifiedHausdorff(sizeNormalised(small), sizeNormalised(large))).toBeLessThan(2); // the small one's points, 2 px apart, spread 3× wider
    expect(nearestExemplar([sizeNormalised(small)], [sizeNormalised(stroke), sizeNormalised(large)])).toEqual([1]);
    // Brought to an RMS radius of 20 px about the frame's centre.
    const normalised = sizeNormalised(large);
    let total = 0;
    for (let i = 0; i < normalised.length; i += 2) total += (normalised[i] - 52.5) ** 2 + (normalised[i + 1] - 52.5) ** 2;
    expect(Math.sqrt(total / (normalised.length / 2))).toBeCloseTo(20, 5);
  });
});

describe('visual-Turing-test proxy', () => {
  it('tells thick strokes from thin ones, and reports each discriminator and their mean', async () => {
    await initBackend('auto');
    const random = mulberry32(9);
    const bar = (width: number): Float32Array => {
      const image = new Float32Array(DISCRIMINATOR_SIZE * DISCRIMINATOR_SIZE);
      const row = 5 + Math.floor(random() * 25);
      for (let r = row; r < row + width; r++) for (let c = 5; c < 30; c++) image[r * DISCRIMINATOR_SIZE + c] = 1;
      return image;
    };
    const set = (n: number): Labelled[] => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? { image: bar(3), human: 1 as const } : { image: bar(1), human: 0 as const }));
    const { mean, accuracies } = await meanDiscriminatorAccuracy(set(60), set(40), { seed: 1, count: 2 });
    expect(accuracies).toHaveLength(2);
    expect(mean).toBeCloseTo((accuracies[0] + accuracies[1]) / 2);
    expect(mean).toBeGreaterThan(0.9);
  });
});

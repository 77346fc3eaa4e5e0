/**
 * How well the learned sparse code describes patches it never saw: held-out 12×12 patches from the
 * Corel-5k test photos, whitened with the stored whitening, coded by the lasso (2) at a few λ,
 * and reconstructed from their codes. Beside each λ, in the same run:
 *
 * - PCA with as many coefficients: each patch projected on the first k principal components of
 *   the training patches, k = the sparse code's mean active count (rounded) — the best fixed
 *   k-dimensional linear code, in the squared-error sense, for the training patches — and, a
 *   stronger version, each patch's own k largest coefficients in the same orthonormal basis;
 * - a random dictionary (as many unit-norm Gaussian atoms) under the same lasso: what the
 *   learning adds.
 *
 * Errors are relative squared errors pooled over the patches, Σ‖x − x̂‖² / Σ‖x‖², in the whitened
 * space the code is learned in; a second column takes the same reconstructions back to grey
 * levels through W⁻¹ (where the low frequencies, which PCA keeps first, carry most of the energy).
 */
import { mulberry32 } from '@/lib/random';
import type { Evaluation, EvaluationRow } from '@/lib/model-cards/evaluation';
import { pcaReconstruct } from '@/models/blocks/pca';
import { dewhitenPatches, whitenPatches } from '@/models/blocks/whitening';
import type { MeasureBlock } from '@/models/blocks/evaluation-report';
import { CHECKPOINT_DIR, loadSparseCoding, MODEL_NAME, sparseCodingVersion } from './checkpoint';
import { samplePatches } from './data';
import {
  gram,
  lipschitz,
  meanActive,
  pcaBestTerms,
  randomDictionary,
  reconstruct,
  relativeError,
  sparseCodes,
  type Dictionary,
} from './model';

/** Held-out patches: this many from each of the 499 test photos, at positions from this seed. */
export const HELD_OUT = { perPhoto: 4, seed: 20260 };
/** The λ of the rows, as multiples of the training λ. */
const LAMBDA_FACTORS = [0.5, 1, 2];
const LASSO = { iterations: 400, tolerance: 1e-5 };
const RANDOM_DICTIONARY_SEED = 17;

export const measure: MeasureBlock = async ({ command, progress }) => {
  const model = await loadSparseCoding(CHECKPOINT_DIR);
  const { dictionary, whitening, meta } = model;
  const pixels = whitening.pixels;
  progress(`decoding the ${HELD_OUT.perPhoto} held-out patches of each Corel-5k test photo…`);
  const held = await samplePatches('test', HELD_OUT.perPhoto, HELD_OUT.seed);
  const x = whitenPatches(whitening, held.patches);
  const grey = dewhitenPatches(whitening, x); // = the patches themselves, up to float rounding
  const pixelError = (whitened: Float32Array) => relativeError(grey, dewhitenPatches(whitening, whitened));

  const code = (d: Dictionary, lambda: number) => {
    const g = gram(d);
    const codes = sparseCodes(x, d, { lambda, ...LASSO, gram: { g, L: lipschitz(g, d.atoms) } });
    const recon = reconstruct(codes, d);
    return { active: meanActive(codes, d.atoms), error: relativeError(x, recon), pixelError: pixelError(recon) };
  };
  const control = randomDictionary(dictionary.atoms, pixels, mulberry32(RANDOM_DICTIONARY_SEED));

  const rows: EvaluationRow[] = [];
  const comparisons: { lambda: number; ours: number; pca: number; best: number; k: number }[] = [];
  for (const factor of LAMBDA_FACTORS) {
    const lambda = meta.config.lambda * factor;
    progress(`λ = ${lambda}: lasso on ${held.count} patches (learned and random dictionaries), PCA…`);
    const ours = code(dictionary, lambda);
    const k = Math.max(1, Math.round(ours.active));
    const pcaRecon = pcaReconstruct({ d: pixels, k, components: whitening.components }, x);
    const pca = { active: k, error: relativeError(x, pcaRecon), pixelError: pixelError(pcaRecon) };
    const bestRecon = pcaBestTerms(x, whitening.components, pixels, k);
    const best = { active: k, error: relativeError(x, bestRecon), pixelError: pixelError(bestRecon) };
    const random = code(control, lambda);
    const trained = factor === 1 ? ' (the training λ)' : '';
    rows.push(
      { key: `sparse-${factor}`, label: `Sparse code, λ = ${lambda}${trained}`, kind: 'ours', values: { lambda, ...ours } },
      { key: `pca-${factor}`, label: `PCA, first ${k} components`, kind: 'baseline', values: { lambda: null, ...pca }, note: factor === LAMBDA_FACTORS[0] ? 'principal components of the training patches (whitened), as many per patch as the sparse code above has active coefficients on average' : undefined },
      { key: `pca-best-${factor}`, label: `PCA basis, ${k} largest coefficients`, kind: 'baseline', values: { lambda: null, ...best }, note: factor === LAMBDA_FACTORS[0] ? 'the same orthonormal basis, but each patch keeps its own k largest coefficients (the best k-term approximation in that basis)' : undefined },
      { key: `random-${factor}`, label: `Random dictionary, λ = ${lambda}`, kind: 'baseline', values: { lambda, ...random }, note: factor === LAMBDA_FACTORS[0] ? `${control.atoms} random unit-norm atoms (seed ${RANDOM_DICTIONARY_SEED}) under the same lasso: what learning the atoms adds` : undefined },
    );
    comparisons.push({ lambda, ours: ours.error, pca: pca.error, best: best.error, k });
  }

  const met = comparisons.every((c) => c.ours < c.pca);
  const evaluation: Evaluation = {
    model: MODEL_NAME,
    date: new Date().toISOString(),
    command,
    data: `${held.count} held-out ${Math.sqrt(pixels)}×${Math.sqrt(pixels)} grey patches (${HELD_OUT.perPhoto} per photo, positions from seed ${HELD_OUT.seed}, each patch's mean removed) from the 499 Corel-5k test photos; the dictionary (${dictionary.atoms} atoms) and the whitening were fitted on ${meta.config.trainingPatches} patches of the 4,500 training photos`,
    protocol: `Patches whitened with the stored ZCA whitening (ε = ${whitening.epsilon}), coded by FISTA (up to ${LASSO.iterations} iterations) for min ½‖x − Da‖² + λ‖a‖₁ and reconstructed as Dâ; errors are Σ‖x − x̂‖² / Σ‖x‖² pooled over the patches. No published figure is comparable: Olshausen & Field (1996) show the learned bases and the sparsity of the code, not a reconstruction error on a fixed set of patches.`,
    modelVersion: await sparseCodingVersion(CHECKPOINT_DIR),
    columns: [
      { key: 'lambda', label: 'λ', format: 'number', help: 'the sparsity penalty of the lasso (the dictionary was trained at the middle value)' },
      { key: 'active', label: 'coefficients / patch', format: 'number', help: 'non-zero coefficients per patch, averaged (PCA: the components kept)' },
      { key: 'error', label: 'error (whitened)', format: 'percent', help: 'Σ‖x − x̂‖² / Σ‖x‖² on the whitened held-out patches (the space the code is learned in)' },
      { key: 'pixelError', label: 'error (grey levels)', format: 'percent', help: 'the same reconstructions taken back to grey levels through W⁻¹, relative to the patches themselves' },
    ],
    rows,
    goal: {
      text: 'The sparse code reconstructs held-out whitened patches better than PCA with as many coefficients, at every λ',
      met,
      detail: `${comparisons.map((c) => `λ ${c.lambda}: ${(100 * c.ours).toFixed(1)}% vs PCA-${c.k} ${(100 * c.pca).toFixed(1)}%`).join('; ')}; against each patch's ${comparisons.map((c) => c.k).join('/')} best PCA coefficients the sparse code is ${comparisons.every((c) => c.ours < c.best) ? 'better at every λ' : `better at ${comparisons.filter((c) => c.ours < c.best).length} of ${comparisons.length} λ`}`,
    },
  };
  return evaluation;
};

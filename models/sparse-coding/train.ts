/**
 * Learns a sparse code for natural-image patches (Olshausen & Field 1996; model.ts):
 *
 * 1. samples grey 12×12 patches from the Corel-5k training photos (data.ts), each patch's mean removed;
 * 2. fits ZCA whitening with a roll-off ε on them (4) — rounded to float16 at once, so the stored
 *    whitening is the one the dictionary learns under;
 * 3. starts the atoms at random whitened patches, then for every minibatch alternates the lasso
 *    step (2) (FISTA) and the dictionary step (3), the latter over running sums of the codes.
 *
 *   npx tsx models/sparse-coding/train.ts [--epochs 3] [--seed 1] [--atoms 192] [--lambda 0.6]
 *       [--epsilon 0.01] [--batch 100] [--iterations 100] [--per-photo 9] [--forget 0.97]
 *       [--out models/sparse-coding/checkpoint]
 *
 * The checkpoint (and meta.json with the training curves) is written after every epoch, so a run
 * can be stopped at any epoch. Held-out numbers come from evaluate.ts.
 */
import path from 'node:path';
import { log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { mulberry32 } from '@/lib/random';
import { initBackend } from '@/lib/tfjs/backend';
import { Rng } from '@/models/blocks/random';
import { fitWhitening, whitenPatches } from '@/models/blocks/whitening';
import { CHECKPOINT_DIR, MODEL_NAME, roundToHalf, saveSparseCoding, type HistoryPoint, type SparseCodingMeta } from './checkpoint';
import { DATA_DESCRIPTION, samplePatches } from './data';
import {
  accumulate,
  dictionaryFromPatches,
  dictionaryStep,
  emptyStatistics,
  gram,
  lassoObjective,
  lipschitz,
  meanActive,
  PATCH_PIXELS,
  PATCH_SIZE,
  reconstruct,
  relativeError,
  sparseCodes,
} from './model';

const flags = parseFlags();
const number = (name: string, fallback: number) => {
  const value = Number(flags.get(name) ?? fallback);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, not ${flags.get(name)}`);
  return value;
};
const seed = number('seed', 1);
const epochs = number('epochs', 3);
const atoms = number('atoms', 192);
const lambda = number('lambda', 0.6);
const epsilon = number('epsilon', 0.01);
const batchSize = number('batch', 100);
const lassoIterations = number('iterations', 100);
const patchesPerPhoto = number('per-photo', 9);
const forget = number('forget', 0.97);
const out = String(flags.get('out') ?? CHECKPOINT_DIR);
const command = `npx tsx models/sparse-coding/train.ts ${process.argv.slice(2).join(' ')}`.trim();

const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const started = Date.now();

// 1. Patches from the training photos.
const decoding = new ProgressBar('decoding training photos', 4500);
const set = await samplePatches('train', patchesPerPhoto, seed, (done) => decoding.update(done));
log(`${set.count} training patches of ${PATCH_SIZE}×${PATCH_SIZE}`);

// 2. ZCA whitening (4), rounded to what float16 storage keeps.
const fitted = fitWhitening(set.patches, PATCH_PIXELS, epsilon);
const whitening = {
  ...fitted,
  mean: roundToHalf(fitted.mean),
  whiten: roundToHalf(fitted.whiten),
  dewhiten: roundToHalf(fitted.dewhiten),
  components: roundToHalf(fitted.components),
  variances: roundToHalf(fitted.variances),
};
const patches = whitenPatches(whitening, set.patches);
const damped = fitted.variances.filter((v) => v < epsilon).length;
log(`whitening: ε = ${epsilon} damps ${damped} of ${PATCH_PIXELS} directions (variances ${fitted.variances[0].toExponential(2)} … ${fitted.variances[PATCH_PIXELS - 2].toExponential(2)})`);

// 3. Alternate the lasso step (2) and the dictionary step (3) over minibatches.
const rng = new Rng(seed);
const dictionary = dictionaryFromPatches(patches, PATCH_PIXELS, atoms, mulberry32(rng.seed()));
const stats = emptyStatistics(atoms, PATCH_PIXELS);
const batchesPerEpoch = Math.floor(set.count / batchSize);
const batch = new Float32Array(batchSize * PATCH_PIXELS);
const history: HistoryPoint[] = [];
log(`${atoms} atoms (${(atoms / (PATCH_PIXELS - 1)).toFixed(2)}× overcomplete), λ = ${lambda}, ${batchesPerEpoch} minibatches of ${batchSize} per epoch`);

for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = rng.permutation(set.count);
  const bar = new ProgressBar(`epoch ${epoch}/${epochs}`, batchesPerEpoch);
  let objective = 0;
  let error = 0;
  let active = 0;
  for (let step = 0; step < batchesPerEpoch; step++) {
    for (let r = 0; r < batchSize; r++) {
      const source = order[step * batchSize + r];
      batch.set(patches.subarray(source * PATCH_PIXELS, (source + 1) * PATCH_PIXELS), r * PATCH_PIXELS);
    }
    const g = gram(dictionary);
    const codes = sparseCodes(batch, dictionary, { lambda, iterations: lassoIterations, tolerance: 1e-4, gram: { g, L: lipschitz(g, atoms) } });
    objective += lassoObjective(batch, codes, dictionary, lambda) / batchSize;
    error += relativeError(batch, reconstruct(codes, dictionary));
    active += meanActive(codes, atoms);
    accumulate(stats, batch, codes, forget);
    dictionaryStep(dictionary, stats);
    bar.update(step + 1, `E ${(objective / (step + 1)).toFixed(2)}  err ${(error / (step + 1)).toFixed(3)}  active ${(active / (step + 1)).toFixed(1)}`);
  }
  const point = { epoch, objective: objective / batchesPerEpoch, relativeError: error / batchesPerEpoch, active: active / batchesPerEpoch };
  history.push(point);
  const meta: SparseCodingMeta = {
    model: MODEL_NAME,
    data: DATA_DESCRIPTION,
    command,
    seed,
    epochs: epoch,
    trainingSeconds: Math.round((Date.now() - started) / 1000),
    date: new Date().toISOString(),
    backend: backend.name,
    config: { patchSize: PATCH_SIZE, atoms, lambda, epsilon, batchSize, lassoIterations, forget, trainingPatches: set.count, patchesPerPhoto },
    metrics: { objective: point.objective, relativeError: point.relativeError, active: point.active },
    history,
  };
  await saveSparseCoding(out, { dictionary, whitening, meta });
  log(`epoch ${epoch}: E ${point.objective.toFixed(3)} per patch, relative error ${point.relativeError.toFixed(4)}, ${point.active.toFixed(1)} active; saved ${path.relative(process.cwd(), out)}`);
}

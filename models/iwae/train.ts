/**
 * Trains the VAE (k = 1, the ELBO) and the IWAE (k = 5, the bound L_5) of model.ts — the same
 * 784-200-200-50 architecture, the same initial weights, the same minibatches — on the 8,000 MNIST
 * training images, dynamically binarized (every pixel drawn afresh from its grey level each time an
 * image is used), with Adam (β = 0.9, 0.999, ε = 10⁻⁴, as Burda et al.). The two models take turns
 * an epoch at a time, so both always have the same number of epochs; the checkpoint is rewritten
 * after every epoch, so a stopped run still leaves both models.
 *
 *   npx tsx models/iwae/train.ts [--epochs 60] [--k 5] [--batch 100] [--lr 0.001] [--seed 1] [--minutes M] [--out DIR]
 *   npx tsx models/iwae/train.ts --resume --epochs 90 [--minutes M] [--out DIR]
 *
 * `--minutes` stops after the epoch that passes M minutes (the epochs actually run are recorded).
 * `--resume` continues the checkpoint in DIR up to `--epochs` in all (with its k, batch, learning
 * rate and seed; Adam's moment estimates are not saved, so they start again from zero).
 */
import { formatSeconds, log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { mulberry32, seededShuffle } from '@/lib/random';
import { initBackend } from '@/lib/tfjs/backend';
import { loadBinaryMnist, loadGreyImages } from '@/lib/datasets';
import * as tf from '@tensorflow/tfjs';
import { CHECKPOINT_DIR, loadModels, MODELS, saveCheckpoint, type HistoryPoint, type IwaeMeta, type ModelKey } from './checkpoint';
import { binarize, IMAGE_PIXELS, Iwae, logMeanExpOf } from './model';

const flags = parseFlags();
const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const epochs = Number(flags.get('epochs') ?? 60);
const minutes = flags.has('minutes') ? Number(flags.get('minutes')) : Infinity;
const out = String(flags.get('out') ?? CHECKPOINT_DIR);
const resumed = flags.has('resume') ? await loadModels(out) : undefined;
const k = resumed?.meta.configs.iwae.k ?? Number(flags.get('k') ?? 5);
const batchSize = resumed?.meta.batchSize ?? Number(flags.get('batch') ?? 100);
const learningRate = resumed?.meta.configs.vae.learningRate ?? Number(flags.get('lr') ?? 1e-3);
const seed = resumed?.meta.seed ?? Number(flags.get('seed') ?? 1);
const firstEpoch = (resumed?.meta.epochs ?? 0) + 1;
/** Held-out images for the training curves (not for choosing anything). */
const CURVE_IMAGES = 500;

const data = await loadGreyImages('mnist');
const curveImages = (await loadBinaryMnist()).heldOut.subarray(0, CURVE_IMAGES * IMAGE_PIXELS);
log(`mnist: ${data.train.count} training images (dynamically binarized), ${CURVE_IMAGES} held-out images for the curves`);

// The same seed → the same initial weights for both: the objectives are the only difference.
const models: Record<ModelKey, Iwae> = resumed?.models ?? { vae: new Iwae({ k: 1, learningRate }, seed), iwae: new Iwae({ k, learningRate }, seed) };
if (resumed) log(`resuming after epoch ${resumed.meta.epochs}, up to epoch ${epochs}`);
log(`784-200-200-50 (tanh), ${models.vae.parameterCount.toLocaleString('en')} weights each; VAE k = 1, IWAE k = ${k}`);

const batchesPerEpoch = Math.floor(data.train.count / batchSize);
const history: HistoryPoint[] = resumed?.meta.history ?? [];
const seconds: Record<ModelKey, number> = { ...(resumed?.meta.secondsPerModel ?? { vae: 0, iwae: 0 }) };
// Each run (first, or resumed after epoch e) draws its binarizations from its own streams.
const random: Record<ModelKey, () => number> = { vae: mulberry32(seed * 7919 + 1 + 1000 * firstEpoch), iwae: mulberry32(seed * 7919 + 2 + 1000 * firstEpoch) };
const grey = new Float32Array(batchSize * IMAGE_PIXELS);
const binary = new Float32Array(batchSize * IMAGE_PIXELS);
const started = Date.now();
const earlierSeconds = resumed?.meta.trainingSeconds ?? 0;
const bar = new ProgressBar('VAE+IWAE', 2 * (epochs - firstEpoch + 1) * batchesPerEpoch);
let step = 0;
let epochsRun = firstEpoch - 1;

/** Mean L_1 and L_5 over the curve images, from one draw of 5 samples each. */
function heldOutBounds(model: Iwae, epoch: number): { l1: number; l5: number } {
  const weights = model.sampleLogWeights(curveImages, 5, seed * 100_003 + epoch);
  let l1 = 0;
  let l5 = 0;
  for (let r = 0; r < CURVE_IMAGES; r++) {
    for (let i = 0; i < 5; i++) l1 += weights[r * 5 + i] / 5;
    l5 += logMeanExpOf(weights, r * 5, r * 5 + 5);
  }
  return { l1: l1 / CURVE_IMAGES, l5: l5 / CURVE_IMAGES };
}

for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
  // Both models see the same minibatches in the same order (each with its own binarization).
  const order = seededShuffle(Array.from({ length: data.train.count }, (_, i) => i), seed * 1000 + epoch);
  const objective: Record<ModelKey, number> = { vae: 0, iwae: 0 };
  for (const key of MODELS) {
    const t0 = Date.now();
    for (let b = 0; b < batchesPerEpoch; b++) {
      for (let i = 0; i < batchSize; i++) grey.set(data.train.pixels.subarray(order[b * batchSize + i] * IMAGE_PIXELS, (order[b * batchSize + i] + 1) * IMAGE_PIXELS), i * IMAGE_PIXELS);
      const value = models[key].trainStep(binarize(grey, random[key], binary), seed * 1_000_003 + 2 * (firstEpoch - 1) * batchesPerEpoch + step);
      if (!Number.isFinite(value)) throw new Error(`the ${key} objective became ${value} at epoch ${epoch}`);
      objective[key] += value / batchesPerEpoch;
      bar.update(++step, `epoch ${epoch} ${key}`);
    }
    seconds[key] += (Date.now() - t0) / 1000;
  }
  const vae = heldOutBounds(models.vae, epoch);
  const iwae = heldOutBounds(models.iwae, epoch);
  history.push({ epoch, vaeTrainElbo: objective.vae, iwaeTrainBound: objective.iwae, vaeHeldOutL1: vae.l1, vaeHeldOutL5: vae.l5, iwaeHeldOutL1: iwae.l1, iwaeHeldOutL5: iwae.l5 });
  epochsRun = epoch;
  log(`epoch ${epoch}: train ELBO (VAE) ${objective.vae.toFixed(2)}, L_${k} (IWAE) ${objective.iwae.toFixed(2)}; held-out L1/L5 VAE ${vae.l1.toFixed(2)}/${vae.l5.toFixed(2)}, IWAE ${iwae.l1.toFixed(2)}/${iwae.l5.toFixed(2)}; tensors ${tf.memory().numTensors}`);

  const last = history[history.length - 1];
  const meta: IwaeMeta = {
    model: 'iwae',
    data: `${data.description}; the 8,000 training images are dynamically binarized (each pixel drawn afresh with probability its grey level every time an image is used)`,
    command: resumed
      ? `${resumed.meta.command.replace(/ && .*$/, '')} && npx tsx models/iwae/train.ts --resume --epochs ${epochsRun}`
      : `npx tsx models/iwae/train.ts --epochs ${epochsRun} --k ${k} --batch ${batchSize} --lr ${learningRate} --seed ${seed}`,
    resumedAfter: [...(resumed?.meta.resumedAfter ?? []), ...(resumed ? [resumed.meta.epochs] : [])],
    seed,
    epochs: epochsRun,
    batchSize,
    steps: epochsRun * batchesPerEpoch,
    backend: backend.name,
    trainingSeconds: earlierSeconds + Math.round((Date.now() - started) / 1000),
    secondsPerModel: { vae: Math.round(seconds.vae), iwae: Math.round(seconds.iwae) },
    date: new Date().toISOString(),
    configs: { vae: models.vae.config, iwae: models.iwae.config },
    parameters: models.vae.parameterCount,
    metrics: { vaeTrainElbo: last.vaeTrainElbo, iwaeTrainBound: last.iwaeTrainBound, vaeHeldOutL5: last.vaeHeldOutL5, iwaeHeldOutL5: last.iwaeHeldOutL5 },
    history,
  };
  await saveCheckpoint(out, models, meta);
  if ((Date.now() - started) / 60_000 > minutes) {
    log(`stopping after epoch ${epoch}: past ${minutes} minutes`);
    break;
  }
}
log(`done: ${epochsRun} epochs in ${formatSeconds((Date.now() - started) / 1000)} (VAE ${formatSeconds(seconds.vae)}, IWAE ${formatSeconds(seconds.iwae)}); checkpoint in ${out}`);

/**
 * What the GAN evaluation measures against, trained on the GAN's own training images:
 * - the feature classifier (features.ts) whose penultimate layer the Fréchet distance compares and
 *   whose predictions count the classes of samples; its held-out accuracy goes in its meta.json;
 * - the VAE of the GAN's size (vae.ts), whose samples show what a pixel-likelihood model draws.
 * Both go into the dataset's checkpoint folder (`features/`, `vae/`, float16).
 *
 *   npx tsx models/gan/scripts/train-baselines.ts [--data mnist|omniglot] [--classifier-epochs 4] [--vae-epochs 20] [--seed 1]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { formatSeconds, log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { seededShuffle } from '@/lib/random';
import { initBackend } from '@/lib/tfjs/backend';
import { saveTensors } from '@/models/blocks';
import { checkpointDir } from '../checkpoint';
import { GAN_DATASETS, loadGanData, type GanDataset } from '../data';
import { FEATURES_DIR, FeatureNet } from '../features';
import { IMAGE_PIXELS } from '../model';
import { Vae, VAE_DIR } from '../vae';

const flags = parseFlags();
const dataset = String(flags.get('data') ?? 'mnist') as GanDataset;
if (!GAN_DATASETS.includes(dataset)) throw new Error(`--data must be one of ${GAN_DATASETS.join(', ')}, got ${dataset}`);
const classifierEpochs = Number(flags.get('classifier-epochs') ?? 4);
const vaeEpochs = Number(flags.get('vae-epochs') ?? 20);
const seed = Number(flags.get('seed') ?? 1);
const out = checkpointDir(dataset);
const command = `npx tsx models/gan/scripts/train-baselines.ts --data ${dataset} --classifier-epochs ${classifierEpochs} --vae-epochs ${vaeEpochs} --seed ${seed}`;

const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const data = await loadGanData(dataset);

// ── The feature classifier ─────────────────────────────────────────────────────────────────────
let started = Date.now();
const classifier = FeatureNet.create(data.classes);
await classifier.train(data, { epochs: classifierEpochs, seed });
const heldOutAccuracy = classifier.accuracy(data.heldOut);
log(`feature classifier: ${(100 * heldOutAccuracy).toFixed(1)}% right on the ${data.heldOut.count} held-out images (${formatSeconds((Date.now() - started) / 1000)})`);
await classifier.save(path.join(out, FEATURES_DIR), {
  model: `feature classifier for the Fréchet distance on ${dataset}`,
  data: data.description,
  command,
  seed,
  epochs: classifierEpochs,
  metrics: { heldOutAccuracy, heldOutImages: data.heldOut.count },
  trainingSeconds: Math.round((Date.now() - started) / 1000),
});
classifier.dispose();

// ── The VAE ────────────────────────────────────────────────────────────────────────────────────
started = Date.now();
const vae = new Vae({}, seed);
const batchSize = 64;
const batches = Math.floor(data.train.count / batchSize);
const bar = new ProgressBar('VAE'.padEnd(20), vaeEpochs * batches);
const batch = new Float32Array(batchSize * IMAGE_PIXELS);
const history: { epoch: number; trainBound: number; heldOutBound: number }[] = [];
let step = 0;
for (let epoch = 1; epoch <= vaeEpochs; epoch++) {
  const order = seededShuffle(Array.from({ length: data.train.count }, (_, i) => i), seed * 1000 + epoch);
  let sum = 0;
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < batchSize; i++) batch.set(data.train.pixels.subarray(order[b * batchSize + i] * IMAGE_PIXELS, (order[b * batchSize + i] + 1) * IMAGE_PIXELS), i * IMAGE_PIXELS);
    sum += vae.trainStep(batch, seed * 1_000_003 + step);
    step++;
    bar.update(step, `epoch ${epoch}`);
  }
  history.push({ epoch, trainBound: sum / batches, heldOutBound: vae.meanBound(data.heldOut.pixels.subarray(0, 500 * IMAGE_PIXELS), 7) });
  log(`VAE epoch ${epoch}: bound ${history.at(-1)!.trainBound.toFixed(1)} nats (training), ${history.at(-1)!.heldOutBound.toFixed(1)} (500 held-out images)`);
}
const vaeDir = path.join(out, VAE_DIR);
await fs.mkdir(vaeDir, { recursive: true });
await saveTensors(vaeDir, vae.named(), 'float16');
await fs.writeFile(
  path.join(vaeDir, 'meta.json'),
  `${JSON.stringify(
    {
      model: `VAE of the GAN's size on ${dataset} (the evaluation's comparison)`,
      data: data.description,
      command,
      seed,
      epochs: vaeEpochs,
      batchSize,
      config: vae.config,
      parameters: vae.parameterCount,
      history,
      trainingSeconds: Math.round((Date.now() - started) / 1000),
      backend: backend.name,
    },
    null,
    2,
  )}\n`,
);
log(`saved ${vaeDir} (${formatSeconds((Date.now() - started) / 1000)})`);
vae.dispose();

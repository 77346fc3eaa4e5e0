/**
 * Trains the DCGAN of model.ts on one dataset: per batch, one discriminator step on real images
 * against fresh samples, then one generator step (non-saturating loss). Writes the generator (float16)
 * and its batch-norm statistics, the training curves (D and G losses, D(x), D(G(z))), and snapshots
 * of 16 fixed latent vectors' samples after every epoch — the game as it was played — to the
 * checkpoint folder, rewritten after every epoch so an interrupted run still leaves a model.
 *
 *   npx tsx models/gan/train.ts [--data mnist|omniglot] [--epochs 20] [--batch 64] [--seed 1] [--out DIR]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { formatSeconds, log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { seededShuffle } from '@/lib/random';
import { initBackend } from '@/lib/tfjs/backend';
import { GAN_DATASETS, loadGanData, type GanDataset } from './data';
import { Gan, IMAGE_PIXELS, latentsFromSeeds } from './model';
import { checkpointDir, saveGenerator, SNAPSHOT_LATENTS, type GanMeta, type HistoryPoint } from './checkpoint';

const flags = parseFlags();
const dataset = String(flags.get('data') ?? 'mnist') as GanDataset;
if (!GAN_DATASETS.includes(dataset)) throw new Error(`--data must be one of ${GAN_DATASETS.join(', ')}, got ${dataset}`);
const epochs = Number(flags.get('epochs') ?? 20);
const batchSize = Number(flags.get('batch') ?? 64);
const seed = Number(flags.get('seed') ?? 1);
const out = String(flags.get('out') ?? checkpointDir(dataset));
/** Training-curve points per epoch. */
const POINTS_PER_EPOCH = 5;

const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const data = await loadGanData(dataset);
log(`${dataset}: ${data.train.count} training images, ${data.heldOut.count} held out`);

const gan = new Gan({}, seed);
log(`generator ${gan.parameterCount.generator.toLocaleString('en')} weights, discriminator ${gan.parameterCount.discriminator.toLocaleString('en')}`);
const snapshotLatents = latentsFromSeeds(0, SNAPSHOT_LATENTS, gan.config.latent);

const batchesPerEpoch = Math.floor(data.train.count / batchSize);
const history: HistoryPoint[] = [];
const snapshots: Uint8Array[] = [toBytes(gan.sample(snapshotLatents))];
const started = Date.now();
const bar = new ProgressBar('DCGAN'.padEnd(8), epochs * batchesPerEpoch);
const batch = new Float32Array(batchSize * IMAGE_PIXELS);
let step = 0;
let recent: { d: number; g: number; real: number; fake: number }[] = [];

for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = seededShuffle(Array.from({ length: data.train.count }, (_, i) => i), seed * 1000 + epoch);
  for (let b = 0; b < batchesPerEpoch; b++) {
    for (let i = 0; i < batchSize; i++) {
      const source = order[b * batchSize + i] * IMAGE_PIXELS;
      // Grey levels [0, 1] → the generator's tanh range [−1, 1].
      for (let j = 0; j < IMAGE_PIXELS; j++) batch[i * IMAGE_PIXELS + j] = 2 * data.train.pixels[source + j] - 1;
    }
    const result = gan.trainStep(batch, seed * 1_000_003 + step);
    step++;
    if (!Number.isFinite(result.discriminatorLoss) || !Number.isFinite(result.generatorLoss)) throw new Error(`the losses became ${result.discriminatorLoss}, ${result.generatorLoss} at step ${step}`);
    recent.push({ d: result.discriminatorLoss, g: result.generatorLoss, real: result.realScore, fake: result.fakeScore });
    if (step % Math.max(1, Math.floor(batchesPerEpoch / POINTS_PER_EPOCH)) === 0) {
      const avg = (key: 'd' | 'g' | 'real' | 'fake') => recent.reduce((s, r) => s + r[key], 0) / recent.length;
      history.push({ step, epoch: step / batchesPerEpoch, discriminatorLoss: avg('d'), generatorLoss: avg('g'), realScore: avg('real'), fakeScore: avg('fake') });
      recent = [];
    }
    bar.update(step, `epoch ${epoch} · D loss ${result.discriminatorLoss.toFixed(3)} · G loss ${result.generatorLoss.toFixed(3)} · D(x) ${result.realScore.toFixed(2)} · D(G(z)) ${result.fakeScore.toFixed(2)}`);
    // Lets Ctrl-C through between steps.
    if (step % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  snapshots.push(toBytes(gan.sample(snapshotLatents)));
  const meta: GanMeta = {
    dataset,
    data: data.description,
    command: `npx tsx models/gan/train.ts --data ${dataset} --epochs ${epochs} --batch ${batchSize} --seed ${seed}`,
    seed,
    epochs: epoch,
    batchSize,
    steps: step,
    backend: backend.name,
    trainingSeconds: Math.round((Date.now() - started) / 1000),
    config: gan.config,
    parameters: gan.parameterCount,
    history,
    snapshots: { latentSeeds: Array.from({ length: SNAPSHOT_LATENTS }, (_, i) => i), afterEpochs: snapshots.map((_, i) => i) },
    trainedAt: new Date().toISOString(),
  };
  await saveGenerator(out, gan, meta, snapshots);
  log(`\nepoch ${epoch}/${epochs} saved to ${out} (${formatSeconds((Date.now() - started) / 1000)})`);
}
gan.dispose();

function toBytes(images: Float32Array): Uint8Array {
  return Uint8Array.from(images, (v) => Math.round(255 * Math.min(1, Math.max(0, v))));
}

await fs.access(path.join(out, 'meta.json'));

/**
 * Trains the semantic-hashing autoencoder 784-500-250-32 on MNIST's 8,000 training images:
 * logistic layers, a 32-unit logistic code layer with Gaussian noise of growing std added to its
 * input (0 → --noise over the first half of training, then held), a logistic output with
 * cross-entropy, minibatch Adam. The outer layers (784-500-250 and back) start from the committed
 * deep autoencoder's (models/autoencoder/checkpoint; --init random starts from scratch), the code
 * layers from random weights. Saved after every epoch.
 *
 *   npx tsx models/semantic-hashing/train.ts [--epochs 40] [--batch 50] [--lr 0.001] [--noise 4] [--seed 1] [--init autoencoder|random] [--out DIR]
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { formatSeconds, log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { loadTensors, weightsVersion } from '@/models/blocks/checkpoint';
import { loadGreyImages } from '@/lib/datasets';
import { CHECKPOINT_DIR, CODE_BITS, DATA_SENTENCE, saveHashing, type HashingMeta, type HistoryPoint } from './checkpoint';
import { DeepAutoencoder, noiseSchedule, PIXELS, trainDeepAutoencoder } from './model';

const flags = parseFlags();
const epochs = Number(flags.get('epochs') ?? 40);
const batchSize = Number(flags.get('batch') ?? 50);
const learningRate = Number(flags.get('lr') ?? 1e-3);
const topNoise = Number(flags.get('noise') ?? 4);
const seed = Number(flags.get('seed') ?? 1);
const init = String(flags.get('init') ?? 'autoencoder');
if (init !== 'autoencoder' && init !== 'random') throw new Error(`--init must be autoencoder or random, got ${init}`);
const out = String(flags.get('out') ?? CHECKPOINT_DIR);
const LAYERS = [PIXELS, 500, 250, CODE_BITS];
/** The deep autoencoder's committed weights (models/autoencoder/checkpoint), which `--init autoencoder` starts the outer layers from. */
const AUTOENCODER_DIR = path.join(CHECKPOINT_DIR, '..', '..', 'autoencoder', 'checkpoint');

const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const data = await loadGreyImages('mnist');
const train = data.train.pixels;
log(`MNIST: ${data.train.count} training images`);

// The outer layers from the deep autoencoder: its encoder's first two layers and its decoder's last two.
let given: Record<string, tf.Tensor> | undefined;
let source: Record<string, tf.Tensor> = {};
let initialisation = 'random Glorot-uniform weights';
if (init === 'autoencoder') {
  source = await loadTensors(AUTOENCODER_DIR);
  given = { 'enc/0/W': source['enc/0/W'], 'enc/0/b': source['enc/0/b'], 'enc/1/W': source['enc/1/W'], 'enc/1/b': source['enc/1/b'], 'dec/1/W': source['dec/1/W'], 'dec/1/b': source['dec/1/b'], 'dec/2/W': source['dec/2/W'], 'dec/2/b': source['dec/2/b'] };
  initialisation = `784-500-250 and 250-500-784 layers from the deep autoencoder ${await weightsVersion(AUTOENCODER_DIR, 'autoencoder')}; the 250-32 and 32-250 code layers random`;
}
const model = new DeepAutoencoder({ layers: LAYERS, code: 'binary', learningRate }, seed, given);
log(`semantic hashing ${LAYERS.join('-')}: ${model.parameterCount.toLocaleString('en')} weights; ${initialisation}`);

const noise = noiseSchedule(topNoise, epochs);
const monitor = train.subarray(0, 1000 * PIXELS);
const history: HistoryPoint[] = [];
const started = Date.now();
const bar = new ProgressBar('hashing', epochs * Math.floor(data.train.count / batchSize));
await trainDeepAutoencoder({
  model,
  images: train,
  epochs,
  batchSize,
  seed,
  noise,
  onStep: (step, r) => bar.update(step, `cross-entropy ${r.crossEntropy.toFixed(1)} · squared error ${r.squaredError.toFixed(2)}`),
  onEpoch: async (report) => {
    const probabilities = model.codeProbabilities(monitor);
    let saturated = 0;
    for (const p of probabilities) if (p < 0.1 || p > 0.9) saturated++;
    history.push({ epoch: report.epoch, noise: report.noise, trainCrossEntropy: report.crossEntropy, trainSquaredError: report.squaredError, saturated: saturated / probabilities.length });
    const meta: HashingMeta = {
      model: 'semantic-hashing',
      data: DATA_SENTENCE,
      command: `npx tsx models/semantic-hashing/train.ts --epochs ${epochs} --batch ${batchSize} --lr ${learningRate} --noise ${topNoise} --seed ${seed} --init ${init}`,
      seed,
      epochs: report.epoch,
      batchSize,
      backend: backend.name,
      trainingSeconds: Math.round((Date.now() - started) / 1000),
      date: new Date().toISOString(),
      network: {
        layers: LAYERS,
        code: `${CODE_BITS} logistic units; test-time code [σ(logit) > ½]`,
        noise: `Gaussian noise added to the code units' input in training, std rising linearly from 0 to ${topNoise} over the first half of the epochs, then held`,
        initialisation,
        optimiser: `Adam, learning rate ${learningRate}, batch ${batchSize}, cross-entropy on grey levels`,
        parameters: model.parameterCount,
      },
      metrics: { trainSquaredError: report.squaredError, saturatedCodeUnits: saturated / probabilities.length },
      history,
    };
    await saveHashing(out, model, meta);
    log(`\nepoch ${report.epoch}/${epochs}: noise ${report.noise.toFixed(2)} · squared error ${report.squaredError.toFixed(2)} · ${(100 * saturated / probabilities.length).toFixed(1)}% of code units saturated · saved (${formatSeconds((Date.now() - started) / 1000)})`);
  },
});
tf.dispose(Object.values(source));
log(`done in ${formatSeconds((Date.now() - started) / 1000)}`);

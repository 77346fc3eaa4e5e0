/**
 * Trains the autoencoder block on MNIST's training split (8,000 grey-level images):
 *
 * 1. PCA of the training images (the top 30 components; the linear autoencoder's target);
 * 2. a linear autoencoder with K hidden units by full-batch gradient descent with momentum on the
 *    squared error, logging the principal angles to the top-K PCA subspace as it goes;
 * 3. a deep autoencoder 784-500-250-30 (logistic units, linear code, logistic output,
 *    cross-entropy) by minibatch Adam from random weights — no RBM pretraining — saved after
 *    every epoch so an interrupted run still leaves a model.
 *
 *   npx tsx models/autoencoder/train.ts [--epochs 60] [--batch 50] [--seed 1] [--k 10] [--linear-steps 3000] [--lr 0.003] [--out DIR]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { formatSeconds, log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { loadGreyImages } from '@/lib/datasets';
import { pcaOfCovariance, pcaReconstruct } from '@/models/blocks/pca';
import { covariance } from '@/models/blocks/covariance';
import { columnMeans, mean } from '@/models/blocks/statistics';
import { CHECKPOINT_DIR, DATA_SENTENCE, PCA_COMPONENTS, saveAutoencoder, type AutoencoderMeta, type HistoryPoint, type LinearHistoryPoint } from './checkpoint';
import { DeepAutoencoder, LinearAutoencoder, PIXELS, principalAngles, squaredErrors, trainDeepAutoencoder } from './model';

const flags = parseFlags();
const epochs = Number(flags.get('epochs') ?? 60);
const batchSize = Number(flags.get('batch') ?? 50);
const seed = Number(flags.get('seed') ?? 1);
const k = Number(flags.get('k') ?? 10);
const linearSteps = Number(flags.get('linear-steps') ?? 3000);
const learningRate = Number(flags.get('lr') ?? 3e-3);
const out = String(flags.get('out') ?? CHECKPOINT_DIR);
const LINEAR_RATE = 0.02;
const MOMENTUM = 0.9;

const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const data = await loadGreyImages('mnist');
const train = data.train.pixels;
const heldOut = data.heldOut.pixels;
log(`MNIST: ${data.train.count} training images, ${data.heldOut.count} held out`);
const started = Date.now();

// 1. PCA.
const mu = columnMeans(train, PIXELS);
const c = covariance(train, PIXELS, { mean: mu, divideBy: 'n', arithmetic: 'float32' });
const pca = pcaOfCovariance(c, PIXELS, PCA_COMPONENTS, mu, { seed });
const pcaHeldOut = mean(squaredErrors(heldOut, pcaReconstruct(pca, heldOut)));
log(`PCA-${PCA_COMPONENTS}: top eigenvalues ${Array.from(pca.eigenvalues.slice(0, 12), (v) => v.toFixed(3)).join(' ')}; held-out squared error ${pcaHeldOut.toFixed(2)} (${formatSeconds((Date.now() - started) / 1000)})`);

// 2. The linear autoencoder: gradient descent on L = tr((I − ED)ᵀ C (I − ED)).
const linear = new LinearAutoencoder(PIXELS, k, seed);
const cTensor = tf.tensor2d(Float32Array.from(c), [PIXELS, PIXELS]);
const topK = pca.components.slice(0, k * PIXELS);
let discarded = pca.totalVariance;
for (let i = 0; i < k; i++) discarded -= pca.eigenvalues[i];
const linearHistory: LinearHistoryPoint[] = [];
const linearBar = new ProgressBar(`linear AE (K=${k})`, linearSteps);
for (let step = 1; step <= linearSteps; step++) {
  const loss = linear.step(cTensor, LINEAR_RATE, MOMENTUM);
  if (!Number.isFinite(loss)) throw new Error(`the linear autoencoder's loss became ${loss} at step ${step}`);
  if (step % 100 === 0 || step === 1) {
    const angles = principalAngles(linear.basis(), topK, k, PIXELS);
    linearHistory.push({ step, loss, largestAngle: Math.max(...angles), meanAngle: mean(angles) });
    linearBar.update(step, `loss ${loss.toFixed(4)} (PCA-${k}: ${discarded.toFixed(4)}) · largest angle ${Math.max(...angles).toFixed(3)}°`);
  }
}
cTensor.dispose();

// 3. The deep autoencoder.
const deep = new DeepAutoencoder({ layers: [PIXELS, 500, 250, PCA_COMPONENTS], code: 'linear', learningRate }, seed);
log(`deep autoencoder ${deep.config.layers.join('-')}: ${deep.parameterCount.toLocaleString('en')} weights`);
const history: HistoryPoint[] = [];
const bar = new ProgressBar('deep AE', epochs * Math.floor(data.train.count / batchSize));
const deepStarted = Date.now();
await trainDeepAutoencoder({
  model: deep,
  images: train,
  epochs,
  batchSize,
  seed,
  onStep: (step, r) => bar.update(step, `cross-entropy ${r.crossEntropy.toFixed(1)} · squared error ${r.squaredError.toFixed(2)}`),
  onEpoch: async (report) => {
    // Held-out error is recorded to draw the curve, never used to choose anything.
    const heldOutError = mean(squaredErrors(heldOut, deep.reconstruct(heldOut)));
    history.push({ epoch: report.epoch, trainCrossEntropy: report.crossEntropy, trainSquaredError: report.squaredError, heldOutSquaredError: heldOutError });
    const finalAngles = principalAngles(linear.basis(), topK, k, PIXELS);
    const meta: AutoencoderMeta = {
      model: 'autoencoder',
      data: DATA_SENTENCE,
      command: `npx tsx models/autoencoder/train.ts --epochs ${epochs} --batch ${batchSize} --seed ${seed} --k ${k} --linear-steps ${linearSteps} --lr ${learningRate}`,
      seed,
      epochs: report.epoch,
      batchSize,
      backend: backend.name,
      trainingSeconds: Math.round((Date.now() - started) / 1000),
      deepSeconds: Math.round((Date.now() - deepStarted) / 1000),
      date: new Date().toISOString(),
      deep: { layers: deep.config.layers, code: 'linear', output: 'logistic, cross-entropy', optimiser: `Adam, learning rate ${deep.config.learningRate}, batch ${batchSize}`, pretraining: 'none (random Glorot-uniform weights)', parameters: deep.parameterCount },
      linear: { k, steps: linearSteps, learningRate: LINEAR_RATE, momentum: MOMENTUM, history: linearHistory },
      metrics: {
        deepHeldOutSquaredError: heldOutError,
        pcaHeldOutSquaredError: pcaHeldOut,
        linearLargestAngle: Math.max(...finalAngles),
        linearMeanAngle: mean(finalAngles),
      },
      history,
    };
    await saveAutoencoder(out, deep, linear, pca, meta);
    log(`\nepoch ${report.epoch}/${epochs}: held-out squared error ${heldOutError.toFixed(2)} (PCA-${PCA_COMPONENTS} ${pcaHeldOut.toFixed(2)}), saved (${formatSeconds((Date.now() - started) / 1000)})`);
  },
});
await fs.access(path.join(out, 'meta.json'));
log(`done in ${formatSeconds((Date.now() - started) / 1000)}`);

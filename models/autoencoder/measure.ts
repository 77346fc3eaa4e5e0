/**
 * The autoencoder block's numbers, from the committed checkpoint and the held-out images:
 *
 * - the deep autoencoder's held-out squared error (Σ over 784 pixels, grey in [0, 1], mean over the
 *   2,000 held-out digits) against PCA with as many components (30), refitted here on the same
 *   8,000 training images — the baseline of the same run;
 * - the linear autoencoder (K units) against PCA-K: their errors and the principal angles between
 *   the decoder's span and the top-K eigenvectors (≈ 0° if it found the principal subspace);
 * - both against Omniglot's held-out drawings, which none of them saw (how far the codes transfer);
 * - Hinton & Salakhutdinov's (2006) published MNIST errors beside them.
 */
import type { MeasureBlock } from '@/models/blocks/evaluation-report';
import { weightsVersion } from '@/models/blocks/checkpoint';
import { loadGreyImages } from '@/lib/datasets';
import { fitPca, pcaReconstruct } from '@/models/blocks/pca';
import { mean } from '@/models/blocks/statistics';
import { CHECKPOINT_DIR, DATA_SENTENCE, loadAutoencoder, PCA_COMPONENTS } from './checkpoint';
import { PIXELS, principalAngles, squaredErrors } from './model';

/** A goal the linear autoencoder is held to: its subspace within this many degrees of PCA's. */
export const ANGLE_GOAL_DEGREES = 1;

export const measure: MeasureBlock = async ({ command, progress }) => {
  const { deep, linear, meta } = await loadAutoencoder(CHECKPOINT_DIR);
  const data = await loadGreyImages('mnist');
  progress('Fitting PCA to the 8,000 training images…');
  const pca = fitPca(data.train.pixels, PIXELS, PCA_COMPONENTS, { arithmetic: 'float32' });
  const k = linear.k;
  const pcaK = { ...pca, k, components: pca.components.slice(0, k * PIXELS), eigenvalues: pca.eigenvalues.slice(0, k) };
  const error = (images: Float32Array, reconstruct: (x: Float32Array) => Float32Array) => mean(squaredErrors(images, reconstruct(images)));
  const sets = { heldOut: data.heldOut.pixels, train: data.train.pixels } as const;

  progress('Reconstructing…');
  const deepErrors = { heldOut: error(sets.heldOut, (x) => deep.reconstruct(x)), train: error(sets.train, (x) => deep.reconstruct(x)) };
  const pcaErrors = { heldOut: error(sets.heldOut, (x) => pcaReconstruct(pca, x)), train: error(sets.train, (x) => pcaReconstruct(pca, x)) };
  const linearErrors = { heldOut: error(sets.heldOut, (x) => linear.reconstruct(x, pca.mean)), train: error(sets.train, (x) => linear.reconstruct(x, pca.mean)) };
  const pcaKErrors = { heldOut: error(sets.heldOut, (x) => pcaReconstruct(pcaK, x)), train: error(sets.train, (x) => pcaReconstruct(pcaK, x)) };
  const angles = principalAngles(linear.basis(), pcaK.components, k, PIXELS);
  const largestAngle = Math.max(...angles);
  let discardedK = pca.totalVariance;
  for (let i = 0; i < k; i++) discardedK -= pca.eigenvalues[i];

  progress('Omniglot held-out drawings…');
  const omniglot = (await loadGreyImages('omniglot')).heldOut.pixels;
  const omniglotError = {
    deep: error(omniglot, (x) => deep.reconstruct(x)),
    pca: error(omniglot, (x) => pcaReconstruct(pca, x)),
    linear: error(omniglot, (x) => linear.reconstruct(x, pca.mean)),
    pcaK: error(omniglot, (x) => pcaReconstruct(pcaK, x)),
  };

  const published =
    "Hinton & Salakhutdinov (2006), the average squared errors in Fig. 2B's caption: 784-1000-500-250-30, RBM-pretrained then fine-tuned, trained on MNIST's 60,000 training images and measured on its test images; ours has no 1000-unit layer and no pretraining, and trains on 8,000 of MNIST's test images, measured on 2,000 others.";
  const deepWins = deepErrors.heldOut < pcaErrors.heldOut;
  const anglesMet = largestAngle < ANGLE_GOAL_DEGREES;
  deep.dispose();
  linear.dispose();

  return {
    model: 'autoencoder',
    date: new Date().toISOString(),
    command,
    data: `${DATA_SENTENCE} Omniglot: the held-out drawings (drawers 17–20) of its background set, 28×28, never seen by any of these models.`,
    protocol:
      `Average squared error per image (Σ over 784 pixels of grey levels in [0, 1]) of each model's reconstructions; PCA refitted here on the training images. ` +
      `Principal angles between the linear autoencoder's decoder span and the top-${k} eigenvectors of the training covariance (Björck–Golub). Deep autoencoder trained by ${meta.deep.optimiser}, ${meta.epochs} epochs, pretraining: ${meta.deep.pretraining}; linear autoencoder by ${meta.linear.steps} steps of full-batch gradient descent with momentum.`,
    modelVersion: await weightsVersion(CHECKPOINT_DIR, 'autoencoder'),
    columns: [
      { key: 'code', label: 'code size', format: 'count', help: 'numbers each image is reduced to' },
      { key: 'heldOut', label: 'held-out sq. error', format: 'number', help: 'mean over the 2,000 held-out MNIST digits of Σ (x − x̂)² over 784 pixels' },
      { key: 'train', label: 'training sq. error', format: 'number', help: 'the same on the 8,000 training digits' },
      { key: 'omniglot', label: 'Omniglot sq. error', format: 'number', help: "the same on Omniglot's held-out drawings (models fitted to MNIST only)" },
      { key: 'largestAngle', label: 'largest angle (°)', format: 'number', help: `largest principal angle between the linear autoencoder's subspace and PCA's top-${k}` },
      { key: 'meanAngle', label: 'mean angle (°)', format: 'number', help: 'mean of the principal angles' },
    ],
    rows: [
      { key: 'deep', label: `Deep autoencoder ${meta.deep.layers.join('-')}`, kind: 'ours', values: { code: PCA_COMPONENTS, heldOut: deepErrors.heldOut, train: deepErrors.train, omniglot: omniglotError.deep, largestAngle: null, meanAngle: null } },
      { key: 'pca', label: `PCA, ${PCA_COMPONENTS} components`, kind: 'baseline', values: { code: PCA_COMPONENTS, heldOut: pcaErrors.heldOut, train: pcaErrors.train, omniglot: omniglotError.pca, largestAngle: null, meanAngle: null } },
      {
        key: 'linear',
        label: `Linear autoencoder, ${k} units`,
        kind: 'ours',
        values: { code: k, heldOut: linearErrors.heldOut, train: linearErrors.train, omniglot: omniglotError.linear, largestAngle, meanAngle: mean(angles) },
        note: `trained by gradient descent from small random weights; PCA-${k}'s training error is the sum of the discarded eigenvalues, ${discardedK.toFixed(4)}`,
      },
      { key: 'pcaK', label: `PCA, ${k} components`, kind: 'baseline', values: { code: k, heldOut: pcaKErrors.heldOut, train: pcaKErrors.train, omniglot: omniglotError.pcaK, largestAngle: 0, meanAngle: 0 } },
      { key: 'publishedDeep', label: 'Deep autoencoder (H&S 2006)', kind: 'published', values: { code: 30, heldOut: 3.0, train: null, omniglot: null, largestAngle: null, meanAngle: null }, note: published },
      { key: 'publishedPca', label: 'PCA, 30 components (H&S 2006)', kind: 'published', values: { code: 30, heldOut: 13.87, train: null, omniglot: null, largestAngle: null, meanAngle: null }, note: 'same figure; their logistic PCA with 30 components: 8.01' },
    ],
    goal: {
      text: `the deep autoencoder reconstructs held-out digits better than PCA with as many (30) components, and the linear autoencoder's subspace is within ${ANGLE_GOAL_DEGREES}° of PCA's top ${k}`,
      met: deepWins && anglesMet,
      detail: `held-out squared error ${deepErrors.heldOut.toFixed(2)} vs ${pcaErrors.heldOut.toFixed(2)} (${deepWins ? `${(pcaErrors.heldOut / deepErrors.heldOut).toFixed(2)}× lower` : 'not lower'}); largest principal angle ${largestAngle.toFixed(4)}°`,
    },
  };
};

/**
 * The autoencoder block's figure, as the tutorial shows the Science paper's: a row of held-out
 * digits (the seed picks them) and, below, their reconstructions by the deep autoencoder (30
 * numbers per image), by PCA with 30 components, and by the linear autoencoder (K numbers).
 */
import { env } from '@/lib/env';
import { seededShuffle } from '@/lib/random';
import { weightsVersion } from '@/models/blocks/checkpoint';
import type { BlockFigures, Figure, Panel } from '@/models/foundations/contract';
import { greyPicture, rowOf } from '@/models/blocks/pictures';
import { loadGreyImages, type ImageSet } from '@/lib/datasets';
import { pcaReconstruct } from '@/models/blocks/pca';
import { mean } from '@/models/blocks/statistics';
import { CHECKPOINT_DIR, loadAutoencoder, PCA_COMPONENTS, type LoadedAutoencoder } from './checkpoint';
import { IMAGE_SIZE, PIXELS, squaredErrors } from './model';

export const FIGURES = ['reconstructions'] as const;
/** Digits per figure. */
export const SHOWN = 8;

interface Loaded extends LoadedAutoencoder {
  version: string;
}

let loaded: Promise<Loaded> | undefined;
let heldOut: Promise<ImageSet> | undefined;

function load(): Promise<Loaded> {
  loaded ??= (async () => ({ ...(await loadAutoencoder(CHECKPOINT_DIR)), version: await weightsVersion(CHECKPOINT_DIR, 'autoencoder') }))().catch((error) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

function heldOutDigits(): Promise<ImageSet> {
  heldOut ??= loadGreyImages('mnist')
    .then((data) => data.heldOut)
    .catch((error: Error) => {
      heldOut = undefined;
      throw new Error(`the autoencoder's figures reconstruct held-out MNIST digits, but MNIST could not be read from DATA_DIR (${env.DATA_DIR}): ${error.message}`);
    });
  return heldOut;
}

async function reconstructions(seed: number): Promise<Figure> {
  const model = await load();
  const digits = await heldOutDigits();
  const picked = seededShuffle(Array.from({ length: digits.count }, (_, i) => i), seed).slice(0, SHOWN);
  const originals = new Float32Array(SHOWN * PIXELS);
  picked.forEach((index, i) => originals.set(rowOf(digits.pixels, index, PIXELS), i * PIXELS));
  const k = model.linear.k;
  const rows = [
    { title: `Deep autoencoder (${model.meta.deep.layers.join('-')})`, images: model.deep.reconstruct(originals) },
    { title: `PCA, ${PCA_COMPONENTS} components`, images: pcaReconstruct(model.pca, originals) },
    { title: `Linear autoencoder, ${k} units`, images: model.linear.reconstruct(originals, model.pca.mean) },
  ];
  const errors = rows.map((row) => squaredErrors(originals, row.images));
  const panels: Panel[] = [
    {
      title: 'Held-out digits',
      columns: SHOWN,
      pictures: picked.map((index, i) => greyPicture(rowOf(originals, i, PIXELS), IMAGE_SIZE, IMAGE_SIZE, `#${index} · ${digits.labels[index]}`)),
    },
    ...rows.map((row, r) => ({
      title: row.title,
      columns: SHOWN,
      pictures: picked.map((_, i) => greyPicture(rowOf(row.images, i, PIXELS), IMAGE_SIZE, IMAGE_SIZE, errors[r][i].toFixed(1))),
      note: `Under each reconstruction: its squared error Σ (x − x̂)² over the 784 pixels; mean ${mean(errors[r]).toFixed(2)}.`,
    })),
  ];
  return {
    block: 'autoencoder',
    name: 'reconstructions',
    caption:
      `Held-out MNIST digits (never trained on) and their reconstructions from ${PCA_COMPONENTS} numbers each: by the deep autoencoder's nonlinear code, by the ${PCA_COMPONENTS} principal components, ` +
      `and from ${k} numbers by a linear autoencoder, which learns the same subspace as PCA with ${k} components.`,
    panels,
    facts: [
      ...rows.map((row, r) => ({ label: `${row.title}: mean squared error of these ${SHOWN}`, value: mean(errors[r]).toFixed(2) })),
      { label: 'Deep autoencoder, all 2,000 held-out digits', value: model.meta.metrics.deepHeldOutSquaredError.toFixed(2) },
      { label: `PCA-${PCA_COMPONENTS}, all 2,000 held-out digits`, value: model.meta.metrics.pcaHeldOutSquaredError.toFixed(2) },
      { label: `Largest principal angle, linear autoencoder vs PCA-${k}`, value: `${model.meta.metrics.linearLargestAngle.toFixed(4)}°` },
    ],
  };
}

export const figures: BlockFigures = {
  names: FIGURES,
  async load() {
    return { version: (await load()).version };
  },
  async figure(name, seed) {
    if (name === 'reconstructions') return reconstructions(seed);
    throw new Error(`the autoencoder block has no figure '${name}' (it has ${FIGURES.join(', ')})`);
  },
};

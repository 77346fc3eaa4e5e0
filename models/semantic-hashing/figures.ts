/**
 * The semantic-hashing block's figure, as in the tutorial's "retrieved using codes vs Euclidean
 * distance": a held-out query digit (the seed picks it), the training digits nearest to it by
 * Hamming distance between 32-bit codes, and those nearest by Euclidean distance between pixels.
 */
import { env } from '@/lib/env';
import { seededShuffle } from '@/lib/random';
import { weightsVersion } from '@/models/blocks/checkpoint';
import type { BlockFigures, Figure } from '@/models/foundations/contract';
import { greyPicture, rowOf } from '@/models/blocks/pictures';
import { loadGreyImages, type GreyImages } from '@/lib/datasets';
import { CHECKPOINT_DIR, CODE_BITS, loadHashing } from './checkpoint';
import { DeepAutoencoder, euclideanDistances, hammingDistances, hammingRanking, IMAGE_SIZE, nearest, packCodes, PIXELS } from './model';

export const FIGURES = ['neighbours'] as const;
/** Neighbours shown per method. */
export const SHOWN = 10;

interface Loaded {
  version: string;
  model: DeepAutoencoder;
  data: GreyImages;
  /** The database's (training digits') packed codes. */
  databaseCodes: Uint32Array;
}

let loaded: Promise<Loaded> | undefined;

function load(): Promise<Loaded> {
  loaded ??= (async () => {
    const { model } = await loadHashing(CHECKPOINT_DIR);
    const version = await weightsVersion(CHECKPOINT_DIR, 'semantic-hashing');
    const data = await loadGreyImages('mnist').catch((error: Error) => {
      model.dispose();
      throw new Error(`semantic hashing's figures search the MNIST digits, but MNIST could not be read from DATA_DIR (${env.DATA_DIR}): ${error.message}`);
    });
    return { version, model, data, databaseCodes: packCodes(model.codes(data.train.pixels), CODE_BITS) };
  })().catch((error) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

const hex = (word: number) => `0x${(word >>> 0).toString(16).padStart(8, '0')}`;

async function neighbours(seed: number): Promise<Figure> {
  const { model, data, databaseCodes } = await load();
  const { heldOut, train } = data;
  const query = seededShuffle(Array.from({ length: heldOut.count }, (_, i) => i), seed)[0];
  const image = rowOf(heldOut.pixels, query, PIXELS);
  const code = packCodes(model.codes(image), CODE_BITS);
  const digit = heldOut.labels[query];

  const hamming = hammingDistances(code, 0, databaseCodes, 1);
  const byCode = hammingRanking(hamming, CODE_BITS, SHOWN);
  const euclidean = euclideanDistances(image, 0, train.pixels, PIXELS);
  const byPixels = nearest(euclidean, SHOWN);
  const within = (r: number) => hamming.reduce((n, d) => n + (d <= r ? 1 : 0), 0);
  const right = (indices: ArrayLike<number>) => Array.from(indices).filter((i) => train.labels[i] === digit).length;

  return {
    block: 'semantic-hashing',
    name: 'neighbours',
    caption:
      `A held-out digit and the training digits nearest to it: by Hamming distance between ${CODE_BITS}-bit codes (the autoencoder's thresholded code layer — a memory address, ` +
      'so the nearest are those at neighbouring addresses), and by Euclidean distance between the 784 pixels.',
    panels: [
      { title: 'Query (held out)', columns: 1, pictures: [greyPicture(image, IMAGE_SIZE, IMAGE_SIZE, `digit ${digit}`)], note: `Its code: ${hex(code[0])}` },
      {
        title: `Nearest by Hamming distance (${CODE_BITS}-bit codes)`,
        columns: SHOWN,
        pictures: Array.from(byCode, (i) => greyPicture(rowOf(train.pixels, i, PIXELS), IMAGE_SIZE, IMAGE_SIZE, `d=${hamming[i]} · ${train.labels[i]}`)),
        note: 'Under each: Hamming distance · digit. Equal distances in database order.',
      },
      {
        title: 'Nearest by Euclidean distance (pixels)',
        columns: SHOWN,
        pictures: Array.from(byPixels, (i) => greyPicture(rowOf(train.pixels, i, PIXELS), IMAGE_SIZE, IMAGE_SIZE, `${Math.sqrt(euclidean[i]).toFixed(2)} · ${train.labels[i]}`)),
        note: 'Under each: Euclidean distance · digit.',
      },
    ],
    facts: [
      { label: 'Query', value: `held-out digit #${query}, a ${digit}` },
      { label: `Right digit among the ${SHOWN} by code`, value: `${right(byCode)} of ${SHOWN}` },
      { label: `Right digit among the ${SHOWN} by pixels`, value: `${right(byPixels)} of ${SHOWN}` },
      { label: 'Training digits at the same address', value: String(within(0)) },
      { label: 'Within Hamming distance 2', value: String(within(2)) },
    ],
  };
}

export const figures: BlockFigures = {
  names: FIGURES,
  async load() {
    return { version: (await load()).version };
  },
  async figure(name, seed) {
    if (name === 'neighbours') return neighbours(seed);
    throw new Error(`the semantic-hashing block has no figure '${name}' (it has ${FIGURES.join(', ')})`);
  },
};

/**
 * What the deep belief net learned, from its committed checkpoint:
 *
 * - samples: fantasies as the tutorial draws them — alternating Gibbs in the top RBM from a random
 *   state of h¹, then one top-down pass p(v | h¹) (grey = probability of ink), after 1, 10, 100 and
 *   1,000 steps of the same chains;
 * - layers: the bottom RBM's filters (columns of W¹ as 28 × 28 pictures) and the top RBM's hidden
 *   units seen through the layer below (columns of W¹W²).
 *
 * A pool of chains is run once when the checkpoint loads (1,000 Gibbs steps take seconds); a seed
 * picks which of them a figure shows, so a figure is answered at once.
 */
import * as tf from '@tensorflow/tfjs';
import { seededShuffle } from '@/lib/random';
import { Rng, weightsVersion } from '@/models/blocks';
import type { BlockFigures, Figure, Panel } from '@/models/foundations/contract';
import { greyPicture, rowOf, signedPicture } from '@/models/blocks/pictures';
import { CHECKPOINT_DIR, loadDbn } from './model';

export const SNAPSHOT_STEPS = [1, 10, 100, 1000] as const;
/** Chains run at load time; a figure shows `SHOWN` of them. */
export const POOL_CHAINS = 64;
export const SHOWN = 16;
const FILTERS_SHOWN = 36;
const POOL_SEED = 2006;
const SIDE = 28;

interface Loaded {
  version: string;
  sizes: number[];
  /** p(v | h¹) per snapshot, [POOL_CHAINS × 784] each. */
  snapshots: Float32Array[];
  poolSeconds: number;
  /** W¹ transposed, [h1 × 784]: row j is hidden unit j's filter. */
  filters: Float32Array;
  /** (W¹W²)ᵀ, [h2 × 784]. */
  topFilters: Float32Array;
}

let loading: Promise<Loaded> | undefined;

async function loadAll(): Promise<Loaded> {
  const version = await weightsVersion(CHECKPOINT_DIR, 'dbn');
  const dbn = await loadDbn(CHECKPOINT_DIR);
  try {
    const started = Date.now();
    const rng = new Rng(POOL_SEED);
    let chain = tf.tidy(() => rng.bernoulli(tf.fill([POOL_CHAINS, dbn.top.visible], 0.5) as tf.Tensor2D));
    const snapshots: Float32Array[] = [];
    let done = 0;
    for (const steps of SNAPSHOT_STEPS) {
      const next = dbn.gibbs(chain, steps - done, rng);
      chain.dispose();
      chain = next;
      done = steps;
      const means = dbn.topDown(chain, rng);
      snapshots.push((await means.data()) as Float32Array);
      means.dispose();
      await tf.nextFrame();
    }
    chain.dispose();
    const poolSeconds = (Date.now() - started) / 1000;
    const filters = tf.tidy(() => tf.transpose(dbn.bottom.W).dataSync() as Float32Array);
    const topFilters = tf.tidy(() => tf.transpose(tf.matMul(dbn.bottom.W, dbn.top.W)).dataSync() as Float32Array);
    return { version, sizes: dbn.sizes, snapshots, poolSeconds, filters, topFilters };
  } finally {
    dbn.dispose();
  }
}

function load(): Promise<Loaded> {
  loading ??= loadAll();
  loading.catch(() => (loading = undefined));
  return loading;
}

/** `count` distinct indices of [0, n), picked by `seed`. */
const pick = (n: number, count: number, seed: number) => seededShuffle(Array.from({ length: n }, (_, i) => i), seed).slice(0, count);

function samplesFigure(m: Loaded, seed: number): Figure {
  const chains = pick(POOL_CHAINS, SHOWN, seed);
  const panels: Panel[] = SNAPSHOT_STEPS.map((steps, s) => ({
    title: `after ${steps.toLocaleString('en')} Gibbs step${steps === 1 ? '' : 's'}`,
    columns: 4,
    pictures: chains.map((c) => greyPicture(rowOf(m.snapshots[s], c, SIDE * SIDE), SIDE, SIDE, `chain ${c + 1}`)),
    note: s === 0 ? 'p(v | h¹) one step from a random h¹' : undefined,
  }));
  const ink = (s: number) => chains.reduce((sum, c) => sum + rowOf(m.snapshots[s], c, SIDE * SIDE).reduce((a, x) => a + x, 0), 0) / chains.length;
  return {
    block: 'dbn',
    name: 'samples',
    caption:
      `The same ${SHOWN} chains of the top RBM (${m.sizes[1]}–${m.sizes[2]}), each started from a random h¹ and run by alternating Gibbs sampling; ` +
      'every picture is one top-down pass p(v | h¹) from the chain\'s h¹ at that step (grey = probability of ink). Digits condense out of noise as the chain nears the model\'s distribution.',
    panels,
    facts: [
      { label: 'DBN', value: m.sizes.join('–') },
      { label: 'chains shown', value: `${SHOWN} of ${POOL_CHAINS} (the seed picks them)` },
      { label: 'expected ink after 1 step', value: `${ink(0).toFixed(0)} pixels` },
      { label: `expected ink after ${SNAPSHOT_STEPS[SNAPSHOT_STEPS.length - 1]} steps`, value: `${ink(SNAPSHOT_STEPS.length - 1).toFixed(0)} pixels` },
      { label: 'pool of chains run at load', value: `${m.poolSeconds.toFixed(1)} s` },
    ],
  };
}

function layersFigure(m: Loaded, seed: number): Figure {
  const bottomUnits = pick(m.sizes[1], FILTERS_SHOWN, seed);
  const topUnits = pick(m.sizes[2], FILTERS_SHOWN, seed + 1);
  return {
    block: 'dbn',
    name: 'layers',
    caption:
      'Left: weights of the bottom RBM\'s hidden units, each a 28 × 28 filter over the pixels (mid-grey zero, white positive, black negative). ' +
      'Right: the top RBM\'s hidden units seen through the layer below — columns of W¹W², a linear view of the larger strokes and shapes the second layer combines.',
    panels: [
      { title: `layer 1: W¹ (${FILTERS_SHOWN} of ${m.sizes[1]} units)`, columns: 6, pictures: bottomUnits.map((j) => signedPicture(rowOf(m.filters, j, SIDE * SIDE), SIDE, SIDE, `h¹ ${j + 1}`)) },
      { title: `layer 2: W¹W² (${FILTERS_SHOWN} of ${m.sizes[2]} units)`, columns: 6, pictures: topUnits.map((k) => signedPicture(rowOf(m.topFilters, k, SIDE * SIDE), SIDE, SIDE, `h² ${k + 1}`)) },
    ],
    facts: [
      { label: 'DBN', value: m.sizes.join('–') },
      { label: 'units shown', value: `${FILTERS_SHOWN} per layer (the seed picks them)` },
    ],
  };
}

export const figures: BlockFigures = {
  names: ['samples', 'layers'],
  async load() {
    return { version: (await load()).version };
  },
  async figure(name, seed) {
    const m = await load();
    if (name === 'samples') return samplesFigure(m, seed);
    if (name === 'layers') return layersFigure(m, seed);
    throw new Error(`the dbn block draws ${figures.names.join(', ')}; there is no figure "${name}"`);
  },
};

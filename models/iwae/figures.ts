/**
 * What the VAE and the IWAE learned, from the committed checkpoint:
 *
 * - `samples`: the decoders' mean images σ(l(z)) for the same latent vectors z ~ N(0, I), side by side;
 * - `reconstructions`: held-out digits (binarized once), and each model's decoder mean at the
 *   posterior mean, σ(l(μ(x))).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { mulberry32, seededShuffle } from '@/lib/random';
import { loadBinaryMnist, type BinaryMnist } from '@/lib/datasets';
import { weightsVersion } from '@/models/blocks';
import { standardNormals } from '@/models/blocks/statistics';
import type { BlockFigures, Figure, Panel } from '@/models/foundations/contract';
import { greyPicture, rowOf } from '@/models/blocks/pictures';
import { EVALUATION_FILE, type Evaluation } from '@/lib/model-cards/evaluation';
import { CHECKPOINT_DIR, loadModels, MODELS, type IwaeMeta, type ModelKey } from './checkpoint';
import { IMAGE_PIXELS, IMAGE_SIZE, type Iwae } from './model';

export const SAMPLE_GRID = { columns: 6, rows: 6 } as const;
export const RECONSTRUCTED = 8;

interface Loaded {
  models: Record<ModelKey, Iwae>;
  meta: IwaeMeta;
  version: string;
  /** Held-out log-likelihoods from evaluation.json, where it has been written. */
  logLikelihood?: Partial<Record<ModelKey, number>>;
}

let loading: Promise<Loaded> | undefined;
let heldOut: Promise<BinaryMnist> | undefined;

function load(): Promise<Loaded> {
  loading ??= (async () => {
    const { models, meta } = await loadModels(CHECKPOINT_DIR);
    const version = await weightsVersion(CHECKPOINT_DIR, 'iwae');
    let logLikelihood: Loaded['logLikelihood'];
    try {
      const evaluation = JSON.parse(await fs.readFile(path.join(CHECKPOINT_DIR, EVALUATION_FILE), 'utf8')) as Evaluation;
      if (evaluation.modelVersion === version) {
        logLikelihood = Object.fromEntries(evaluation.rows.filter((r) => (MODELS as readonly string[]).includes(r.key)).map((r) => [r.key, r.values.logLikelihood ?? undefined]));
      }
    } catch {
      // No evaluation yet: the figures do not need it.
    }
    return { models, meta, version, logLikelihood };
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

function digits(): Promise<BinaryMnist> {
  heldOut ??= loadBinaryMnist().catch((error: Error) => {
    heldOut = undefined;
    throw new Error(`the iwae reconstructions need the held-out MNIST digits from DATA_DIR (../shared/data), which could not be read: ${error.message}`);
  });
  return heldOut;
}

const TITLE: Record<ModelKey, (m: Loaded) => string> = {
  vae: () => 'VAE (k = 1)',
  iwae: (m) => `IWAE (k = ${m.models.iwae.config.k})`,
};

function likelihoodFacts(m: Loaded): Figure['facts'] {
  if (!m.logLikelihood) return [];
  return MODELS.filter((key) => m.logLikelihood?.[key] !== undefined).map((key) => ({ label: `${TITLE[key](m)} held-out log p(x)`, value: `${m.logLikelihood![key]!.toFixed(2)} nats` }));
}

function samples(m: Loaded, seed: number): Figure {
  const count = SAMPLE_GRID.columns * SAMPLE_GRID.rows;
  // Deterministic standard-normal latents (Box–Muller on mulberry32): the same seed, the same vectors.
  const latents = standardNormals(mulberry32(seed), count * m.models.vae.config.latent);
  const panels: Panel[] = MODELS.map((key) => {
    const means = m.models[key].decodeMeans(latents);
    return {
      title: TITLE[key](m),
      columns: SAMPLE_GRID.columns,
      pictures: Array.from({ length: count }, (_, i) => greyPicture(rowOf(means, i, IMAGE_PIXELS), IMAGE_SIZE, IMAGE_SIZE)),
    };
  });
  return {
    block: 'iwae',
    name: 'samples',
    caption:
      `The decoder's mean image σ(l(z)) for ${count} latent vectors z drawn from the prior N(0, I) — the same vectors for both models, ` +
      'which share an architecture and differ only in the bound they were trained on.',
    panels,
    facts: [{ label: 'latent vectors', value: `${count} × ${m.models.vae.config.latent}-d, seed ${seed}` }, { label: 'epochs (each model)', value: String(m.meta.epochs) }, ...likelihoodFacts(m)],
  };
}

async function reconstructions(m: Loaded, seed: number): Promise<Figure> {
  const data = await digits();
  const count = data.heldOut.length / IMAGE_PIXELS;
  const picked = seededShuffle(Array.from({ length: count }, (_, i) => i), seed).slice(0, RECONSTRUCTED);
  const images = new Float32Array(RECONSTRUCTED * IMAGE_PIXELS);
  picked.forEach((source, r) => images.set(rowOf(data.heldOut, source, IMAGE_PIXELS), r * IMAGE_PIXELS));
  const facts: Figure['facts'] = [{ label: 'held-out digits', value: picked.map((i) => `#${i}`).join(', ') }];
  const panels: Panel[] = [
    {
      title: 'Held-out digits (binarized)',
      columns: RECONSTRUCTED,
      pictures: picked.map((source, r) => greyPicture(rowOf(images, r, IMAGE_PIXELS), IMAGE_SIZE, IMAGE_SIZE, String(data.heldOutLabels[source]))),
    },
  ];
  for (const key of MODELS) {
    const model = m.models[key];
    const recon = model.decodeMeans(model.posteriorMeans(images));
    // log p(x | z = μ(x)) per digit: how well the decoder's Bernoulli means explain the binary pixels.
    const nats = picked.map((_, r) => {
      let sum = 0;
      for (let j = 0; j < IMAGE_PIXELS; j++) {
        const p = Math.min(1 - 1e-7, Math.max(1e-7, recon[r * IMAGE_PIXELS + j]));
        sum += images[r * IMAGE_PIXELS + j] > 0.5 ? Math.log(p) : Math.log(1 - p);
      }
      return sum;
    });
    panels.push({
      title: TITLE[key](m),
      columns: RECONSTRUCTED,
      pictures: picked.map((_, r) => greyPicture(rowOf(recon, r, IMAGE_PIXELS), IMAGE_SIZE, IMAGE_SIZE, `${nats[r].toFixed(0)} nats`)),
      note: 'σ(l(μ(x))); under each, log p(x | z = μ(x))',
    });
    facts.push({ label: `${TITLE[key](m)} mean log p(x | μ(x))`, value: `${(nats.reduce((s, v) => s + v, 0) / nats.length).toFixed(1)} nats` });
  }
  return {
    block: 'iwae',
    name: 'reconstructions',
    caption:
      'Held-out digits (binarized once, as the models are measured on them), then each model\'s reconstruction: the decoder\'s mean image at the ' +
      'encoder\'s posterior mean μ(x).',
    panels,
    facts: [...facts, ...likelihoodFacts(m)],
  };
}

export const figures: BlockFigures = {
  names: ['samples', 'reconstructions'],
  async load() {
    return { version: (await load()).version };
  },
  async figure(name, seed) {
    const m = await load();
    if (name === 'samples') return samples(m, seed);
    if (name === 'reconstructions') return reconstructions(m, seed);
    throw new Error(`the iwae block has no figure "${name}" (it has ${figures.names.join(', ')})`);
  },
};

/**
 * The GAN page's models, in one command. For each dataset with a trained checkpoint:
 *
 * 1. the Fréchet distance ("MNIST-FID") between held-out real images and 2,000 samples, on the
 *    128 penultimate features of a classifier trained on the same dataset's training images
 *    (features.ts), for the GAN and, in the same run, for the VAE of the same size (vae.ts),
 *    a shuffled-pixel control (training images with their pixels permuted: the ink statistics of
 *    real images with no strokes), and as the floor, as many real training images;
 * 2. mode coverage: the share of the GAN's samples the classifier puts in each class (a GAN that
 *    collapsed onto a few modes puts them all in a few classes), beside the shares the same
 *    classifier gives the held-out images (for Omniglot's 292 characters it is often wrong, so the
 *    real images are the yardstick, not "every class").
 *
 *   npm run eval:gan                    the tables (progress on stderr)
 *   npm run eval:gan -- --json          {"<dataset>": {"gan", "vae", "shuffled", "real", "coverage": [..]}}
 *   npm run eval:gan -- --write         also writes each checkpoint's evaluation.json for /models
 *   npm run eval:gan -- --data mnist [--samples 2000]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseFlags } from '@/lib/cli/progress';
import { EVALUATION_FILE, type Evaluation } from '@/lib/model-cards';
import { mulberry32 } from '@/lib/random';
import { initBackend } from '@/lib/tfjs/backend';
import { env } from '@/lib/env';
import { fitGaussian, frechetDistance } from '@/models/blocks/frechet';
import { checkpointDir, ganModelVersion, loadGenerator } from './checkpoint';
import { GAN_DATASETS, loadGanData, type GanDataset } from './data';
import { FEATURES, FEATURES_DIR, FeatureNet } from './features';
import { IMAGE_PIXELS, latentsFromSeeds } from './model';
import { loadVae, VAE_DIR } from './vae';

const flags = parseFlags();
const json = flags.has('json');
const write = flags.has('write');
const sampleCount = Number(flags.get('samples') ?? 2000);
const wanted = flags.has('data') ? [String(flags.get('data')) as GanDataset] : [...GAN_DATASETS];
for (const name of wanted) if (!GAN_DATASETS.includes(name)) throw new Error(`--data must be one of ${GAN_DATASETS.join(', ')}, got ${name}`);
const progress = (message: string) => process.stderr.write(`${message}\n`);
/** Latent seeds of the evaluated samples: far from the page's small seeds, fixed. */
const SAMPLE_SEED_BASE = 1_000_000;

await initBackend(env.MODEL_BACKEND);

export interface DatasetResult {
  gan: number;
  vae: number;
  shuffled: number;
  real: number;
  /** Share of the GAN's samples in each class. */
  coverage: number[];
  /** Share of the held-out images in each class, by the same classifier. */
  heldOutShares: number[];
  classifierAccuracy: number;
  samples: number;
  heldOut: number;
  ganEpochs: number;
}

function shares(classes: Int32Array, count: number): number[] {
  const out = new Array(count).fill(0);
  for (const c of classes) out[c] += 1 / classes.length;
  return out;
}

/** `count` rows of `pixels` (cycling if there are fewer), each with its pixels permuted at random. */
function shuffledPixels(pixels: Float32Array, count: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const rows = pixels.length / IMAGE_PIXELS;
  const out = new Float32Array(count * IMAGE_PIXELS);
  const order = Array.from({ length: IMAGE_PIXELS }, (_, i) => i);
  for (let r = 0; r < count; r++) {
    for (let i = IMAGE_PIXELS - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const source = (r % rows) * IMAGE_PIXELS;
    for (let i = 0; i < IMAGE_PIXELS; i++) out[r * IMAGE_PIXELS + i] = pixels[source + order[i]];
  }
  return out;
}

async function evaluate(dataset: GanDataset): Promise<DatasetResult | null> {
  const dir = checkpointDir(dataset);
  const present = await Promise.all(['meta.json', path.join(FEATURES_DIR, 'meta.json'), path.join(VAE_DIR, 'meta.json')].map((f) => fs.access(path.join(dir, f)).then(() => true, () => false)));
  if (present.some((p) => !p)) {
    progress(`${dataset}: no complete checkpoint in ${path.relative(process.cwd(), dir)} (train it with models/gan/train.ts and scripts/train-baselines.ts --data ${dataset}); skipped`);
    return null;
  }
  const data = await loadGanData(dataset);
  const features = await FeatureNet.load(path.join(dir, FEATURES_DIR));
  const { gan, meta } = await loadGenerator(dir);
  const vae = await loadVae(path.join(dir, VAE_DIR));

  progress(`${dataset}: features of ${data.heldOut.count} held-out images and ${sampleCount} of each kind of sample`);
  const reference = fitGaussian(features.features(data.heldOut.pixels), FEATURES);
  const distance = (images: Float32Array) => frechetDistance(fitGaussian(features.features(images), FEATURES), reference);
  const ganSamples = gan.sample(latentsFromSeeds(SAMPLE_SEED_BASE, sampleCount, gan.config.latent));
  const result: DatasetResult = {
    gan: distance(ganSamples),
    vae: distance(vae.sample(latentsFromSeeds(SAMPLE_SEED_BASE, sampleCount, vae.config.latent))),
    shuffled: distance(shuffledPixels(data.train.pixels, sampleCount, 5)),
    real: distance(data.train.pixels.subarray(0, Math.min(sampleCount, data.train.count) * IMAGE_PIXELS)),
    coverage: shares(features.classify(ganSamples), data.classes),
    heldOutShares: shares(features.classify(data.heldOut.pixels), data.classes),
    classifierAccuracy: features.accuracy(data.heldOut),
    samples: sampleCount,
    heldOut: data.heldOut.count,
    ganEpochs: meta.epochs,
  };
  gan.dispose();
  vae.dispose();
  features.dispose();

  if (write) {
    const evaluation: Evaluation = {
      model: `gan-${dataset}`,
      date: new Date().toISOString(),
      command: `npm run eval:gan -- ${process.argv.slice(2).join(' ')}`.trim(),
      data: `${data.description}; ${sampleCount} samples of each model against the ${data.heldOut.count} held-out images`,
      protocol:
        'Fréchet distance between Gaussians fitted to the 128 penultimate features of a ConvNet classifier trained on the training images (lower is closer to real images). Coverage: the share of GAN samples the classifier assigns to each class.',
      modelVersion: await ganModelVersion(dir, dataset),
      columns: [
        { key: 'fid', label: 'Fréchet distance', format: 'number', help: 'to held-out images, lower is better' },
        { key: 'classes', label: 'Classes reached', format: 'number', help: 'classes holding at least half their fair share of samples' },
      ],
      rows: [
        { key: 'gan', label: 'DCGAN', kind: 'ours', values: { fid: result.gan, classes: reached(result.coverage) } },
        { key: 'vae', label: 'VAE of the same size', kind: 'baseline', values: { fid: result.vae, classes: null } },
        { key: 'shuffled', label: 'Shuffled-pixel control', kind: 'baseline', values: { fid: result.shuffled, classes: null } },
        { key: 'real', label: 'Real training images (the floor)', kind: 'baseline', values: { fid: result.real, classes: null } },
        { key: 'held-out', label: 'Held-out images (classes by the same classifier)', kind: 'baseline', values: { fid: null, classes: reached(result.heldOutShares) } },
      ],
      goal: {
        text: 'GAN samples closer to real images than the VAE’s (a smaller Fréchet distance), reaching at least 90% of the classes held-out images reach.',
        met: result.gan < result.vae && reached(result.coverage) >= 0.9 * reached(result.heldOutShares),
        detail: `GAN ${result.gan.toFixed(2)}, VAE ${result.vae.toFixed(2)}; ${reached(result.coverage)} classes reached, held-out images ${reached(result.heldOutShares)} of ${data.classes}`,
      },
    };
    await fs.writeFile(path.join(dir, EVALUATION_FILE), `${JSON.stringify(evaluation, null, 2)}\n`);
    progress(`Wrote ${path.relative(process.cwd(), path.join(dir, EVALUATION_FILE))}`);
  }
  return result;
}

/** Classes with at least half of a fair (uniform) share. */
function reached(coverage: number[]): number {
  return coverage.filter((share) => share >= 0.5 / coverage.length).length;
}

const results: Partial<Record<GanDataset, DatasetResult>> = {};
for (const dataset of wanted) {
  const result = await evaluate(dataset);
  if (result) results[dataset] = result;
}

const round = (v: number, digits = 4) => Number(v.toFixed(digits));
if (json) {
  process.stdout.write(
    `${JSON.stringify(
      Object.fromEntries(
        Object.entries(results).map(([name, r]) => [name, { gan: round(r.gan), vae: round(r.vae), shuffled: round(r.shuffled), real: round(r.real), coverage: r.coverage.map((s) => round(s)) }]),
      ),
    )}\n`,
  );
} else {
  for (const [name, r] of Object.entries(results)) {
    console.log(`\n${name}: Fréchet distance on the feature classifier's ${FEATURES} features (held-out accuracy ${(100 * r.classifierAccuracy).toFixed(1)}%), ${r.samples} samples against ${r.heldOut} held-out images; GAN after ${r.ganEpochs} epochs`);
    console.table([
      { images: 'DCGAN samples', 'Fréchet distance': r.gan.toFixed(2) },
      { images: 'VAE samples (same size, decoder means)', 'Fréchet distance': r.vae.toFixed(2) },
      { images: 'shuffled-pixel control', 'Fréchet distance': r.shuffled.toFixed(2) },
      { images: 'real training images (the floor)', 'Fréchet distance': r.real.toFixed(2) },
    ]);
    console.log(`GAN ${r.gan < r.vae ? 'closer to' : 'farther from'} real images than the VAE: ${r.gan.toFixed(2)} vs ${r.vae.toFixed(2)} (${(r.vae / r.gan).toFixed(1)}×).`);
    if (r.coverage.length <= 20) {
      console.log('Mode coverage: share of samples per class, by the feature classifier (GAN samples; held-out images)');
      console.table(r.coverage.map((share, c) => ({ class: c, 'GAN samples': `${(100 * share).toFixed(1)}%`, 'held-out images': `${(100 * r.heldOutShares[c]).toFixed(1)}%` })));
    } else {
      const top = Math.max(...r.coverage);
      console.log(
        `Mode coverage, by the feature classifier: ${reached(r.coverage)} of ${r.coverage.length} classes hold at least half a fair share of the GAN's samples (of the held-out images: ${reached(r.heldOutShares)}); the largest class holds ${(100 * top).toFixed(1)}% of the samples (${(100 * Math.max(...r.heldOutShares)).toFixed(1)}% of the held-out images).`,
      );
    }
  }
}

/**
 * Learns the single-layer features of model.ts from training photos only (Corel-5k train and
 * Flickr8k train): random patches, per-patch normalisation, ZCA whitening, spherical k-means.
 *
 *   npx tsx models/learned-features/train.ts [--centroids 800] [--size 64] [--patch 6] [--grid 2]
 *       [--patches 200000] [--iterations 10] [--seed 2011] [--out models/learned-features/checkpoint]
 *
 * Writes `weights.bin` (float32: m, W, centroids) and `meta.json` (config, data, command, seed,
 * time); evaluate.ts --write adds the measured metrics to meta.json.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { loadCorel5k, trainItems } from '@/lib/datasets';
import { mulberry32, seededShuffle } from '@/lib/random';
import { initBackend } from '@/lib/tfjs/backend';
import { fitWhitening, whitenPatches } from '@/models/blocks/whitening';
import { flickr8kTrainFiles, photoPixels } from './data';
import { CHECKPOINT_DIR, DEFAULT_CONFIG, patchDims, samplePatches, serialiseWeights, sphericalKMeans, type LearnedFeatureConfig } from './model';

const progress = (m: string) => process.stderr.write(`${m}\n`);

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const v = Number(args[at + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

async function main() {
  const args = process.argv.slice(2);
  const started = performance.now();
  const config: LearnedFeatureConfig = {
    ...DEFAULT_CONFIG,
    centroids: option(args, 'centroids', DEFAULT_CONFIG.centroids),
    size: option(args, 'size', DEFAULT_CONFIG.size),
    patch: option(args, 'patch', DEFAULT_CONFIG.patch),
    grid: option(args, 'grid', DEFAULT_CONFIG.grid),
    stride: option(args, 'stride', DEFAULT_CONFIG.stride ?? 1),
  };
  const total = option(args, 'patches', 200_000);
  const iterations = option(args, 'iterations', 10);
  const seed = option(args, 'seed', 2011);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? path.resolve(args[outAt + 1]) : CHECKPOINT_DIR;
  const backend = await initBackend('wasm');
  progress(`backend ${backend.name}`);

  const corel = await loadCorel5k();
  const corelFiles = trainItems(corel).map((item) => item.file);
  const flickrFiles = await flickr8kTrainFiles();
  const files = [...corelFiles, ...flickrFiles];
  progress(`${corelFiles.length} Corel-5k + ${flickrFiles.length} Flickr8k training photos`);
  const corelPixels = await photoPixels(corelFiles, config.size, 'corel5k-train', { onProgress: (d, t) => d % 1024 === 0 && progress(`corel ${d}/${t}`) });
  const flickrPixels = await photoPixels(flickrFiles, config.size, 'flickr8k-train', { onProgress: (d, t) => d % 1024 === 0 && progress(`flickr8k ${d}/${t}`) });
  const pixels = [...corelPixels, ...flickrPixels];
  const loaded = performance.now();

  // Patches spread evenly over the photos (in a seeded order), positions seeded too.
  const dims = patchDims(config);
  const patches = new Float32Array(total * dims);
  const random = mulberry32(seed);
  const order = seededShuffle(pixels.map((_, i) => i), seed);
  let at = 0;
  for (let i = 0; i < order.length && at < total; i++) {
    const count = Math.min(total - at, Math.ceil((total - at) / (order.length - i)));
    samplePatches(pixels[order[i]], config.size, count, random, config, patches, at);
    at += count;
  }
  const whitening = fitWhitening(patches, dims, config.whiteningEpsilon);
  const whitened = whitenPatches(whitening, patches);
  const whitenedAt = performance.now();
  progress(`${total} patches whitened (${((whitenedAt - loaded) / 1000).toFixed(1)} s)`);

  const centroids = sphericalKMeans(whitened, dims, {
    centroids: config.centroids,
    iterations,
    seed,
    onIteration: (it, dot, empty) => progress(`k-means ${it}/${iterations}: mean |cᵀx| ${dot.toFixed(3)}, ${empty} empty`),
  });
  const done = performance.now();
  const weights = { config, mean: whitening.mean, whiten: whitening.whiten, centroids };
  await fsp.mkdir(out, { recursive: true });
  await fsp.writeFile(path.join(out, 'weights.bin'), serialiseWeights(weights));
  const meta = {
    model: 'learned-features',
    method: 'Coates & Ng single layer: normalised patches, ZCA whitening, spherical k-means, triangle activation, sum pooling',
    config,
    data: {
      photos: `${corelFiles.length} Corel-5k train + ${flickrFiles.length} Flickr8k train (no dev or test photo)`,
      patches: total,
    },
    command: `npx tsx models/learned-features/train.ts ${args.join(' ')}`.trim(),
    seed,
    iterations,
    seconds: {
      decode: +((loaded - started) / 1000).toFixed(1),
      whitening: +((whitenedAt - loaded) / 1000).toFixed(1),
      kmeans: +((done - whitenedAt) / 1000).toFixed(1),
      total: +((done - started) / 1000).toFixed(1),
    },
    trainedAt: new Date().toISOString(),
    backend: backend.name,
  };
  await fsp.writeFile(path.join(out, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  progress(`wrote ${out} (${meta.seconds.total} s)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * alignDRAW on Corel-5k with Captions (32×32 colour photos captioned by their tags), in one command:
 *
 * 1. the variational lower bound on the 499 held-out test photos with their own captions, nats per
 *    image, next to (a) the same photos under another test photo's caption that shares none of
 *    its tags — the gap is what the caption tells the model about the picture — and (b) independent
 *    pixels fitted on the training photos. All three use the model's likelihood: cross-entropy of
 *    σ(c_T) against the grey levels in [0, 1] (a bound on a score, not an exact likelihood of
 *    colour photos; comparable across the three rows);
 * 2. do the drawings look like their tags? Each drawing, enlarged to 128×128, gets the tags of its
 *    10 nearest training photos by GIST-and-colour features (the features the tag model uses,
 *    computed on training photos shrunk to 32×32 and enlarged the same way). Reported: the share of
 *    the caption's tags among the 5 tags voted most, for drawings of the caption, for drawings of
 *    another caption (chance), and for the real test photos at 32×32 (what the measure can see).
 *
 *   npm run eval:caption-corel                 the table (progress on stderr)
 *   npm run eval:caption-corel -- --json       {"lowerBoundNats", "otherCaptionNats", "pixelsNats", "tagRecall": {...}}
 *   npm run eval:caption-corel -- --write      also saves checkpoint-corel/evaluation.json for the model card
 *   npm run eval:caption-corel -- [--checkpoint DIR] [--captions 200] [--samples 2]
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { parseFlags } from '@/lib/cli/progress';
import { env } from '@/lib/env';
import { EVALUATION_FILE, type Evaluation } from '@/lib/model-cards';
import { mulberry32 } from '@/lib/random';
import { initBackend } from '@/lib/tfjs/backend';
import { FEATURE_CONFIG, gaborBank, imageFeatures } from '@/models/image-features/model';
import { mean } from '@/models/blocks/statistics';
import { independentPixels, pct, round } from './baselines';
import { COREL_CANVAS, COREL_CANVAS_SIZE, corelExamples, corelSplit, loadCorelCanvases } from './corel-data';
import { loadCaptionModel } from './serve';
import { COREL_CHECKPOINT_DIR } from './tokenizer';

const flags = parseFlags();
const json = flags.has('json');
const write = flags.has('write');
const checkpointDir = String(flags.get('checkpoint') ?? COREL_CHECKPOINT_DIR);
const captionCount = Number(flags.get('captions') ?? 200);
const samplesPerCaption = Number(flags.get('samples') ?? 2);
const NEIGHBOURS = 10;
const VOTED = 5;
const progress = (message: string) => process.stderr.write(`${message}\n`);

const backend = await initBackend(env.MODEL_BACKEND);
progress(`backend: ${backend.name}`);
const corel = await loadCorelCanvases();
const items = corel.dataset.items;
const train = corelSplit(corel, 'train');
const test = corelSplit(corel, 'test');
const loaded = await loadCaptionModel(checkpointDir);
const tokensOf = async (captions: string[]) => Promise.all(captions.map(async (c) => (await loaded.tokenizer.encode(c)).ids));

/** For each test photo, another test photo sharing none of its tags (a seeded derangement). */
function otherPhotos(photos: number[], seed: number): number[] {
  const random = mulberry32(seed);
  return photos.map((photo, i) => {
    const tags = new Set(items[photo].tags);
    for (let attempt = 0; attempt < 200; attempt++) {
      const other = photos[Math.floor(random() * photos.length)];
      if (!items[other].tags.some((t) => tags.has(t))) return other;
    }
    return photos[(i + 1) % photos.length];
  });
}

// ── 1. Lower bounds ──────────────────────────────────────────────────────────────────────────────
const heldOut = corelExamples(corel, test);
const others = otherPhotos(test, 7);
const ownCaptions = await tokensOf(heldOut.captions);
const otherCaptions = await tokensOf(others.map((o) => heldOut.captions[test.indexOf(o)]));
const lowerBoundNats = mean(loaded.model.lowerBound(heldOut.images, ownCaptions, { seed: 1, batchSize: 100 }));
progress(`lower bound, own captions: ${lowerBoundNats.toFixed(2)} nats`);
const otherCaptionNats = mean(loaded.model.lowerBound(heldOut.images, otherCaptions, { seed: 1, batchSize: 100 }));
progress(`lower bound, another photo's caption: ${otherCaptionNats.toFixed(2)} nats`);
const pixelsNats = independentPixels(corelExamples(corel, train).images, heldOut.images, COREL_CANVAS_SIZE);
progress(`independent pixels: ${pixelsNats.toFixed(2)} nats`);

// ── 2. Tags of the drawings, by nearest training photos ──────────────────────────────────────────
const bank = gaborBank();
/** 32×32 canvases ([n × 3072] in [0, 1]) → unit feature vectors of their 128×128 enlargements. */
async function featuresOf(canvases: Float32Array): Promise<Float32Array[]> {
  const n = canvases.length / COREL_CANVAS_SIZE;
  const out: Float32Array[] = [];
  for (let start = 0; start < n; start += 64) {
    const inputs = await Promise.all(
      Array.from({ length: Math.min(64, n - start) }, async (_, k) => {
        const bytes = Uint8Array.from(canvases.subarray((start + k) * COREL_CANVAS_SIZE, (start + k + 1) * COREL_CANVAS_SIZE), (v) => Math.round(255 * Math.min(1, Math.max(0, v))));
        const big = await sharp(bytes, { raw: { width: COREL_CANVAS, height: COREL_CANVAS, channels: 3 } })
          .resize(FEATURE_CONFIG.size, FEATURE_CONFIG.size, { kernel: 'cubic' })
          .raw()
          .toBuffer();
        return { pixels: Float32Array.from(big, (v) => v / 255) };
      }),
    );
    out.push(...imageFeatures(inputs, bank));
    await tf.nextFrame();
  }
  return out;
}

progress('features of the training photos at 32×32 …');
const reference = await featuresOf(corelExamples(corel, train).images);

/** Share of each query's own tags among the top-voted tags of its nearest training photos. */
function tagRecall(queries: Float32Array[], tagsOf: (q: number) => string[]): number {
  let found = 0;
  let wanted = 0;
  for (const [q, vector] of queries.entries()) {
    const nearest = reference
      .map((r, i) => ({ i, similarity: dot(vector, r) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, NEIGHBOURS);
    const votes = new Map<string, number>();
    for (const { i } of nearest) for (const tag of items[train[i]].tags) votes.set(tag, (votes.get(tag) ?? 0) + 1);
    const top = new Set([...votes].sort((a, b) => b[1] - a[1]).slice(0, VOTED).map(([tag]) => tag));
    const tags = tagsOf(q);
    found += tags.filter((t) => top.has(t)).length;
    wanted += tags.length;
  }
  return found / wanted;
}

const photos = test.slice(0, captionCount);
const captionOf = (photo: number) => corelExamples(corel, [photo]).captions[0];
/** Drawings of each photo's caption (`drawnFor` picks whose caption is drawn). */
async function drawings(drawnFor: number[], seed: number): Promise<Float32Array> {
  const out = new Float32Array(drawnFor.length * samplesPerCaption * COREL_CANVAS_SIZE);
  for (const [i, photo] of drawnFor.entries()) {
    const { ids } = await loaded.tokenizer.encode(captionOf(photo));
    const generation = await loaded.model.generate({ tokens: ids, samples: samplesPerCaption, seed: seed + i });
    out.set(generation.images, i * samplesPerCaption * COREL_CANVAS_SIZE);
    if ((i + 1) % 50 === 0) progress(`  drew ${i + 1}/${drawnFor.length} captions`);
  }
  return out;
}
const tagsOfDrawing = (q: number) => items[photos[Math.floor(q / samplesPerCaption)]].tags;
progress(`drawing ${samplesPerCaption} images for each of ${photos.length} test captions …`);
const drawn = tagRecall(await featuresOf(await drawings(photos, 1000)), tagsOfDrawing);
progress('drawing them for other captions (chance) …');
const chance = tagRecall(await featuresOf(await drawings(otherPhotos(photos, 9), 5000)), tagsOfDrawing);
const real = tagRecall(await featuresOf(corelExamples(corel, photos).images), (q) => items[photos[q]].tags);
bank.dispose();
const meta = JSON.parse(await fsp.readFile(path.join(checkpointDir, 'meta.json'), 'utf8'));

if (json) {
  process.stdout.write(`${JSON.stringify({ lowerBoundNats: round(lowerBoundNats), otherCaptionNats: round(otherCaptionNats), pixelsNats: round(pixelsNats), tagRecall: { drawings: round(drawn), otherCaption: round(chance), realPhotos: round(real) } })}\n`);
} else {
  console.log(`alignDRAW on Corel-5k with Captions (${loaded.version}, ${meta.batches ?? '?'} training batches)`);
  console.log();
  console.table([
    { 'held-out photos (nats/image)': 'alignDRAW, own caption', bound: lowerBoundNats.toFixed(2) },
    { 'held-out photos (nats/image)': 'alignDRAW, another photo’s caption', bound: otherCaptionNats.toFixed(2) },
    { 'held-out photos (nats/image)': 'independent pixels', bound: pixelsNats.toFixed(2) },
  ]);
  console.table([
    { images: `alignDRAW drawings of the caption (${photos.length} × ${samplesPerCaption})`, 'caption tags in top 5': pct(drawn) },
    { images: 'alignDRAW drawings of another caption (chance)', 'caption tags in top 5': pct(chance) },
    { images: 'the real test photos at 32×32', 'caption tags in top 5': pct(real) },
  ]);
  console.log(`The caption is worth ${(lowerBoundNats - otherCaptionNats).toFixed(2)} nats a photo.`);
}

if (write) {
  const evaluation: Evaluation = {
    model: 'align-draw-corel',
    date: new Date().toISOString(),
    command: `npm run eval:caption-corel -- ${process.argv.slice(2).join(' ')}`.trim(),
    data: `Corel-5k test split at 32×32: ${test.length} photos for the bounds; ${photos.length} captions, ${samplesPerCaption} drawings each, tags by the ${NEIGHBOURS} nearest of the ${train.length} training photos`,
    protocol:
      'Bound: the variational bound (one posterior sample), cross-entropy against grey levels, nats per photo. Tags: share of the caption’s tags among the 5 tags most voted by the drawing’s 10 nearest training photos (GIST + colour at 32×32).',
    modelVersion: loaded.version,
    columns: [
      { key: 'bound', label: 'Bound (nats)', format: 'number', help: 'held-out photos, higher is better' },
      { key: 'tags', label: 'Caption tags in top 5', format: 'percent', help: 'by nearest training photos' },
    ],
    rows: [
      { key: 'align-draw', label: 'alignDRAW', kind: 'ours', values: { bound: lowerBoundNats, tags: drawn } },
      { key: 'other-caption', label: 'alignDRAW, another photo’s caption', kind: 'baseline', values: { bound: otherCaptionNats, tags: chance } },
      { key: 'pixels', label: 'Independent pixels', kind: 'baseline', values: { bound: pixelsNats, tags: null } },
      { key: 'real', label: 'Real test photos at 32×32', kind: 'baseline', values: { bound: null, tags: real } },
    ],
  };
  const file = path.join(checkpointDir, EVALUATION_FILE);
  await fsp.writeFile(file, `${JSON.stringify(evaluation, null, 2)}\n`);
  progress(`Wrote ${path.relative(process.cwd(), file)}`);
}
loaded.model.dispose();


function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

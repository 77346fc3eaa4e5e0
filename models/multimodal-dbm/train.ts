/**
 * Trains the multimodal DBM on Corel-5k's 4,500 training photos (or, with --dataset flickr8k, on
 * Flickr8k's 6,000 and their caption tags: training-sets.ts), as the paper does: greedy
 * layer-wise pretraining of each pathway and the joint layer (with the doubled weights that make
 * the stack a DBM), then joint training of the whole machine with mean-field for the data term
 * and persistent Gibbs chains for the model term. fine-tune.ts then trains the photo → tags
 * inference of the result (the committed checkpoint is both steps; README).
 *
 *   npx tsx models/multimodal-dbm/train.ts [--dataset corel5k|flickr8k] [--out DIR] [--seed 1] [--pretrain-epochs 30] [--epochs 20]
 *                                          [--image-hidden 512] [--text-hidden 128] [--joint 512] [--alpha 0.6]
 *                                          [--validation 500]   # hold out training photos to watch
 *                                          [--scaling global|per-feature]   # of the image features
 *                                          [--text-weight 1]   # times each tag is counted
 *                                          [--transform sqrt|none]   # applied to the features first (default: sqrt for
 *                                                                    # GIST+colour, none for the joined learned features,
 *                                                                    # already square-rooted)
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { Dbm, hiddenRepresentation, Rbm, Rng, saveTensors, trainDbm, trainRbm, type CdOptions } from '@/models/blocks';
import { tagFrequencies } from './baselines';
import { holdOut } from './data';
import { FLICKR_CHECKPOINT_DIR } from './serve-flickr';
import { loadTrainingSet, parseDataset } from './training-sets';
import { chainLayers, CHECKPOINT_DIR, checkpointTensors, layout, MultimodalDbm, transformFeatures, type Architecture, type CheckpointMeta, type FeatureTransform } from './model';

const flags = parseFlags();
const dataset = parseDataset(flags.get('dataset'));
const seed = Number(flags.get('seed') ?? 1);
const out = String(flags.get('out') ?? (dataset === 'flickr8k' ? FLICKR_CHECKPOINT_DIR : CHECKPOINT_DIR));
const pretrainEpochs = Number(flags.get('pretrain-epochs') ?? 30);
const epochs = Number(flags.get('epochs') ?? 20);
const validationSize = Number(flags.get('validation') ?? 0);

// Smaller than the paper's (3857-2048-1024 / 2000-1024-1024 / 2048): 620 (Corel) or 3,820 (Flickr) numbers a photo, 4,500 or 6,000 photos.
// One hidden layer per pathway: with two, a photo's information did not reach the words (README).
const sizes = (flag: string, fallback: number[]) => (flags.has(flag) ? String(flags.get(flag)).split(',').map(Number) : fallback);

const started = Date.now();
const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const rng = new Rng(seed);

const set = await loadTrainingSet(dataset, (done, total) => done % 640 === 0 && log(`image features ${done}/${total}`));
const arch: Architecture = { image: set.dims, imageHidden: sizes('image-hidden', [512]), joint: Number(flags.get('joint') ?? 512), textHidden: sizes('text-hidden', [128]), words: set.vocabulary.length };
const all = set.train;
const { kept: train, heldOut } = holdOut(all, seed, validationSize);
const validation = validationSize > 0 ? heldOut : undefined;
const n = train.items.length;
log(`training photos: ${n}${validation ? `, validation: ${validation.items.length}` : ''}`);

// Centre the features and scale them to unit variance for the Gaussian units: by default one scale
// for all 620 numbers, which keeps the features' own geometry (kNN on them is 5 F1 points better
// than after per-feature scaling, which inflates GIST's near-constant dimensions);
// --scaling per-feature divides each dimension by its own deviation.
const scaling = String(flags.get('scaling') ?? 'global');
if (scaling !== 'global' && scaling !== 'per-feature') throw new Error(`--scaling is global or per-feature, not ${scaling}`);
// The image layer reads √features by default (see CheckpointMeta.featureTransform); --transform none
// reads the features themselves.
const featureTransform = String(flags.get('transform') ?? (dataset === 'flickr8k' ? 'none' : 'sqrt')) as FeatureTransform;
if (featureTransform !== 'none' && featureTransform !== 'sqrt') throw new Error(`--transform is none or sqrt, not ${featureTransform}`);
const rawImage = transformFeatures(tf.tensor2d(train.image, [n, arch.image]), featureTransform);
const { mean: featureMean, variance } = tf.moments(rawImage, 0);
const featureStd = tf.tidy(() =>
  scaling === 'global' ? tf.fill([arch.image], Math.sqrt(variance.mean().dataSync()[0])) : tf.maximum(tf.sqrt(variance), 1e-3),
) as tf.Tensor1D;
const image = tf.div(tf.sub(rawImage, featureMean), featureStd) as tf.Tensor2D;
// Each tag counted textWeight times: the Replicated Softmax's document length grows with it, and so
// does the words' pull on the joint layer against the 620 image numbers.
const textWeight = Number(flags.get('text-weight') ?? 1);
if (!Number.isInteger(textWeight) || textWeight < 1) throw new Error(`--text-weight is a whole number of at least 1, not ${flags.get('text-weight')}`);
const text = tf.mul(tf.tensor2d(train.text, [n, arch.words]), textWeight) as tf.Tensor2D;
const meanTags = train.text.reduce((a, b) => a + b, 0) / n;

function pretrainOptions(label: string, learningRate: number, extra: Partial<CdOptions> = {}): CdOptions {
  const bar = new ProgressBar(`pretrain ${label}`.padEnd(22), pretrainEpochs);
  return {
    epochs: pretrainEpochs,
    batchSize: 100,
    learningRate,
    weightDecay: 1e-4,
    seed: rng.seed(),
    onEpoch: ({ epoch, reconstructionError }) => bar.update(epoch, `reconstruction ${reconstructionError.toFixed(4)}`),
    ...extra,
  };
}

/**
 * Greedy pretraining of one pathway, bottom-up. A layer that will have neighbours on both sides
 * in the DBM gets doubled input while it is pretrained: upScale 2 for a hidden layer (every hidden
 * layer here has a layer above it, up to the joint layer), downScale 2 for a visible layer that is
 * itself a hidden layer of the pathway.
 */
async function pretrainPathway(label: string, data: tf.Tensor2D, units: 'gaussian' | 'softmax', sizes: number[], rates: number[]): Promise<{ rbms: Rbm[]; top: tf.Tensor2D }> {
  const rbms: Rbm[] = [];
  let input = data;
  for (const [i, hidden] of sizes.entries()) {
    const rbm = Rbm.random({ visible: input.shape[1], hidden, units: i === 0 ? units : 'binary', upScale: 2, downScale: i === 0 ? 1 : 2 }, rng);
    await trainRbm(rbm, input, pretrainOptions(`${label} RBM ${i + 1}${i === 0 ? ` (${units === 'gaussian' ? 'Gaussian' : 'Rep. Softmax'})` : ''}`, rates[i]));
    const next = hiddenRepresentation(rbm, input);
    if (input !== data) input.dispose();
    input = next;
    rbms.push(rbm);
  }
  return { rbms, top: input };
}

const imagePath = await pretrainPathway('image', image, 'gaussian', arch.imageHidden, [0.002, 0.02, 0.02]);
// Word counts are sparse (3.5 tags of 374 words), so each weight sees few gradients: a larger rate.
const textPath = await pretrainPathway('text', text, 'softmax', arch.textHidden, [0.1, 0.05, 0.05]);
const jointInput = tf.concat([imagePath.top, textPath.top], 1);
const imageTop = arch.imageHidden[arch.imageHidden.length - 1];
const textTop = arch.textHidden[arch.textHidden.length - 1];
const jointRbm = Rbm.random({ visible: imageTop + textTop, hidden: arch.joint, units: 'binary', downScale: 2 }, rng);
await trainRbm(jointRbm, jointInput, pretrainOptions('joint RBM', 0.05));
tf.dispose([imagePath.top, textPath.top, jointInput]);

// The chain image — h… — joint — …h — text. A layer shared by two RBMs takes the average of its
// two biases; the text pathway's weights are transposed to run from the joint layer down.
const half = (a: tf.Tensor1D, b: tf.Tensor1D) => tf.div(tf.add(a, b), 2) as tf.Tensor1D;
const [jointImageW, jointTextW] = tf.split(jointRbm.W, [imageTop, textTop], 0) as [tf.Tensor2D, tf.Tensor2D];
const [jointImageB, jointTextB] = tf.split(jointRbm.visibleBias, [imageTop, textTop]) as [tf.Tensor1D, tf.Tensor1D];
const upperVisible = (rbms: Rbm[], i: number, jointBias: tf.Tensor1D) => (i + 1 < rbms.length ? rbms[i + 1].visibleBias : jointBias);
const imageBiases = imagePath.rbms.map((rbm, i) => half(rbm.hiddenBias, upperVisible(imagePath.rbms, i, jointImageB)));
// The text layer next to the words keeps its Replicated Softmax bias (it is scaled by the word count).
const textBiases = textPath.rbms.map((rbm, i) => (i === 0 ? rbm.hiddenBias : half(rbm.hiddenBias, upperVisible(textPath.rbms, i, jointTextB))));
const dbm = new Dbm(
  chainLayers(arch, [imagePath.rbms[0].visibleBias, ...imageBiases, jointRbm.hiddenBias, ...textBiases.reverse(), textPath.rbms[0].visibleBias]),
  [
    ...imagePath.rbms.map((rbm) => rbm.W),
    jointImageW,
    jointTextW.transpose() as tf.Tensor2D,
    ...textPath.rbms.map((rbm) => rbm.W.transpose() as tf.Tensor2D).reverse(),
  ],
);
[...imagePath.rbms, ...textPath.rbms, jointRbm].forEach((r) => r.dispose());

const meta: CheckpointMeta = {
  model: 'multimodal-dbm',
  paper: 'Srivastava & Salakhutdinov, Multimodal Learning with Deep Boltzmann Machines (NIPS 2012; JMLR 2014)',
  architecture: arch,
  meanTags,
  textWeight,
  featureTransform,
  meanFieldSteps: 10,
  featureVersion: set.featureVersion,
  dataset,
  // Chosen on 500 held-out training photos with scripts/tune.ts (best F1 there).
  ranking: { alpha: Number(flags.get('alpha') ?? 0.6), frequency: Array.from(tagFrequencies({ image: train.image, text: train.text, n }), (f) => Number(f.toFixed(6))) },
};
const model = new MultimodalDbm(dbm, set.vocabulary, featureMean as tf.Tensor1D, featureStd, meta, 'training');

/** Mean precision of the top-5 tags on the held-out training photos: a quick training monitor. */
async function validationPrecision(): Promise<number | null> {
  if (!validation) return null;
  const p = await model.tagScores(validation.image, validation.items.length, undefined, true);
  let hits = 0;
  validation.items.forEach((item, r) => {
    const top = model.ranked(p, r).slice(0, 5).map((t) => t.word);
    hits += top.filter((w) => item.tags.includes(w)).length / 5;
  });
  return hits / validation.items.length;
}

log(`after pretraining: validation precision@5 ${(await validationPrecision())?.toFixed(3) ?? '—'}`);
const bar = new ProgressBar('joint DBM training'.padEnd(22), epochs);
const history: { epoch: number; validationPrecisionAt5: number | null; seconds: number }[] = [];
await trainDbm(
  dbm,
  { [layout(arch).image]: image, [layout(arch).text]: text },
  {
    epochs,
    batchSize: 100,
    learningRate: Number(flags.get('learning-rate') ?? 0.001),
    learningRateDecay: 0.05,
    weightRateScale: [0.25],
    weightDecay: 1e-4,
    chains: 100,
    gibbsSteps: 1,
    meanFieldSteps: 10,
    seed: rng.seed(),
    onEpoch: async ({ epoch, seconds }) => {
      const precision = epoch % 2 === 0 || epoch === epochs ? await validationPrecision() : null;
      history.push({ epoch, validationPrecisionAt5: precision, seconds });
      bar.update(epoch, precision !== null ? `validation P@5 ${precision.toFixed(3)}` : '');
    },
  },
);

const trainingSeconds = Math.round((Date.now() - started) / 1000);
await fs.mkdir(out, { recursive: true });
const entries = await saveTensors(out, checkpointTensors(model), 'float16');
await fs.writeFile(path.join(out, 'vocabulary.json'), `${JSON.stringify(set.vocabulary)}\n`);
const fullMeta = {
  ...meta,
  data: set.describe(n, validation?.items.length ?? 0),
  command: `npx tsx models/multimodal-dbm/train.ts ${process.argv.slice(2).join(' ')}`.trim(),
  seed,
  featureScaling: scaling,
  validation: validationSize,
  pretrainEpochs,
  epochs,
  backend: backend.name,
  trainingSeconds,
  weights: { dtype: 'float16', tensors: entries.length, bytes: entries.reduce((a, e) => a + e.bytes, 0) },
  history,
  trainedAt: new Date().toISOString(),
};
await fs.writeFile(path.join(out, 'meta.json'), `${JSON.stringify(fullMeta, null, 2)}\n`);
log(`saved ${out} in ${trainingSeconds}s`);

/**
 * Trains the multimodal DBM on Corel-5k's 4,500 training photos, as the paper does: greedy
 * layer-wise pretraining of each pathway and the joint layer (with the doubled weights that make
 * the stack a DBM), then joint training of the whole machine with mean-field for the data term
 * and persistent Gibbs chains for the model term.
 *
 *   npx tsx models/multimodal-dbm/train.ts [--out DIR] [--seed 1] [--pretrain-epochs 40] [--epochs 40]
 *                                          [--validation 500]   # hold out training photos to watch
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { seededShuffle } from '@/lib/random';
import { Dbm, hiddenRepresentation, Rbm, Rng, saveTensors, trainDbm, trainRbm, type CdOptions } from '@/models/blocks';
import { FEATURE_VERSION } from '@/models/image-features/model';
import { loadCorelFeatures, splitOf, type MultimodalSplit } from './data';
import { chainLayers, CHECKPOINT_DIR, checkpointTensors, LAYER, MultimodalDbm, type Architecture, type CheckpointMeta } from './model';

const flags = parseFlags();
const seed = Number(flags.get('seed') ?? 1);
const out = String(flags.get('out') ?? CHECKPOINT_DIR);
const pretrainEpochs = Number(flags.get('pretrain-epochs') ?? 40);
const epochs = Number(flags.get('epochs') ?? 40);
const validationSize = Number(flags.get('validation') ?? 0);

const arch: Architecture = { image: 620, imageHidden: [512, 256], joint: 512, textHidden: [256, 256], words: 374 };

const started = Date.now();
const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const rng = new Rng(seed);

const corel = await loadCorelFeatures({ onProgress: (done, total) => done % 640 === 0 && log(`image features ${done}/${total}`) });
const all = splitOf(corel, 'train');
const order = seededShuffle(all.items.map((_, i) => i), seed);
const validationRows = new Set(order.slice(0, validationSize));
const pick = (rows: number[]): MultimodalSplit => ({
  items: rows.map((r) => all.items[r]),
  image: Float32Array.from(rows.flatMap((r) => Array.from(all.image.subarray(r * arch.image, (r + 1) * arch.image)))),
  text: Float32Array.from(rows.flatMap((r) => Array.from(all.text.subarray(r * arch.words, (r + 1) * arch.words)))),
});
const train = pick(order.filter((r) => !validationRows.has(r)));
const validation = validationSize > 0 ? pick(order.filter((r) => validationRows.has(r))) : undefined;
const n = train.items.length;
log(`training photos: ${n}${validation ? `, validation: ${validation.items.length}` : ''}`);

// Standardise each feature dimension over the training photos (the Gaussian units have unit variance).
const rawImage = tf.tensor2d(train.image, [n, arch.image]);
const { mean: featureMean, variance } = tf.moments(rawImage, 0);
const featureStd = tf.maximum(tf.sqrt(variance), 1e-3) as tf.Tensor1D;
const image = tf.div(tf.sub(rawImage, featureMean), featureStd) as tf.Tensor2D;
const text = tf.tensor2d(train.text, [n, arch.words]);
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

// Each pathway's RBMs, bottom-up. A layer that will have neighbours on both sides in the DBM
// gets doubled input during pretraining (upScale for hidden layers, downScale for visible ones).
const imageRbm1 = Rbm.random({ visible: arch.image, hidden: arch.imageHidden[0], units: 'gaussian', upScale: 2 }, rng);
await trainRbm(imageRbm1, image, pretrainOptions('image RBM 1 (Gaussian)', 0.002));
const imageH1 = hiddenRepresentation(imageRbm1, image);
const imageRbm2 = Rbm.random({ visible: arch.imageHidden[0], hidden: arch.imageHidden[1], units: 'binary', upScale: 2, downScale: 2 }, rng);
await trainRbm(imageRbm2, imageH1, pretrainOptions('image RBM 2', 0.02));
const imageH2 = hiddenRepresentation(imageRbm2, imageH1);

const textRbm1 = Rbm.random({ visible: arch.words, hidden: arch.textHidden[0], units: 'softmax', upScale: 2 }, rng);
await trainRbm(textRbm1, text, pretrainOptions('text RBM 1 (Rep. Softmax)', 0.02));
const textH1 = hiddenRepresentation(textRbm1, text);
const textRbm2 = Rbm.random({ visible: arch.textHidden[0], hidden: arch.textHidden[1], units: 'binary', upScale: 2, downScale: 2 }, rng);
await trainRbm(textRbm2, textH1, pretrainOptions('text RBM 2', 0.02));
const textH2 = hiddenRepresentation(textRbm2, textH1);

const jointInput = tf.concat([imageH2, textH2], 1);
const jointRbm = Rbm.random({ visible: arch.imageHidden[1] + arch.textHidden[1], hidden: arch.joint, units: 'binary', downScale: 2 }, rng);
await trainRbm(jointRbm, jointInput, pretrainOptions('joint RBM', 0.02));
tf.dispose([imageH1, imageH2, textH1, textH2, jointInput]);

// The chain image — h1 — h2 — joint — h2 — h1 — text. A layer shared by two RBMs takes the
// average of its two biases; the text pathway's weights are transposed to run top-down.
const half = (a: tf.Tensor1D, b: tf.Tensor1D) => tf.div(tf.add(a, b), 2) as tf.Tensor1D;
const [jointImageW, jointTextW] = tf.split(jointRbm.W, [arch.imageHidden[1], arch.textHidden[1]], 0) as [tf.Tensor2D, tf.Tensor2D];
const [jointImageB, jointTextB] = tf.split(jointRbm.visibleBias, [arch.imageHidden[1], arch.textHidden[1]]) as [tf.Tensor1D, tf.Tensor1D];
const dbm = new Dbm(
  chainLayers(arch, [
    imageRbm1.visibleBias,
    half(imageRbm1.hiddenBias, imageRbm2.visibleBias),
    half(imageRbm2.hiddenBias, jointImageB),
    jointRbm.hiddenBias,
    half(textRbm2.hiddenBias, jointTextB),
    textRbm1.hiddenBias, // scaled by the number of tags, as in the Replicated Softmax RBM
    textRbm1.visibleBias,
  ]),
  [imageRbm1.W, imageRbm2.W, jointImageW, jointTextW.transpose(), textRbm2.W.transpose(), textRbm1.W.transpose()],
);
[imageRbm1, imageRbm2, textRbm1, textRbm2, jointRbm].forEach((r) => r.dispose());

const meta: CheckpointMeta = {
  model: 'multimodal-dbm',
  paper: 'Srivastava & Salakhutdinov, Multimodal Learning with Deep Boltzmann Machines (NIPS 2012; JMLR 2014)',
  architecture: arch,
  meanTags,
  meanFieldSteps: 10,
  featureVersion: FEATURE_VERSION,
};
const model = new MultimodalDbm(dbm, corel.dataset.vocabulary, featureMean as tf.Tensor1D, featureStd, meta, 'training');

/** Mean precision of the top-5 tags on the held-out training photos: a quick training monitor. */
async function validationPrecision(): Promise<number | null> {
  if (!validation) return null;
  const p = await model.tagScores(validation.image, validation.items.length);
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
  { [LAYER.image]: image, [LAYER.text]: text },
  {
    epochs,
    batchSize: 100,
    learningRate: 0.002,
    learningRateDecay: 0.05,
    weightRateScale: [0.25, 1, 1, 1, 1, 1],
    weightDecay: 1e-4,
    chains: 100,
    gibbsSteps: 1,
    meanFieldSteps: 10,
    seed: rng.seed(),
    onEpoch: async ({ epoch, seconds }) => {
      const precision = epoch % 5 === 0 || epoch === epochs ? await validationPrecision() : null;
      history.push({ epoch, validationPrecisionAt5: precision, seconds });
      bar.update(epoch, precision !== null ? `validation P@5 ${precision.toFixed(3)}` : '');
    },
  },
);

const trainingSeconds = Math.round((Date.now() - started) / 1000);
await fs.mkdir(out, { recursive: true });
const entries = await saveTensors(out, checkpointTensors(model), 'float16');
await fs.writeFile(path.join(out, 'vocabulary.json'), `${JSON.stringify(corel.dataset.vocabulary)}\n`);
const fullMeta = {
  ...meta,
  data: `Corel-5k training split (${n} photos${validation ? `; ${validation.items.length} training photos held out for validation` : ''}), ${arch.words}-word vocabulary; image features ${FEATURE_VERSION}`,
  command: `npx tsx models/multimodal-dbm/train.ts ${process.argv.slice(2).join(' ')}`.trim(),
  seed,
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

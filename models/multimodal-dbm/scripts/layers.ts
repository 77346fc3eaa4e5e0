/**
 * Where a photo's information is lost on its way to the words: kNN label transfer (rank-weighted
 * vote of the 40 nearest training photos, L2) on each layer's mean-field values with the image
 * clamped, on the 499 test photos. A layer that scores well has the information; the DBM's own
 * words (`npm run eval:tags`) show how much of it the softmax over words turns into tags.
 *
 *   npx tsx models/multimodal-dbm/scripts/layers.ts [--checkpoint DIR]
 */
import * as tf from '@tensorflow/tfjs';
import { parseFlags } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { knnTagScores } from '../baselines';
import { loadCorelFeatures, splitOf, type MultimodalSplit } from '../data';
import { tagMetrics } from '../metrics';
import { CHECKPOINT_DIR, loadMultimodalDbm } from '../model';

const flags = parseFlags();
await initBackend('auto');
const model = await loadMultimodalDbm(String(flags.get('checkpoint') ?? CHECKPOINT_DIR));
const corel = await loadCorelFeatures();
const words = corel.dataset.vocabulary.length;
const train = splitOf(corel, 'train');
const test = splitOf(corel, 'test');

const layerValues = async (split: MultimodalSplit): Promise<Float32Array[]> => {
  const features = tf.tensor2d(split.image, [split.items.length, corel.dims]);
  const values = await model.layersFromImage(features);
  features.dispose();
  return values;
};

const [trainValues, testValues] = [await layerValues(train), await layerValues(test)];
const truth = { counts: test.text, n: test.items.length, words };
const rows = model.at.names.map((name, l) => {
  const reference = { image: trainValues[l], text: train.text, n: train.items.length };
  const scores = knnTagScores(testValues[l], test.items.length, reference, { metric: 'l2', combination: 'whole', k: 40, transfer: { rule: 'vote', weighting: { kind: 'rank' } } });
  const m = tagMetrics({ scores, n: test.items.length, words }, truth);
  return { layer: name, units: model.dbm.layers[l].size, 'kNN F1 %': (100 * m.f1).toFixed(1), 'N+': m.nplus, 'MAP %': (100 * m.map).toFixed(1) };
});
console.log(`kNN label transfer on each layer's mean-field values (${model.version}, ${test.items.length} test photos; layer "image" is the scaled features)`);
console.table(rows);

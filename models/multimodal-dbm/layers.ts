/**
 * Where a photo's information is lost on its way to the words: kNN label transfer (rank-weighted
 * vote of the 40 nearest training photos, L2) on each layer's mean-field values with the image
 * clamped, on the 499 test photos. A layer that scores well has the information; the DBM's own
 * words (`npm run eval:tags`) show how much of it the softmax over words turns into tags.
 *
 *   npx tsx models/multimodal-dbm/layers.ts [--checkpoint DIR]
 */
import * as tf from '@tensorflow/tfjs';
import { parseFlags } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { knnTagScores } from './baselines';
import { loadCorelFeatures, splitOf, type MultimodalSplit } from './data';
import { tagMetrics } from './metrics';
import { CHECKPOINT_DIR, loadMultimodalDbm, type MultimodalDbm } from './model';

const flags = parseFlags();
await initBackend('auto');
const model = await loadMultimodalDbm(String(flags.get('checkpoint') ?? CHECKPOINT_DIR));
const corel = await loadCorelFeatures();
const words = corel.dataset.vocabulary.length;
const train = splitOf(corel, 'train');
const test = splitOf(corel, 'test');

/** Every layer's mean-field values for the photos of a split, layer by layer. */
async function layerValues(m: MultimodalDbm, split: MultimodalSplit): Promise<Float32Array[]> {
  const image = m.standardise(tf.tensor2d(split.image, [split.items.length, corel.dims]));
  const means = await m.dbm.meanField({ [m.at.image]: image }, { steps: m.meta.meanFieldSteps, freeLength: m.meta.meanTags });
  const out = await Promise.all(means.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([image, ...means]);
  return out;
}

const [trainValues, testValues] = [await layerValues(model, train), await layerValues(model, test)];
const truth = { counts: test.text, n: test.items.length, words };
const rows = model.at.names.map((name, l) => {
  const reference = { image: trainValues[l], text: train.text, n: train.items.length };
  const scores = knnTagScores(testValues[l], test.items.length, reference, { metric: 'l2', combination: 'whole', k: 40, transfer: { rule: 'vote', weighting: { kind: 'rank' } } });
  const m = tagMetrics({ scores, n: test.items.length, words }, truth);
  return { layer: name, units: model.dbm.layers[l].size, 'kNN F1 %': (100 * m.f1).toFixed(1), 'N+': m.nplus, 'MAP %': (100 * m.map).toFixed(1) };
});
console.log(`kNN label transfer on each layer's mean-field values (${model.version}, ${test.items.length} test photos; layer "image" is the scaled features)`);
console.table(rows);

/**
 * Tags → photos as the page ranks them, on Corel-5k's 4,500 training photos (the photos the page
 * searches): for each one-word query, how many of the 24 nearest photos carry the word, next to how
 * common the word is among all of them (what a random 24 would give).
 *
 *   npx tsx models/multimodal-dbm/scripts/search.ts [--words tiger,sky,snow,beach,flowers] [--checkpoint DIR]
 */
import * as tf from '@tensorflow/tfjs';
import { parseFlags } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { loadCorelFeatures, splitOf } from '../data';
import { CHECKPOINT_DIR, loadMultimodalDbm } from '../model';

const NEAREST = 24;
const flags = parseFlags();
const queries = String(flags.get('words') ?? 'tiger,sky,snow,beach,flowers').split(',');
await initBackend('auto');
const model = await loadMultimodalDbm(String(flags.get('checkpoint') ?? CHECKPOINT_DIR));
const corel = await loadCorelFeatures();
const train = splitOf(corel, 'train');
const n = train.items.length;
const features = tf.tensor2d(train.image, [n, corel.dims]);
const photoCodes = await model.imageCodes(features);
features.dispose();
const width = model.vocabulary.length;

const rows = [];
for (const word of queries) {
  const query = await model.textCodes([[word]]);
  const nearest = Array.from({ length: n }, (_, i) => {
    let d = 0;
    for (let j = 0; j < width; j++) d += (photoCodes[i * width + j] - query[j]) ** 2;
    return { i, d };
  })
    .sort((a, b) => a.d - b.d)
    .slice(0, NEAREST);
  const tagged = (i: number) => train.items[i].tags.includes(word);
  rows.push({
    query: word,
    [`tagged among ${NEAREST} nearest`]: nearest.filter(({ i }) => tagged(i)).length,
    'of all photos %': ((100 * train.items.filter((_, i) => tagged(i)).length) / n).toFixed(1),
  });
}
console.log(`Tags → photos (${model.version}) over ${n} Corel-5k training photos`);
console.table(rows);

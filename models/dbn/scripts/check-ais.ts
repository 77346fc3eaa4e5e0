/**
 * A check on the quick AIS of ../measure.ts: log Z of the top RBM with the full 14,500-temperature
 * schedule of Salakhutdinov & Murray (2008), 100 runs, from the same base model (the base rates of
 * q(h¹|v) on the training images). Recorded in meta.json as `aisCheck` with the weights' version;
 * measure.ts reports how far the quick estimate is from it. About 3 minutes here (meta.json's aisCheck.seconds).
 *
 *   npx tsx models/dbn/scripts/check-ais.ts [--seed 2]
 */
import * as tf from '@tensorflow/tfjs';
import { log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { loadBinaryMnist } from '@/lib/datasets';
import { annealedImportanceSampling, hiddenRepresentation, readMetaIfAny, standardBetas, weightsVersion, writeMeta } from '@/models/blocks';
import { baseRates } from '../measure';
import { asTensor, CHECKPOINT_DIR, loadDbn } from '../model';

const seed = Number(parseFlags().get('seed') ?? 2);
const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const train = asTensor((await loadBinaryMnist()).train);
const dbn = await loadDbn(CHECKPOINT_DIR);
const h1 = hiddenRepresentation(dbn.bottom, train);
const base = baseRates(h1);
const betas = standardBetas(1);
const bar = new ProgressBar('top RBM AIS', betas.length - 1);
const started = Date.now();
const ais = await annealedImportanceSampling(dbn.top.asChain(), { keptParity: 0, runs: 100, betas, baseBiases: { 0: base }, seed, onProgress: (done) => bar.update(done) });
const aisCheck = {
  version: await weightsVersion(CHECKPOINT_DIR, 'dbn'),
  command: `npx tsx models/dbn/scripts/check-ais.ts ${process.argv.slice(2).join(' ')}`.trim(),
  runs: 100,
  temperatures: betas.length - 1,
  seed,
  logZ: ais.logZ,
  interval: ais.interval,
  seconds: Math.round((Date.now() - started) / 1000),
  date: new Date().toISOString(),
};
await writeMeta(CHECKPOINT_DIR, { ...(await readMetaIfAny(CHECKPOINT_DIR)), aisCheck });
log(`log Z_top = ${ais.logZ.toFixed(2)} [${ais.interval.map((x) => x.toFixed(2)).join(', ')}] with ${aisCheck.temperatures} temperatures, ${aisCheck.seconds} s`);
tf.dispose([train, h1, base]);
dbn.dispose();

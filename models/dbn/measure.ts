/**
 * How well the deep belief net models held-out digits: the lower bound on log p(v) of Salakhutdinov
 * & Murray (2008, eq. 17) — E_q[log p(v|h¹) + log p*(h¹)] + H(q) − log Z_top, q the bottom RBM's
 * recognition distribution — averaged over the 2,000 held-out images, with log Z_top by AIS.
 * In the same run, as baselines, the exact-up-to-AIS log-likelihood −F(v) − log Z of
 *
 * - the DBN's own bottom RBM alone (what the second layer is meant to improve on), and
 * - the 784-500 RBM of models/boltzmann-mnist (CD-k with k raised to 25, Salakhutdinov & Murray's
 *   "CD25(500)" recipe), re-estimated here at the same AIS settings,
 *
 * and the papers' figures. Every log Z uses the same AIS schedule: 100 runs, a tenth of the
 * 14,500-temperature schedule (1,450 temperatures), from a base model with the data's base rates
 * (pixels for an RBM on pixels; the training images' mean q(h¹|v) for the top RBM).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BINARY_MNIST_DESCRIPTION, loadBinaryMnist, MNIST_PIXELS } from '@/lib/datasets';
import { annealedImportanceSampling, hiddenRepresentation, pixelLogOdds, Rng, standardBetas, type AisResult, type Rbm } from '@/models/blocks';
import { loadRbm, readMetaIfAny, weightsVersion } from '@/models/blocks/checkpoint';
import type { Evaluation, EvaluationRow } from '@/lib/model-cards/evaluation';
import type { MeasureBlock } from '@/models/blocks/evaluation-report';
import { asTensor, CHECKPOINT_DIR, loadDbn } from './model';

/**
 * The RBM of models/boltzmann-mnist, read from its committed checkpoint (the same binary MNIST, the
 * same blocks' format) as the baseline the DBN's second layer is meant to improve on.
 */
const BOLTZMANN_RBM_DIR = path.join(CHECKPOINT_DIR, '..', '..', 'boltzmann-mnist', 'checkpoint', 'rbm');

export const AIS_RUNS = 100;
export const AIS_BETAS_SCALE = 0.1;
/** Draws h¹ ~ q(h¹|v) per image for the expectation in the bound. */
export const BOUND_SAMPLES = 10;
const SEED = 1;

/** log-odds of column means, clipped to [1e-3, 1 − 1e-3]: a base model for AIS. */
export function baseRates(data: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const p = tf.clipByValue(tf.mean(data, 0), 1e-3, 1 - 1e-3);
    return tf.log(tf.div(p, tf.sub(1, p))) as tf.Tensor1D;
  });
}

async function logZ(rbm: Rbm, base: tf.Tensor1D, label: string, progress: (m: string) => void): Promise<AisResult & { seconds: number }> {
  const started = Date.now();
  let lastQuarter = -1;
  const ais = await annealedImportanceSampling(rbm.asChain(), {
    keptParity: 0,
    runs: AIS_RUNS,
    betas: standardBetas(AIS_BETAS_SCALE),
    baseBiases: { 0: base },
    seed: SEED,
    onProgress: (done, total) => {
      const quarter = Math.floor((4 * done) / total);
      if (quarter !== lastQuarter) progress(`${label}: AIS ${done}/${total} temperatures, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      lastQuarter = quarter;
    },
  });
  return { ...ais, seconds: (Date.now() - started) / 1000 };
}

/** Mean over the rows of a per-row value, in batches. */
function meanOver(data: tf.Tensor2D, perRow: (rows: tf.Tensor2D) => tf.Tensor1D, batch = 500): number {
  let total = 0;
  for (let start = 0; start < data.shape[0]; start += batch) {
    total += tf.tidy(() => tf.sum(perRow(data.slice([start, 0], [Math.min(batch, data.shape[0] - start), -1]))).dataSync()[0]);
  }
  return total / data.shape[0];
}

/** The half-width of AIS's ±3-standard-error interval on log Z (the wider side). */
const spreadOf = (ais: AisResult) => Math.max(ais.interval[1] - ais.logZ, Number.isFinite(ais.interval[0]) ? ais.logZ - ais.interval[0] : ais.interval[1] - ais.logZ);

/** What the slower check (scripts/check-ais.ts, recorded in meta.json for these weights) says about the quick log Z_top. */
function fullScheduleNote(check: { version: string; temperatures: number; logZ: number; interval: [number, number] } | undefined, version: string, quick: number, heldOutBound: number): string {
  if (!check || check.version !== version) return ' No full-schedule AIS check recorded for these weights (npx tsx models/dbn/scripts/check-ais.ts).';
  return (
    ` Check (check-ais.ts, ${check.temperatures.toLocaleString('en')} temperatures): log Z_top = ${check.logZ.toFixed(2)} [${check.interval.map((x) => x.toFixed(2)).join(', ')}], ` +
    `${(check.logZ - quick).toFixed(2)} above this run's, which would put the held-out bound at ${(heldOutBound + quick - check.logZ).toFixed(2)}.`
  );
}

/** What the boltzmann-mnist RBM's own evaluation (14,500 temperatures) recorded in its meta.json. */
async function ownEvaluationOf(dir: string): Promise<string> {
  const metrics = ((await readMetaIfAny(dir)) as { metrics?: { heldOut?: number; logZ?: number; ais?: { temperatures?: number } } } | undefined)?.metrics;
  if (metrics?.heldOut === undefined || metrics.logZ === undefined) return '';
  return ` Its own evaluation (${(metrics.ais?.temperatures ?? 14500).toLocaleString('en')} temperatures) found log Z ${metrics.logZ.toFixed(2)} and held-out ${metrics.heldOut.toFixed(2)}.`;
}

const negFreeEnergy = (rbm: Rbm) => (rows: tf.Tensor2D) => tf.neg(rbm.freeEnergy(rows)) as tf.Tensor1D;

async function rbmRow(rbm: Rbm, train: tf.Tensor2D, heldOut: tf.Tensor2D, pixelBase: tf.Tensor1D, key: string, label: string, note: string, progress: (m: string) => void): Promise<EvaluationRow> {
  const ais = await logZ(rbm, pixelBase, label, progress);
  const heldOutValue = meanOver(heldOut, negFreeEnergy(rbm)) - ais.logZ;
  const trainValue = meanOver(train, negFreeEnergy(rbm)) - ais.logZ;
  progress(`${label}: held-out ${heldOutValue.toFixed(2)} nats, log Z ${ais.logZ.toFixed(2)} ± ${spreadOf(ais).toFixed(2)} (${ais.seconds.toFixed(0)} s)`);
  return { key, label, kind: 'baseline', values: { heldOut: heldOutValue, train: trainValue, logZ: ais.logZ, logZSpread: spreadOf(ais), aisSeconds: ais.seconds }, note };
}

export const measure: MeasureBlock = async ({ command, progress }) => {
  const mnist = await loadBinaryMnist();
  const train = asTensor(mnist.train);
  const heldOut = asTensor(mnist.heldOut);
  const dbn = await loadDbn(CHECKPOINT_DIR);
  const meta = JSON.parse(await fs.readFile(path.join(CHECKPOINT_DIR, 'meta.json'), 'utf8')) as {
    epochs: number;
    topEpochs?: number;
    training?: { k: number; topK: number };
    aisCheck?: { version: string; temperatures: number; logZ: number; interval: [number, number] };
  };
  const version = await weightsVersion(CHECKPOINT_DIR, 'dbn');
  const shape = dbn.sizes.join('-');
  const pixelBase = tf.tensor1d(pixelLogOdds(mnist.train, MNIST_PIXELS));
  const rows: EvaluationRow[] = [];

  // The DBN: AIS over the top RBM's visible layer h¹ (its hidden layer summed out), starting from
  // the base rates of q(h¹|v) on the training images.
  const h1 = hiddenRepresentation(dbn.bottom, train);
  const h1Base = baseRates(h1);
  h1.dispose();
  const top = await logZ(dbn.top, h1Base, `DBN ${shape} top RBM`, progress);
  h1Base.dispose();
  const rng = new Rng(SEED);
  const bound = (data: tf.Tensor2D) => meanOver(data, (r) => dbn.boundWithoutLogZ(r, BOUND_SAMPLES, rng)) - top.logZ;
  const heldOutBound = bound(heldOut);
  const trainBound = bound(train);
  progress(`DBN: held-out bound ${heldOutBound.toFixed(2)} nats, log Z_top ${top.logZ.toFixed(2)} ± ${spreadOf(top).toFixed(2)} (${top.seconds.toFixed(0)} s)`);
  rows.push({
    key: 'dbn',
    label: `DBN ${shape} (lower bound)`,
    kind: 'ours',
    values: { heldOut: heldOutBound, train: trainBound, logZ: top.logZ, logZSpread: spreadOf(top), aisSeconds: top.seconds },
    note:
      `Greedy: bottom RBM ${meta.epochs} epochs with k of CD-k raised from 1 to ${meta.training?.k ?? 1}, then the top RBM on its hidden probabilities, ${meta.topEpochs ?? meta.epochs} epochs, k raised to ${meta.training?.topK ?? 1}. ` +
      `A lower bound on log p(v): E_q[log p(v|h¹) + log p*(h¹)] + H(q) − log Z_top, the expectation from ${BOUND_SAMPLES} draws of h¹ ~ q(h¹|v) per image, H(q) exact; log Z is the top RBM's.` +
      fullScheduleNote(meta.aisCheck, version, top.logZ, heldOutBound),
  });

  rows.push(await rbmRow(dbn.bottom, train, heldOut, pixelBase, 'bottom-rbm', `its bottom RBM 784-${dbn.bottom.hidden} alone`, 'The DBN\'s first layer as an RBM on its own: log p(v) = −F(v) − log Z, the same AIS.', progress));

  const rbmDir = BOLTZMANN_RBM_DIR;
  const rbm = await loadRbm(rbmDir).catch(() => undefined);
  if (rbm) {
    rows.push(
      await rbmRow(
        rbm,
        train,
        heldOut,
        pixelBase,
        'rbm-cd25',
        'RBM 784-500, CD1→CD25 (boltzmann-mnist)',
        `models/boltzmann-mnist/checkpoint/rbm (${await weightsVersion(rbmDir, 'rbm')}), re-estimated at these AIS settings.${await ownEvaluationOf(rbmDir)}`,
        progress,
      ),
    );
    rbm.dispose();
  } else progress(`no RBM checkpoint in ${rbmDir}; that baseline is left out`);

  const published = 'Salakhutdinov & Murray (2008), binarized MNIST with all 60,000 training images (ours: 8,000), log Z by AIS with 14,500 temperatures; expect a gap of many nats.';
  rows.push({ key: 'published-dbn', label: 'DBN with 500 and 2000 hidden units (lower bound)', kind: 'published', values: { heldOut: -86.22, train: null, logZ: null, logZSpread: null, aisSeconds: null }, note: published });
  rows.push({ key: 'published-rbm', label: 'RBM with 500 hidden units, CD25', kind: 'published', values: { heldOut: -86.34, train: null, logZ: null, logZSpread: null, aisSeconds: null }, note: published });

  const ours = rows[0].values.heldOut!;
  const bottom = rows[1].values;
  const margin = ours - bottom.heldOut!;
  const spread = (rows[0].values.logZSpread ?? 0) + (bottom.logZSpread ?? 0);
  tf.dispose([train, heldOut, pixelBase]);
  dbn.dispose();

  const evaluation: Evaluation = {
    model: 'dbn',
    date: new Date().toISOString(),
    command,
    data: BINARY_MNIST_DESCRIPTION,
    protocol:
      `Average log-probability of the 2,000 held-out images in nats (higher is better). log Z of each RBM by AIS (${AIS_RUNS} runs, ` +
      `${standardBetas(AIS_BETAS_SCALE).length - 1} temperatures — a tenth of Salakhutdinov & Murray's schedule — base model at the data's base rates, seed ${SEED}). ` +
      'Fewer temperatures tend to underestimate log Z, which flatters every row alike.',
    modelVersion: version,
    columns: [
      { key: 'heldOut', label: 'held-out log p (nats)', format: 'number', help: 'mean over the 2,000 held-out images: log p(v) for an RBM, the variational lower bound for the DBN' },
      { key: 'train', label: 'training log p', format: 'number', help: 'the same over the 8,000 training images (the gap is overfitting)' },
      { key: 'logZ', label: 'log Z', format: 'number', help: 'AIS estimate of the log partition function (the top RBM\'s for the DBN)' },
      { key: 'logZSpread', label: 'AIS ±', format: 'number', help: 'half-width of AIS\'s interval on log Z, ±3 standard errors of the mean importance weight' },
      { key: 'aisSeconds', label: 'AIS s', format: 'number', help: 'seconds AIS took on this machine' },
    ],
    rows,
    goal: {
      text: 'A second layer improves the model: the DBN\'s held-out lower bound beats the held-out log-likelihood of its bottom RBM alone',
      met: margin > spread,
      detail: `${margin >= 0 ? '+' : ''}${margin.toFixed(2)} nats against AIS spreads of ±${spread.toFixed(2)} together`,
    },
  };
  return evaluation;
};

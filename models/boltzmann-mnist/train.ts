/**
 * Trains the two MNIST models of the Boltzmann-block check, with the shared blocks only:
 *
 * - rbm: a binary RBM with 500 hidden units learned by CD-k, k raised from 1 to 25 during
 *   training as Salakhutdinov & Murray (2008) did for their "CD25(500)" model;
 * - dbm: a 2-layer DBM 784-500-1000, greedily pretrained with the doubled weights of
 *   Salakhutdinov & Hinton (2012), then trained as a whole with mean-field for the data term and
 *   100 persistent fantasy particles for the model term (Salakhutdinov & Hinton 2009).
 *
 *   npx tsx models/boltzmann-mnist/train.ts [--model rbm|dbm] [--epochs N] [--k 25]
 *       [--pretrain-epochs N] [--learning-rate 0.001] [--seed 1] [--out models/boltzmann-mnist/checkpoint]
 *       [--save-pretrained DIR]   # also the DBM as stacked, before joint training
 *       [--load-pretrained DIR]   # start joint training from a stack saved by --save-pretrained
 *       [--learning-rate-decay 0.05] [--momentum-switch 2] [--gibbs 5] [--mean-field 10]
 *       [--monitor N]             # every N joint epochs, a quick AIS estimate of the bound (stderr, meta.json)
 *       [--snapshots DIR]         # with --monitor, also a checkpoint per estimate in DIR/epoch-<n>
 *       [--tempering K]           # the fantasy particles as K-temperature parallel tempering (β from 0.05 to 1)
 *       [--centering R]           # centred gradients, offsets a running average of the data's means at rate R per update
 *       [--blank-restarts S]      # restart a share S of the fantasy particles at the blank canvas at an epoch's start…
 *       [--blank-restarts-when while-blank-outweighs|every-epoch]   # …while it outweighs every particle (default), or always
 *
 * Progress goes to stderr. Checkpoints (float16) and meta.json go to <out>/{rbm,dbm}/; the
 * metrics are added to meta.json by `npm run eval:boltzmann -- --write`.
 */
import * as tf from '@tensorflow/tfjs';
import { log, parseFlags } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { Dbm, geometricBetas, greedyPretrain, pixelLogOdds, Rbm, readMetaIfAny, Rng, saveRbm, trainDbm, trainRbm, writeMeta } from '@/models/blocks';
import { asTensor, BINARIZATION, DATA_DESCRIPTION, loadBinaryMnist, PIXELS, SPLIT } from './data';
import { CHECKPOINT_DIR, checkpointDir, checkpointVersion, loadDbm, saveDbm, type ModelName } from './model';
import { quickDbmEstimate, type QuickEstimate } from './monitor';

const flags = parseFlags();
const models: ModelName[] = flags.has('model') ? [String(flags.get('model')) as ModelName] : ['rbm', 'dbm'];
if (models.some((m) => m !== 'rbm' && m !== 'dbm')) throw new Error(`--model is rbm or dbm, not ${flags.get('model')}`);
const seed = Number(flags.get('seed') ?? 1);
const out = String(flags.get('out') ?? CHECKPOINT_DIR);
const command = `npx tsx models/boltzmann-mnist/train.ts ${process.argv.slice(2).join(' ')}`.trim();

const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const mnist = await loadBinaryMnist();
const train = asTensor(mnist.train);
const dataFacts = { data: DATA_DESCRIPTION, split: SPLIT, binarization: BINARIZATION, backend: backend.name, command, seed };

/** CD-k with k raised in steps: the first half of the epochs at CD1, the rest shared by the larger k. */
function kSchedule(epochs: number, kMax: number): { k: number; epochs: number }[] {
  const steps = [1, 3, 5, 10, 25].filter((k) => k < kMax).concat(kMax);
  if (steps.length === 1) return [{ k: kMax, epochs }];
  const first = Math.ceil(epochs / 2);
  const rest = epochs - first;
  const later = steps.slice(1).map((k, i) => ({ k, epochs: Math.floor(rest / (steps.length - 1)) + (i < rest % (steps.length - 1) ? 1 : 0) }));
  return [{ k: 1, epochs: first }, ...later].filter((phase) => phase.epochs > 0);
}

async function trainRbmModel(): Promise<void> {
  const epochs = Number(flags.get('epochs') ?? 50);
  const kMax = Number(flags.get('k') ?? 25);
  const hidden = 500;
  const learningRate = 0.05;
  const weightDecay = 2e-4;
  const rng = new Rng(seed);
  // Visible biases start at the pixels' log-odds (Hinton's practical guide, section 8).
  const rbm = new Rbm(
    { visible: 784, hidden, units: 'binary' },
    { W: tf.randomNormal([784, hidden], 0, 0.01, 'float32', rng.seed()) as tf.Tensor2D, visibleBias: tf.tensor1d(pixelLogOdds(mnist.train, PIXELS)) },
  );
  const schedule = kSchedule(epochs, kMax);
  log(`RBM 784-${hidden}: ${schedule.map((p) => `CD${p.k} × ${p.epochs}`).join(', ')} epochs on ${SPLIT.train} images`);
  const started = Date.now();
  const phases: { k: number; epochs: number; learningRate: number; seconds: number; reconstructionError: number }[] = [];
  let done = 0;
  for (const [index, phase] of schedule.entries()) {
    // The rate falls as training goes on; momentum stays at 0.9 once the first phase has raised it.
    const rate = learningRate / (1 + (2 * done) / epochs);
    const phaseStarted = Date.now();
    let reconstructionError = NaN;
    await trainRbm(rbm, train, {
      epochs: phase.epochs,
      batchSize: 100,
      learningRate: rate,
      k: phase.k,
      weightDecay,
      momentum: index === 0 ? { initial: 0.5, final: 0.9, switchEpoch: 5 } : { initial: 0.9, final: 0.9, switchEpoch: 0 },
      seed: rng.seed(),
      onEpoch: (info) => {
        reconstructionError = info.reconstructionError;
        log(`rbm epoch ${done + info.epoch}/${epochs} CD${phase.k} lr ${rate.toFixed(4)}: reconstruction error ${info.reconstructionError.toFixed(4)}, ${info.seconds.toFixed(1)} s`);
      },
    });
    phases.push({ ...phase, learningRate: rate, seconds: (Date.now() - phaseStarted) / 1000, reconstructionError });
    done += phase.epochs;
  }
  const seconds = (Date.now() - started) / 1000;
  const dir = checkpointDir('rbm', out);
  await saveRbm(rbm, dir);
  await writeMeta(dir, {
    model: `binary RBM 784-${hidden}, CD-k with k raised from 1 to ${kMax}`,
    version: await checkpointVersion(dir),
    ...dataFacts,
    epochs,
    k: kMax,
    kSchedule: phases,
    batchSize: 100,
    learningRate,
    momentum: '0.5 for 5 epochs, then 0.9',
    weightDecay,
    trainingSeconds: Math.round(seconds),
    metrics: null,
  });
  log(`RBM trained in ${seconds.toFixed(0)} s, saved to ${dir}`);
  rbm.dispose();
}

async function trainDbmModel(): Promise<void> {
  const epochs = Number(flags.get('epochs') ?? 20);
  const pretrainEpochs = Number(flags.get('pretrain-epochs') ?? 20);
  const sizes = String(flags.get('layers') ?? '500,1000').split(',').map(Number);
  const learningRate = Number(flags.get('learning-rate') ?? 0.001);
  const learningRateDecay = Number(flags.get('learning-rate-decay') ?? 0.05);
  const momentumSwitch = Number(flags.get('momentum-switch') ?? 2);
  const weightDecay = 2e-4;
  const chains = 100;
  const gibbsSteps = Number(flags.get('gibbs') ?? 5);
  const meanFieldSteps = Number(flags.get('mean-field') ?? 10);
  const monitorEvery = Number(flags.get('monitor') ?? 0);
  const snapshots = flags.has('snapshots') ? String(flags.get('snapshots')) : undefined;
  const temperatures = flags.has('tempering') ? geometricBetas(Number(flags.get('tempering')), 0.05) : undefined;
  const centering = flags.has('centering') ? Number(flags.get('centering')) : undefined;
  const blankRestartsWhen = String(flags.get('blank-restarts-when') ?? 'while-blank-outweighs');
  if (blankRestartsWhen !== 'every-epoch' && blankRestartsWhen !== 'while-blank-outweighs') throw new Error(`--blank-restarts-when is every-epoch or while-blank-outweighs, not ${blankRestartsWhen}`);
  const blankRestarts = flags.has('blank-restarts') ? { share: Number(flags.get('blank-restarts')), when: blankRestartsWhen as 'every-epoch' | 'while-blank-outweighs' } : undefined;
  const restartEpochs: number[] = [];
  const started = Date.now();
  let dbm: Dbm;
  let pretrainingFacts: Record<string, unknown>;
  if (flags.has('load-pretrained')) {
    const from = String(flags.get('load-pretrained'));
    log(`DBM 784-${sizes.join('-')}: pretrained stack loaded from ${from}`);
    dbm = await loadDbm(from);
    const saved = (await readMetaIfAny(from)) ?? {};
    pretrainingFacts = { loadedFrom: from, ...(saved.pretraining as Record<string, unknown> | undefined), command: saved.command ?? null };
  } else {
    log(`DBM 784-${sizes.join('-')}: greedy pretraining, ${pretrainEpochs} epochs per layer (CD1, doubled weights)`);
    const pretraining = { epochs: pretrainEpochs, batchSize: 100, learningRate: 0.05, k: 1, weightDecay, momentum: { initial: 0.5, final: 0.9, switchEpoch: 5 } };
    const stack = await greedyPretrain(
      train,
      [
        { hidden: sizes[0], upScale: 2, training: pretraining },
        { hidden: sizes[1], downScale: 2, training: pretraining },
      ],
      { seed, onLayerEpoch: (layer, info) => log(`pretrain layer ${layer + 1} epoch ${info.epoch}/${info.epochs}: reconstruction error ${info.reconstructionError.toFixed(4)}, ${info.seconds.toFixed(1)} s`) },
    );
    dbm = Dbm.fromStack(stack);
    stack.forEach((rbm) => rbm.dispose());
    pretrainingFacts = { epochs: pretrainEpochs, k: 1, learningRate: pretraining.learningRate, doubling: 'bottom RBM 2W going up, top RBM 2W going down', seconds: Math.round((Date.now() - started) / 1000) };
    if (flags.has('save-pretrained')) {
      const dir = String(flags.get('save-pretrained'));
      await saveDbm(dbm, dir);
      await writeMeta(dir, { command, seed, pretraining: pretrainingFacts });
    }
  }
  const pretrainSeconds = (Date.now() - started) / 1000;

  // The monitor's figures (a short AIS, 500 images) are rough; its time is not counted as training.
  const progress: ({ epoch: number } & QuickEstimate)[] = [];
  let monitorSeconds = 0;
  const heldOut = monitorEvery > 0 ? asTensor(mnist.heldOut) : undefined;
  const base = monitorEvery > 0 ? tf.tensor1d(pixelLogOdds(mnist.train, PIXELS)) : undefined;
  const monitor = async (epoch: number) => {
    const estimate = await quickDbmEstimate(dbm, train, heldOut!, base!);
    monitorSeconds += estimate.seconds;
    progress.push({ epoch, ...estimate });
    log(`dbm after ${epoch} joint epochs: quick estimate held-out ${estimate.heldOut.toFixed(2)}, train ${estimate.train.toFixed(2)} (short AIS log Z ${estimate.logZ.toFixed(1)}, floor ${estimate.logZFloor.toFixed(1)}, blank image ${estimate.blank.toFixed(1)}, ${estimate.seconds.toFixed(0)} s)`);
    if (snapshots) await saveDbm(dbm, `${snapshots}/epoch-${epoch}`);
  };
  if (monitorEvery > 0) await monitor(0);
  monitorSeconds = 0;

  log(`DBM joint training: ${epochs} epochs, lr ${learningRate} / (1 + ${learningRateDecay} epoch), ${chains} fantasy particles${temperatures ? ` tempered over ${temperatures.length} temperatures` : ''}, ${gibbsSteps} Gibbs sweeps and ${meanFieldSteps} mean-field sweeps per update${centering !== undefined ? `, centred (offsets at rate ${centering})` : ''}${blankRestarts ? `, ${blankRestarts.share * chains} particles restarted at the blank canvas ${blankRestarts.when === 'every-epoch' ? 'every epoch' : 'at an epoch\'s start while it outweighs every particle'}` : ''}`);
  const jointStarted = Date.now();
  await trainDbm(dbm, { 0: train }, {
    epochs,
    batchSize: 100,
    learningRate,
    learningRateDecay,
    momentum: { initial: 0.5, final: 0.9, switchEpoch: momentumSwitch },
    weightDecay,
    chains,
    gibbsSteps,
    meanFieldSteps,
    temperatures,
    centering,
    blankRestarts,
    onBlankRestart: (epoch) => {
      restartEpochs.push(epoch);
      log(`  epoch ${epoch}: ${blankRestarts!.share * chains} fantasy particles restarted at the blank canvas`);
    },
    onSwapRates: (rates) => log(`  tempered swaps accepted: ${rates.map((r) => r.toFixed(2)).join(' ')}`),
    seed: seed + 1,
    onEpoch: async (info) => {
      log(`dbm epoch ${info.epoch}/${info.epochs}: E_q[−E] ${info.dataTerm.toFixed(1)}, ${info.seconds.toFixed(1)} s`);
      if (monitorEvery > 0 && (info.epoch % monitorEvery === 0 || info.epoch === info.epochs)) await monitor(info.epoch);
    },
  });
  heldOut?.dispose();
  base?.dispose();
  const jointSeconds = (Date.now() - jointStarted) / 1000 - monitorSeconds;
  const dir = checkpointDir('dbm', out);
  await saveDbm(dbm, dir);
  await writeMeta(dir, {
    model: `2-layer DBM 784-${sizes.join('-')}`,
    version: await checkpointVersion(dir),
    ...dataFacts,
    pretraining: pretrainingFacts,
    epochs,
    k: gibbsSteps,
    joint: {
      learningRate,
      learningRateDecay,
      momentum: momentumSwitch >= epochs ? '0.5 throughout' : `0.5 for ${momentumSwitch} epochs, then 0.9`,
      weightDecay,
      fantasyParticles: chains,
      ...(temperatures ? { temperatures: temperatures.map((b) => Number(b.toFixed(4))) } : {}),
      ...(blankRestarts ? { blankRestarts: { ...blankRestarts, state: 'blank canvas, hidden layers sampled from mean field', epochs: restartEpochs } } : {}),
      ...(centering !== undefined ? { centering: { offsets: "running average of each layer's mean-field means on the data", rate: centering } } : {}),
      gibbsSteps,
      meanFieldSteps,
      seconds: Math.round(jointSeconds),
      secondsPerEpoch: Math.round((10 * jointSeconds) / Math.max(1, epochs)) / 10,
    },
    trainingSeconds: Math.round(pretrainSeconds + jointSeconds),
    ...(progress.length ? { progress: { measure: 'quick estimate: AIS 20 runs × 1,450 temperatures, bound on the first 500 images with log Z the larger of that and the floor from 500 training images (rough)', points: progress } } : {}),
    metrics: null,
  });
  log(`DBM trained in ${(pretrainSeconds + jointSeconds).toFixed(0)} s (pretraining ${pretrainSeconds.toFixed(0)} s), saved to ${dir}`);
  dbm.dispose();
}

for (const model of models) {
  if (model === 'rbm') await trainRbmModel();
  else await trainDbmModel();
}
train.dispose();

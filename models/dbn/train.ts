/**
 * Trains the deep belief net 784-500-500 on binarized MNIST by greedy layer-wise learning
 * (Hinton, Osindero & Teh 2006): an RBM on the pixels by CD, then an RBM on its hidden
 * probabilities — the loop of `greedyPretrain` (models/blocks/greedy.ts) written out so that the
 * stack is saved after every epoch and a run can be stopped at any point.
 *
 * 784-500-500 is the lower part of Hinton et al.'s 784-500-500-2000 network (whose 2000-unit top
 * also saw the labels). A 500-2000 top RBM, as in Salakhutdinov & Murray's DBN, costs four times as
 * much per Gibbs step, which would put its AIS and the page's 1,000-step chains out of this
 * machine's budget (about 9 minutes of training, 1 minute of AIS, 10 s of chains at load).
 *
 *   npx tsx models/dbn/train.ts [--epochs 30] [--top-epochs N] [--layers 500,500] [--k 10] [--top-k 10]   # k rises from 1 to this
 *       [--learning-rate 0.05] [--seed 1] [--out models/dbn/checkpoint]
 *       [--bottom-from DIR]   # keep the bottom RBM of a saved stack, train only the top one
 *
 * Progress goes to stderr; weights (float16) and meta.json to <out>/.
 */
import * as tf from '@tensorflow/tfjs';
import { log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { BINARY_MNIST_DESCRIPTION, loadBinaryMnist, MNIST_BINARIZATION, MNIST_SPLIT } from '@/lib/datasets';
import { hiddenRepresentation, Rbm, Rng, trainRbm, writeMeta } from '@/models/blocks';
import { asTensor, CHECKPOINT_DIR, loadRbms, saveDbn } from './model';

const flags = parseFlags();
const seed = Number(flags.get('seed') ?? 1);
const epochs = Number(flags.get('epochs') ?? 30);
const topEpochs = Number(flags.get('top-epochs') ?? epochs);
const sizes = String(flags.get('layers') ?? '500,500').split(',').map(Number);
const k = Number(flags.get('k') ?? 10);
const topK = Number(flags.get('top-k') ?? k);
const learningRate = Number(flags.get('learning-rate') ?? 0.05);
const out = String(flags.get('out') ?? CHECKPOINT_DIR);
const bottomFrom = flags.has('bottom-from') ? String(flags.get('bottom-from')) : undefined;
const command = `npx tsx models/dbn/train.ts ${process.argv.slice(2).join(' ')}`.trim();
if (sizes.length !== 2) throw new Error(`--layers takes two sizes (h1,h2), got ${sizes.join(',')}`);

const backend = await initBackend('auto');
log(`backend: ${backend.name}`);
const mnist = await loadBinaryMnist();
const train = asTensor(mnist.train);
const rng = new Rng(seed);
const weightDecay = 2e-4;
const batchSize = 100;

/** log-odds of the mean of each column: an RBM's starting visible biases (Hinton's practical guide, §8). */
function logOddsOfMeans(data: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const p = tf.clipByValue(tf.mean(data, 0), 0.01, 0.99);
    return tf.log(tf.div(p, tf.sub(1, p))) as tf.Tensor1D;
  });
}

interface HistoryPoint {
  epoch: number;
  bottomReconstructionError?: number;
  topReconstructionError?: number;
}
const history: HistoryPoint[] = [];
const phases: Record<string, unknown>[] = [];
const started = Date.now();

async function save(stack: Rbm[], status: string): Promise<void> {
  await saveDbn(stack, out);
  await writeMeta(out, {
    model: `deep belief net ${[784, ...sizes].join('-')} (Hinton, Osindero & Teh 2006), greedy layer-wise RBMs`,
    data: `${BINARY_MNIST_DESCRIPTION} Each RBM trained on the 8,000 training images (the top one on the bottom RBM's hidden probabilities of them).`,
    split: MNIST_SPLIT,
    binarization: MNIST_BINARIZATION,
    backend: backend.name,
    command,
    seed,
    epochs,
    topEpochs,
    layers: [784, ...sizes],
    training: { batchSize, learningRate, k, topK, weightDecay, momentum: '0.5 for 5 epochs, then 0.9', kSchedule: 'first half of each layer\'s epochs CD1, the rest CD3, CD5, … up to k', learningRateSchedule: 'learningRate / (1 + 2 · epochsDone / epochs) per phase', visibleBiasInit: 'log-odds of the data means' },
    phases,
    status,
    trainingSeconds: Math.round((Date.now() - started) / 1000),
    date: new Date().toISOString(),
    history,
    metrics: null,
  });
}

/**
 * CD-k with k raised as training goes on (Salakhutdinov & Murray 2008 raised it from 1 to 25 for
 * their best RBM; larger k gives a model term closer to the model's own distribution): the first
 * half of the epochs at CD1, the rest shared by 3, 5, 10, … up to `kMax`.
 */
function kSchedule(layerEpochs: number, kMax: number): { k: number; epochs: number }[] {
  const steps = [1, 3, 5, 10, 25].filter((x) => x < kMax).concat(kMax);
  if (steps.length === 1) return [{ k: kMax, epochs: layerEpochs }];
  const first = Math.ceil(layerEpochs / 2);
  const rest = layerEpochs - first;
  const later = steps.slice(1).map((x, i) => ({ k: x, epochs: Math.floor(rest / (steps.length - 1)) + (i < rest % (steps.length - 1) ? 1 : 0) }));
  return [{ k: 1, epochs: first }, ...later].filter((phase) => phase.epochs > 0);
}

/** One greedy step: an RBM on `data`, saved with the layers below it after every epoch. */
async function trainLayer(below: Rbm[], data: tf.Tensor2D, hidden: number, layerEpochs: number, kMax: number, name: 'bottom' | 'top'): Promise<Rbm> {
  const rbm = new Rbm(
    { visible: data.shape[1], hidden, units: 'binary' },
    { W: tf.randomNormal([data.shape[1], hidden], 0, 0.01, 'float32', rng.seed()) as tf.Tensor2D, visibleBias: logOddsOfMeans(data) },
  );
  const schedule = kSchedule(layerEpochs, kMax);
  log(`${name} RBM ${data.shape[1]}-${hidden}: ${schedule.map((p) => `CD${p.k} × ${p.epochs}`).join(', ')} epochs on ${data.shape[0]} rows`);
  const batches = Math.floor(data.shape[0] / batchSize);
  const bar = new ProgressBar(`${name} RBM`, layerEpochs * batches);
  let pending = Promise.resolve();
  let lastError = NaN;
  let done = 0;
  for (const [index, phase] of schedule.entries()) {
    // The rate falls as training goes on; momentum stays at 0.9 once the first phase has raised it.
    const rate = learningRate / (1 + (2 * done) / layerEpochs);
    const phaseStarted = Date.now();
    await trainRbm(rbm, data, {
      epochs: phase.epochs,
      batchSize,
      learningRate: rate,
      k: phase.k,
      weightDecay,
      momentum: index === 0 ? { initial: 0.5, final: 0.9, switchEpoch: 5 } : { initial: 0.9, final: 0.9, switchEpoch: 0 },
      seed: rng.seed(),
      onBatch: (batch) => bar.update(done * batches + batch, `CD${phase.k}, reconstruction error ${lastError.toFixed(4)}`),
      onEpoch: (info) => {
        const epoch = done + info.epoch;
        lastError = info.reconstructionError;
        const point = history[epoch - 1] ?? (history[epoch - 1] = { epoch });
        point[`${name}ReconstructionError`] = info.reconstructionError;
        log(`\n${name} epoch ${epoch}/${layerEpochs} CD${phase.k} lr ${rate.toFixed(4)}: reconstruction error ${info.reconstructionError.toFixed(4)}, ${info.seconds.toFixed(1)} s`);
        // A snapshot of the weights now (the variables move on while it is written).
        const snapshot = new Rbm({ visible: rbm.visible, hidden: rbm.hidden, units: 'binary' }, { W: rbm.W.clone(), visibleBias: rbm.visibleBias.clone(), hiddenBias: rbm.hiddenBias.clone() });
        pending = pending.then(async () => {
          await save([...below, snapshot], `${name} RBM: ${epoch} of ${layerEpochs} epochs`);
          snapshot.dispose();
        });
      },
    });
    phases.push({ layer: name, visible: data.shape[1], hidden, k: phase.k, epochs: phase.epochs, learningRate: rate, seconds: Math.round((Date.now() - phaseStarted) / 1000), reconstructionError: lastError });
    done += phase.epochs;
  }
  await pending;
  return rbm;
}

let bottom: Rbm;
if (bottomFrom) {
  bottom = (await loadRbms(bottomFrom))[0];
  log(`bottom RBM loaded from ${bottomFrom}`);
  phases.push({ layer: 'bottom', loadedFrom: bottomFrom });
} else bottom = await trainLayer([], train, sizes[0], epochs, k, 'bottom');

// The next RBM up learns the bottom one's hidden probabilities p(h¹ = 1 | v) of the training images.
const h1 = hiddenRepresentation(bottom, train);
const top = await trainLayer([bottom], h1, sizes[1], topEpochs, topK, 'top');
await save([bottom, top], 'done');
log(`DBN ${[784, ...sizes].join('-')} trained in ${((Date.now() - started) / 1000).toFixed(0)} s, saved to ${out}`);
tf.dispose([h1, train]);
bottom.dispose();
top.dispose();

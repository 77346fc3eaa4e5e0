/**
 * Model cards (lib/model-cards): what the /models page shows for a trained model with an
 * evaluation, for a model without a checkpoint, and for files it cannot read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDuration, formatNumber, humanise, loadModelCards, MODEL_CATALOG, niceTicks, summaryLines, tickLabel, trainingCurves, trainingFacts, withoutScratchPaths, type Evaluation } from '@/lib/model-cards';

let models: string;
beforeEach(() => {
  models = fs.mkdtempSync(path.join(os.tmpdir(), 'model-cards-'));
});
afterEach(() => {
  fs.rmSync(models, { recursive: true, force: true });
});

function writeCheckpoint(folder: string, files: Record<string, string>) {
  const dir = path.join(models, folder, 'checkpoint');
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

const evaluation: Evaluation = {
  model: 'multimodal-dbm',
  date: '2025-01-01T00:00:00.000Z',
  command: 'npm run eval:tags -- --write',
  data: 'Corel-5k test split: 499 photos',
  protocol: '5 words per photo',
  modelVersion: 'dbm-abc',
  columns: [
    { key: 'f1', label: 'F1', format: 'percent' },
    { key: 'nplus', label: 'N+', format: 'count' },
  ],
  rows: [
    { key: 'dbm', label: 'Multimodal DBM', kind: 'ours', values: { f1: 0.3, nplus: 140 } },
    { key: 'jec', label: 'JEC', kind: 'published', values: { f1: 0.29, nplus: 139 } },
  ],
  goal: { text: 'DBM beats kNN on F1 and N+', met: true },
};

describe('model cards', () => {
  it('has a card for every catalog model, in order, none trained in an empty folder', async () => {
    const cards = await loadModelCards(models);
    expect(cards.map((c) => c.folder)).toEqual(MODEL_CATALOG.map((e) => e.folder));
    expect(cards.every((c) => !c.trained && c.evaluation === undefined && c.problems.length === 0)).toBe(true);
  });

  it('reads how a trained model was trained, its checkpoint size, training curve and evaluation', async () => {
    const meta = JSON.stringify({
      version: 'dbm-abc',
      model: 'multimodal-dbm',
      data: 'Corel-5k train (4,500 photos)',
      command: 'npm run train:dbm',
      seed: 7,
      epochs: 300,
      trainingSeconds: 5400,
      meanTags: 3.5215555,
      history: [
        { epoch: 5, validationPrecisionAt5: 0.1, seconds: 10 },
        { epoch: 6, validationPrecisionAt5: null, seconds: 10 },
        { epoch: 10, validationPrecisionAt5: 0.2, seconds: 10 },
      ],
    });
    writeCheckpoint('multimodal-dbm', { 'meta.json': meta, 'weights.bin': 'x'.repeat(1000), 'evaluation.json': JSON.stringify(evaluation) });
    const card = (await loadModelCards(models)).find((c) => c.folder === 'multimodal-dbm')!;
    expect(card.trained).toBe(true);
    expect(card.checkpoints).toHaveLength(1);
    const [checkpoint] = card.checkpoints;
    expect(checkpoint.part).toBeNull();
    expect(checkpoint.version).toBe('dbm-abc');
    expect(checkpoint.training).toEqual([
      { label: 'Trained on', value: 'Corel-5k train (4,500 photos)' },
      { label: 'Command', value: 'npm run train:dbm' },
      { label: 'Seed', value: '7' },
      { label: 'Epochs', value: '300' },
      { label: 'Training time', value: '1.5 h' },
      { label: 'Mean tags', value: '3.522' },
    ]);
    expect(checkpoint.curves).toEqual([
      {
        label: 'validationPrecisionAt5',
        x: 'epoch',
        points: [
          [5, 0.1],
          [10, 0.2],
        ],
      },
    ]);
    // meta.json + weights.bin; the evaluation is not part of the checkpoint.
    expect(checkpoint.bytes).toBe(Buffer.byteLength(meta) + 1000);
    expect(card.evaluation?.rows.map((r) => r.kind)).toEqual(['ours', 'published']);
    expect(card.evaluation?.goal?.met).toBe(true);
  });

  it('draws the curve of a model trained on batches rather than epochs, leaving out settings that never changed', () => {
    const history = [
      { batch: 1, seconds: 2, testBound: -2134, kl: 1.7, learningRate: 0.001 },
      { batch: 60, seconds: 63, testBound: -1928, kl: 8.3, learningRate: 0.001 },
      { batch: 123, seconds: 123, testBound: -1884, kl: 9.4, learningRate: 0.001 },
    ];
    expect(trainingCurves({ history })).toEqual([
      { label: 'testBound', x: 'batch', points: [[1, -2134], [60, -1928], [123, -1884]] },
      { label: 'kl', x: 'batch', points: [[1, 1.7], [60, 8.3], [123, 9.4]] },
    ]);
  });

  it('shows a folder of several checkpoints and a trained model missing from the catalog', async () => {
    writeCheckpoint('restricted_boltzmann', {});
    const checkpoint = path.join(models, 'restricted_boltzmann', 'checkpoint');
    fs.mkdirSync(path.join(checkpoint, 'rbm'));
    fs.mkdirSync(path.join(checkpoint, 'dbm'));
    fs.writeFileSync(path.join(checkpoint, 'rbm', 'meta.json'), JSON.stringify({ paper: 'Salakhutdinov & Murray 2008', epochs: 10 }));
    fs.writeFileSync(path.join(checkpoint, 'dbm', 'meta.json'), JSON.stringify({ epochs: 20 }));
    fs.mkdirSync(path.join(models, 'blocks')); // shared code, no checkpoint: no card
    const cards = await loadModelCards(models);
    expect(cards.map((c) => c.folder)).toEqual([...MODEL_CATALOG.map((e) => e.folder), 'restricted_boltzmann']);
    const card = cards.at(-1)!;
    expect(card.name).toBe('Restricted boltzmann');
    expect(card.trained).toBe(true);
    expect(card.checkpoints.map((c) => [c.part, c.training])).toEqual([
      ['dbm', [{ label: 'Epochs', value: '20' }]],
      ['rbm', [{ label: 'Epochs', value: '10' }]],
    ]);
    expect(card.papers.map((p) => p.title)).toEqual(['Salakhutdinov & Murray 2008']);
  });

  it('reports an unreadable meta.json or a malformed evaluation on the card instead of failing the page', async () => {
    writeCheckpoint('multimodal-dbm', { 'meta.json': '{ not json', 'evaluation.json': JSON.stringify({ ...evaluation, rows: 'none' }) });
    const card = (await loadModelCards(models)).find((c) => c.folder === 'multimodal-dbm')!;
    expect(card.trained).toBe(false);
    expect(card.problems).toHaveLength(2);
    expect(card.problems[0]).toMatch(/^meta\.json could not be read/);
    expect(card.problems[1]).toMatch(/^evaluation\.json is not in the model-card format/);
  });

  it('shows training facts in a fixed order whatever the order in meta.json', () => {
    expect(trainingFacts({ seed: 1, dataset: 'MNIST', hiddenUnits: 500 }).map((f) => f.label)).toEqual(['Trained on', 'Seed', 'Hidden units']);
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(600)).toBe('10 min');
  });

  it('says in a sentence how a checkpoint was fine-tuned (with its command) and how it ranks words', () => {
    const fineTuning = { method: 'backpropagation through mean-field', command: 'npx tsx fine-tune.ts', epochs: 60, keptEpoch: 56, learningRate: 0.001 };
    expect(trainingFacts({ seed: 1, fineTuning }).find((f) => f.label === 'Fine-tuning')?.value).toBe(
      '60 epochs (epoch 56 kept), backpropagation through mean-field. Command: npx tsx fine-tune.ts',
    );
    expect(trainingFacts({ fineTuning: 'none' }).find((f) => f.label === 'Fine-tuning')?.value).toBe('none');
    expect(trainingFacts({ ranking: { alpha: 0.8, frequency: [0.2, 0.01] } }).find((f) => f.label === 'Ranking')?.value).toBe(
      'words by p(word | image) / p(word)^0.8, p(word) their training frequency',
    );
  });
});

describe('a model’s figures', () => {
  const figures = {
    command: 'npx tsx models/x/scripts/figures.ts',
    date: '2026-12-07T00:00:00.000Z',
    groups: [{ title: 'One word changed', rows: [{ sentence: 'a dog on the snow', image: '/figures/x/snow.png', alt: '8 drawings', nearest: { sentence: 'a dog runs in the snow', similarity: 0.8 } }] }],
  };
  /** A project folder with models/ and public/ side by side, as the app has them. */
  function project(files: Record<string, string>, pictures: string[]): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'model-figures-'));
    const dir = path.join(root, 'models', 'multimodal-dbm', 'checkpoint');
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    for (const picture of pictures) {
      fs.mkdirSync(path.dirname(path.join(root, 'public', picture)), { recursive: true });
      fs.writeFileSync(path.join(root, 'public', picture), 'png');
    }
    return root;
  }
  const card = async (root: string) => (await loadModelCards(path.join(root, 'models'))).find((c) => c.folder === 'multimodal-dbm')!;

  it('shows figures.json’s rows when every picture it names is in public/', async () => {
    const root = project({ 'meta.json': '{}', 'figures.json': JSON.stringify(figures) }, ['/figures/x/snow.png']);
    const shown = await card(root);
    expect(shown.problems).toEqual([]);
    expect(shown.figures?.groups[0].rows[0]).toMatchObject({ sentence: 'a dog on the snow', nearest: { similarity: 0.8 } });
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('says so on the card instead of showing a missing picture, a path outside /figures or a malformed file', async () => {
    const missing = project({ 'meta.json': '{}', 'figures.json': JSON.stringify(figures) }, []);
    expect((await card(missing)).problems).toEqual(['figures.json names pictures that are not in public/: /figures/x/snow.png.']);
    const outside = JSON.stringify({ ...figures, groups: [{ ...figures.groups[0], rows: [{ ...figures.groups[0].rows[0], image: '/../../etc/passwd' }] }] });
    const escaping = project({ 'meta.json': '{}', 'figures.json': outside }, []);
    expect((await card(escaping)).problems[0]).toMatch(/^figures\.json is not in the figure format/);
    const broken = project({ 'meta.json': '{}', 'figures.json': '{ nope' }, []);
    expect((await card(broken)).problems[0]).toMatch(/^figures\.json is not JSON/);
    expect((await card(broken)).figures).toBeUndefined();
    for (const root of [missing, escaping, broken]) fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('the committed checkpoints', () => {
  it('each shows on its card without problems, with its evaluation where one was written', async () => {
    const cards = await loadModelCards(path.resolve('models'));
    const trained = cards.filter((c) => c.trained);
    expect(trained.map((c) => c.folder)).toEqual(expect.arrayContaining(['multimodal-dbm', 'boltzmann-mnist', 'align-draw']));
    for (const card of trained) expect(card.problems, card.folder).toEqual([]);
    for (const folder of ['multimodal-dbm', 'boltzmann-mnist', 'align-draw']) {
      expect(cards.find((c) => c.folder === folder)!.evaluation, folder).toBeDefined();
    }
  });

  it('the alignDRAW card gives the held-out bound and how often the picture is right, with the goal', async () => {
    const card = (await loadModelCards(path.resolve('models'))).find((c) => c.folder === 'align-draw')!;
    const evaluation = card.evaluation!;
    expect(evaluation.columns.map((c) => c.key)).toEqual(['bound', 'seen', 'novel', 'diversity']);
    const ours = evaluation.rows.find((r) => r.key === 'align-draw')!;
    // Colder sampling draws right pictures more often and varied ones less.
    const prior = evaluation.rows.find((r) => r.key === 'temperature-1')!;
    expect(ours.values.seen).toBeGreaterThan(prior.values.seen!);
    expect(ours.values.diversity).toBeLessThan(prior.values.diversity!);
    const pixels = evaluation.rows.find((r) => r.key === 'pixels')!;
    expect(ours.values.bound).toBeGreaterThan(pixels.values.bound!);
    expect(ours.values.seen).toBeGreaterThan(evaluation.rows.find((r) => r.key === 'chance')!.values.seen!);
    expect(evaluation.goal).toMatchObject({ text: expect.stringContaining('95%') });
  });

  it('the GAN cards compare the GAN with the VAE, shuffled pixels and real images by the Fréchet distance', async () => {
    const cards = (await loadModelCards(path.resolve('models'))).filter((c) => c.folder === 'gan');
    expect(cards.map((c) => c.checkpoint).sort()).toEqual(['checkpoint-mnist', 'checkpoint-omniglot']);
    for (const card of cards) {
      const fid = (key: string) => card.evaluation!.rows.find((r) => r.key === key)!.values.fid!;
      expect(fid('real')).toBeLessThan(fid('gan'));
      expect(fid('gan')).toBeLessThan(fid('vae'));
      expect(fid('vae')).toBeLessThan(fid('shuffled'));
    }
  });
});

describe('numbers, records and axes as a person reads them', () => {
  it('writes numbers with at most 4 decimals, the smallest in scientific notation', () => {
    expect(formatNumber(0.191780821917808)).toBe('0.1918');
    expect(formatNumber(3.5215555)).toBe('3.522');
    expect(formatNumber(0.007842)).toBe('0.0078');
    expect(formatNumber(0.0005149)).toBe('5.15e-4');
    expect(formatNumber(0.0002)).toBe('2e-4');
    expect(formatNumber(-107.75900073399379)).toBe('-107.8');
    expect(formatNumber(1018400)).toBe('1018400');
    expect(humanise('validationPrecisionAt5')).toBe('Validation precision at 5');
    expect(humanise('logZInterval')).toBe('Log z interval');
  });

  it('puts axis ticks on round numbers: epochs 0.19 … 19.95 read 0, 5, 10, 15, 20', () => {
    expect(niceTicks(0.1917808219178082, 19.945205479452056, 5, true).ticks).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(1, 3, 5, true).ticks).toEqual([1, 2, 3]);
    expect(niceTicks(1, 100, 5, true).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    const y = niceTicks(0.1484, 0.1696, 4);
    expect(y.ticks.map((t) => tickLabel(t, y.decimals))).toEqual(['0.14', '0.15', '0.16', '0.17']);
    const flat = niceTicks(2, 2, 4);
    expect(flat.ticks.length).toBeGreaterThanOrEqual(2);
  });

  it('summarises a record as "key: value" lines and keeps its JSON for the details, cutting no sentence', () => {
    const facts = trainingFacts({
      config: { latent: 64, learningRate: 0.0002, beta1: 0.5 },
      snapshots: { latentSeeds: [0, 1, 2, 3, 4, 5], afterEpochs: [0, 5, 20] },
      note: 'x'.repeat(400),
    });
    const config = facts.find((f) => f.label === 'Config')!;
    expect(config.lines).toEqual([
      { label: 'Latent', value: '64' },
      { label: 'Learning rate', value: '2e-4' },
      { label: 'Beta 1', value: '0.5' },
    ]);
    expect(JSON.parse(config.raw!)).toEqual({ latent: 64, learningRate: 0.0002, beta1: 0.5 });
    expect(facts.find((f) => f.label === 'Snapshots')!.lines).toEqual([
      { label: 'Latent seeds', value: '0 to 5' },
      { label: 'After epochs', value: '0, 5, 20' },
    ]);
    expect(facts.find((f) => f.label === 'Note')!.value).toHaveLength(400);
    expect(summaryLines([{ k: 1, epochs: 25 }, { k: 3, epochs: 7 }])).toEqual([
      { label: '1', value: 'k 1, epochs 25' },
      { label: '2', value: 'k 3, epochs 7' },
    ]);
  });

  it('shows a command first run in a scratch folder as writing into the checkpoint folder', () => {
    const meta = {
      command: 'npx tsx models/multimodal-dbm/train.ts --out /tmp/dbm-final-gen',
      fineTuning: { method: 'multi-prediction', command: 'npx tsx fine-tune.ts --checkpoint /tmp/dbm-final-gen --out=/tmp/dbm-final', epochs: 60 },
    };
    const facts = trainingFacts(meta, 'models/multimodal-dbm/checkpoint');
    expect(facts.find((f) => f.label === 'Command')!.value).toBe('npx tsx models/multimodal-dbm/train.ts --out models/multimodal-dbm/checkpoint');
    expect(facts.find((f) => f.label === 'Fine-tuning')!.value).toBe(
      '60 epochs, multi-prediction. Command: npx tsx fine-tune.ts --checkpoint models/multimodal-dbm/checkpoint --out=models/multimodal-dbm/checkpoint',
    );
    expect(JSON.stringify(facts)).not.toContain('/tmp/');
    expect(withoutScratchPaths('data in /work/tmp/x and ./tmp/y', 'ck')).toBe('data in /work/tmp/x and ./tmp/y');
  });

  it('no committed checkpoint shows a scratch path or a number with more than 4 decimals outside its details', async () => {
    const cards = await loadModelCards(path.resolve('models'));
    for (const card of cards) {
      for (const checkpoint of card.checkpoints) {
        for (const fact of checkpoint.training) {
          const shown = [fact.value, ...(fact.lines ?? []).map((l) => l.value)].join(' | ');
          expect(shown, `${card.name}: ${fact.label}`).not.toMatch(/\d\.\d{5,}/);
          expect(`${shown} ${fact.raw ?? ''}`, `${card.name}: ${fact.label}`).not.toContain('/tmp/');
        }
      }
      expect(JSON.stringify(card.evaluation ?? {}), card.name).not.toContain('/tmp/');
    }
  });
});


/**
 * alignDRAW (models/align-draw/model.ts) against what the papers define: DRAW's filterbanks read
 * and write the pixels they are placed on, the word alignment is a distribution over the
 * caption's words only, the KL term is the closed form, the lower bound is a bound and training
 * raises it, and drawing is reproducible from a seed. A tiny model on a 12×12 canvas keeps it fast.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@/lib/tfjs/backend';
import { AlignDraw, type AlignDrawConfig } from '@/models/align-draw/model';
import { DataParallelTrainer, shareSeed } from '@/models/align-draw/parallel';
import { attentionWindow, gaussianFilterbank, readGlimpse, writePatch, type AttentionGeometry } from '@/models/blocks/draw-attention';
import { gaussianKl } from '@/models/blocks/gaussian';
import { mulberry32 } from '@/lib/random';

beforeAll(async () => {
  await initBackend('wasm');
});

const TINY: Partial<AlignDrawConfig> = {
  height: 12,
  width: 12,
  vocabularySize: 6,
  embedding: 8,
  languageUnits: 8,
  alignmentUnits: 8,
  encoderUnits: 32,
  decoderUnits: 32,
  latent: 6,
  steps: 5,
  readGrid: 3,
  writeGrid: 4,
  learningRate: 0.01,
};

/**
 * A toy captioned data set: word 1 "left" / 2 "right" puts a 3×6 bar at the left or right,
 * word 3 "top" / 4 "bottom" in the top or bottom half; words 0 and 5 ("the", "bar") carry nothing.
 */
function toyBatch(): { images: Float32Array; tokens: number[][] } {
  const captions = [
    [0, 5, 1, 3],
    [0, 5, 2, 3],
    [0, 5, 1, 4],
    [0, 5, 2, 4],
    [5, 1, 3],
    [5, 2, 4],
    [1, 4],
    [2, 3],
  ];
  const images = new Float32Array(captions.length * 144);
  captions.forEach((caption, n) => {
    const left = caption.includes(1);
    const top = caption.includes(3);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 6; x++) images[n * 144 + ((top ? 2 : 7) + y) * 12 + (left ? 1 : 5) + x] = 1;
  });
  return { images, tokens: captions };
}

describe('DRAW attention filterbanks', () => {
  const windowFor = (rows: number[][], geometry: AttentionGeometry) => tf.tidy(() => attentionWindow(tf.tensor2d(rows), geometry));

  it('every filter is a distribution over pixels: each row of F_X and F_Y sums to 1', () => {
    const geometry = { height: 10, width: 14, grid: 5 };
    tf.tidy(() => {
      const params = tf.randomNormal([7, 5], 0, 1, 'float32', 3);
      const bank = gaussianFilterbank(attentionWindow(params as tf.Tensor2D, geometry), geometry);
      expect(bank.fx.shape).toEqual([7, 5, 14]);
      expect(bank.fy.shape).toEqual([7, 5, 10]);
      for (const sums of [tf.sum(bank.fx, 2), tf.sum(bank.fy, 2)]) for (const s of sums.dataSync()) expect(s).toBeCloseTo(1, 5);
    });
  });

  it('a grid as large as the image with narrow filters reads the image itself, and writing puts it back', () => {
    const geometry = { height: 6, width: 6, grid: 6 };
    // g̃ = 0 (centre), log σ² = −4 (σ ≈ 0.14 px), δ̃ = 1 (δ = 1 px), γ = 1.
    const window = windowFor([[0, 0, -4, 0, 0]], geometry);
    const image = Float32Array.from({ length: 36 }, (_, i) => ((i * 7) % 11) / 10);
    tf.tidy(() => {
      const bank = gaussianFilterbank(window, geometry);
      const x = tf.tensor2d(image, [1, 36]);
      const glimpse = readGlimpse(x, bank, geometry);
      const written = writePatch(glimpse, bank, geometry);
      for (const [i, v] of glimpse.dataSync().entries()) expect(v).toBeCloseTo(image[i], 4);
      for (const [i, v] of written.dataSync().entries()) expect(v).toBeCloseTo(image[i], 4);
    });
    tf.dispose(Object.values(window));
  });

  it('a colour image is read and written through the same filters in each channel', () => {
    const grey = { height: 8, width: 10, grid: 3 };
    const colour = { ...grey, channels: 3 };
    const windows = windowFor([[0.2, -0.3, 0.5, -0.4, 0.1], [-0.5, 0.4, -1, -1, 0]], grey);
    // Two RGB images, channels last, and each channel on its own as a grey image.
    const rgb = Float32Array.from({ length: 2 * 80 * 3 }, (_, i) => ((i * 13) % 17) / 16);
    const channel = (c: number) => Float32Array.from({ length: 2 * 80 }, (_, p) => rgb[p * 3 + c]);
    tf.tidy(() => {
      const bank = gaussianFilterbank(windows, grey);
      const glimpse = readGlimpse(tf.tensor2d(rgb, [2, 240]), bank, colour);
      expect(glimpse.shape).toEqual([2, 27]);
      // Read: (row j, channel c, column i) of the colour glimpse is (j, i) of channel c's grey glimpse.
      const read = glimpse.arraySync();
      for (let c = 0; c < 3; c++) {
        const alone = readGlimpse(tf.tensor2d(channel(c), [2, 80]), bank, grey).arraySync();
        for (let b = 0; b < 2; b++) for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) expect(read[b][j * 9 + c * 3 + i]).toBeCloseTo(alone[b][j * 3 + i], 5);
      }
      // Write: channel c of the written image is the grey write of channel c's patch.
      const written = writePatch(glimpse, bank, colour);
      expect(written.shape).toEqual([2, 240]);
      const image = written.dataSync();
      for (let c = 0; c < 3; c++) {
        const patch = tf.tensor2d(read.map((row) => Array.from({ length: 9 }, (_, k) => row[Math.floor(k / 3) * 9 + c * 3 + (k % 3)])));
        const alone = writePatch(patch, bank, grey).dataSync();
        for (let p = 0; p < 160; p++) expect(image[(p % 80) * 3 + c + Math.floor(p / 80) * 240]).toBeCloseTo(alone[p], 5);
      }
    });
    tf.dispose(Object.values(windows));
  });

  it('a small window reads the pixels under its grid: centre (3, 5), stride 2 on an 8×8 image', () => {
    const geometry = { height: 8, width: 8, grid: 2 };
    // g_X = 4.5 (g̃ + 1) = 3, g_Y = 5; δ = 7 δ̃ = 2; so μ_X = {2, 4}, μ_Y = {4, 6} (pixels from 1).
    const window = windowFor([[-1 / 3, 1 / 9, -5, Math.log(2 / 7), 0]], geometry);
    const image = Float32Array.from({ length: 64 }, (_, i) => i);
    tf.tidy(() => {
      const glimpse = readGlimpse(tf.tensor2d(image, [1, 64]), gaussianFilterbank(window, geometry), geometry).dataSync();
      const pixel = (x: number, y: number) => image[(y - 1) * 8 + (x - 1)];
      const expected = [pixel(2, 4), pixel(4, 4), pixel(2, 6), pixel(4, 6)];
      for (const [i, v] of glimpse.entries()) expect(v).toBeCloseTo(expected[i], 3);
    });
    tf.dispose(Object.values(window));
  });
});

describe('KL divergence between diagonal Gaussians', () => {
  it('matches the closed form, a Monte Carlo estimate, and is 0 between equal Gaussians', () => {
    const q = { mean: [0.3, -1], logStd: [0, Math.log(0.5)] };
    const p = { mean: [1, -1], logStd: [Math.log(2), 0] };
    const kl = tf.tidy(() =>
      gaussianKl(
        { mean: tf.tensor2d([q.mean]), logStd: tf.tensor2d([q.logStd]) },
        { mean: tf.tensor2d([p.mean]), logStd: tf.tensor2d([p.logStd]) },
      ).dataSync()[0],
    );
    // log(σp/σq) + (σq² + (μq − μp)²) / 2σp² − ½ per dimension.
    const closed = [0, 1].reduce((sum, d) => {
      const sq = Math.exp(q.logStd[d]);
      const sp = Math.exp(p.logStd[d]);
      return sum + Math.log(sp / sq) + (sq ** 2 + (q.mean[d] - p.mean[d]) ** 2) / (2 * sp ** 2) - 0.5;
    }, 0);
    expect(kl).toBeCloseTo(closed, 5);

    // E_q[log q(z) − log p(z)] by sampling.
    const random = mulberry32(7);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const logDensity = (z: number, mean: number, std: number) => -0.5 * ((z - mean) / std) ** 2 - Math.log(std);
    let estimate = 0;
    const draws = 200_000;
    for (let n = 0; n < draws; n++)
      for (const d of [0, 1]) {
        const z = q.mean[d] + Math.exp(q.logStd[d]) * normal();
        estimate += logDensity(z, q.mean[d], Math.exp(q.logStd[d])) - logDensity(z, p.mean[d], Math.exp(p.logStd[d]));
      }
    expect(estimate / draws).toBeCloseTo(closed, 1);

    const same = tf.tidy(() => {
      const g = { mean: tf.tensor2d([[0.4, -2, 3]]), logStd: tf.tensor2d([[0.1, -1, 2]]) };
      return gaussianKl(g, g).dataSync()[0];
    });
    expect(Math.abs(same)).toBeLessThan(1e-6);
  });
});

describe('alignDRAW', () => {
  let model: AlignDraw;
  beforeAll(() => {
    model = new AlignDraw(TINY, 1);
  });
  afterAll(() => model.dispose());

  it('aligns each step with the caption’s words only: α sums to 1 over words and is 0 on padding', () => {
    tf.tidy(() => {
      const hGen = tf.randomNormal([2, 32], 0, 1, 'float32', 5) as tf.Tensor2D;
      const padded = model.align(hGen, model.encodeCaptions([[0, 5, 1, 3], [2, 4]]));
      const alone = model.align(hGen.slice([1, 0], [1, -1]), model.encodeCaptions([[2, 4]]));
      const weights = padded.weights.arraySync();
      for (const row of weights) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(weights[1][2]).toBe(0);
      expect(weights[1][3]).toBe(0);
      // The short caption attends and reads the same whether or not it was padded.
      const aloneWeights = alone.weights.arraySync()[0];
      expect(weights[1][0]).toBeCloseTo(aloneWeights[0], 5);
      expect(weights[1][1]).toBeCloseTo(aloneWeights[1], 5);
      const context = padded.context.arraySync()[1];
      for (const [i, v] of alone.context.arraySync()[0].entries()) expect(context[i]).toBeCloseTo(v, 5);
    });
  });

  it('rejects captions with no words or unknown word ids', () => {
    expect(() => model.encodeCaptions([[]])).toThrow(/no words/);
    expect(() => model.encodeCaptions([[0, 9]])).toThrow(/outside the vocabulary/);
  });

  it('the lower bound is finite and ≤ 0, and 30 training steps on 8 images raise it clearly', () => {
    const learner = new AlignDraw(TINY, 2);
    try {
      const { images, tokens } = toyBatch();
      const before = learner.lowerBoundTerms(images, tokens, { seed: 9 });
      for (const v of before.bound) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeLessThan(0);
      }
      for (const v of before.kl) expect(v).toBeGreaterThanOrEqual(0);
      const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
      let last = learner.trainStep(images, tokens);
      expect(Number.isFinite(last.bound)).toBe(true);
      for (let i = 1; i < 30; i++) last = learner.trainStep(images, tokens);
      const after = mean(learner.lowerBound(images, tokens, { seed: 9 }));
      // Untrained: σ(c) ≈ 0.05 everywhere, so each of the 18 bar pixels costs 3 nats (≈ −61 in all);
      // trained, the bars are drawn where the caption puts them (≈ −10 to −20 after 30 steps).
      expect(mean(before.bound)).toBeLessThan(-50);
      expect(after).toBeGreaterThan(mean(before.bound) + 25);
      expect(after).toBeLessThan(0);
      expect(learner.iterations).toBe(30);
    } finally {
      learner.dispose();
    }
  });

  it('draws T canvases in [0, 1] with a word alignment and a write box per step, the same for the same seed', async () => {
    const seen: number[] = [];
    const first = await model.generate({ tokens: [0, 5, 1, 3], samples: 3, seed: 11, onStep: (s) => void seen.push(s.step) });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(first.steps).toHaveLength(5);
    for (const step of first.steps) {
      expect(step.canvases).toHaveLength(3 * 144);
      for (const v of step.canvases) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(step.alignment).toHaveLength(3 * 4);
      for (let s = 0; s < 3; s++) expect(step.alignment.slice(s * 4, s * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(step.writeBoxes).toHaveLength(3);
      for (const box of step.writeBoxes) expect(Number.isFinite(box.x + box.y + box.size + box.sigma)).toBe(true);
    }
    expect(first.images).toEqual(first.steps[4].canvases);

    const again = await model.generate({ tokens: [0, 5, 1, 3], samples: 3, seed: 11 });
    expect(again.images).toEqual(first.images);
    const other = await model.generate({ tokens: [0, 5, 1, 3], samples: 3, seed: 12 });
    expect(other.images).not.toEqual(first.images);
  });

  it('temperature scales the prior’s spread: 1 is the prior itself, 0 draws one image, lower draws closer images', async () => {
    const tokens = [0, 5, 1, 3];
    const draw = (temperature?: number) => model.generate({ tokens, samples: 4, seed: 21, temperature });
    const spread = (images: Float32Array) => {
      // Mean squared distance between the four samples' canvases.
      let sum = 0;
      let pairs = 0;
      for (let a = 0; a < 4; a++) {
        for (let b = a + 1; b < 4; b++, pairs++) for (let i = 0; i < 144; i++) sum += (images[a * 144 + i] - images[b * 144 + i]) ** 2;
      }
      return sum / pairs;
    };
    const prior = await draw();
    expect((await draw(1)).images).toEqual(prior.images);
    const cold = (await draw(0)).images;
    for (let s = 1; s < 4; s++) expect(cold.subarray(s * 144, (s + 1) * 144)).toEqual(cold.subarray(0, 144));
    expect(spread(cold)).toBe(0);
    expect(spread((await draw(0.3)).images)).toBeLessThan(spread(prior.images));
    await expect(draw(-0.5)).rejects.toThrow(/temperature/);
  });

  it('stops drawing when asked to', async () => {
    const controller = new AbortController();
    const result = await model.generate({
      tokens: [1, 3],
      samples: 1,
      seed: 1,
      signal: controller.signal,
      onStep: (s) => {
        if (s.step === 2) controller.abort();
      },
    });
    expect(result.steps).toHaveLength(2);
  });

  it('leaves no tensors behind after training steps, bounds and generation', async () => {
    const learner = new AlignDraw(TINY, 3);
    try {
      const { images, tokens } = toyBatch();
      learner.trainStep(images, tokens); // Adam makes its moments on the first step
      const before = tf.memory().numTensors;
      learner.trainStep(images, tokens);
      learner.lowerBound(images, tokens, { seed: 1, batchSize: 3 });
      await learner.generate({ tokens: [1, 3], samples: 2, seed: 1 });
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      learner.dispose();
    }
  });

  it('saves and loads a checkpoint: the same bound, and Adam resumes where it stopped', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'align-draw-'));
    const trained = new AlignDraw(TINY, 4);
    try {
      const { images, tokens } = toyBatch();
      for (let i = 0; i < 3; i++) trained.trainStep(images, tokens);
      await trained.save(dir, { dtype: 'float32', optimizer: true, meta: { data: 'toy bars' } });
      const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8'));
      expect(meta.config).toEqual(trained.config);
      expect(meta.iterations).toBe(3);
      expect(meta.data).toBe('toy bars');

      const loaded = await AlignDraw.load(dir, { optimizer: true, seed: 4 });
      try {
        expect(loaded.iterations).toBe(3);
        const a = trained.lowerBound(images, tokens, { seed: 2 });
        const b = loaded.lowerBound(images, tokens, { seed: 2 });
        for (const [i, v] of b.entries()) expect(v).toBeCloseTo(a[i], 3);
        // The same step from the saved model and from the loaded one (same noise) lands on the same
        // weights only if Adam's moments came back too; a model loaded without them steps elsewhere.
        const withoutAdam = await AlignDraw.load(dir);
        try {
          trained.trainStep(images, tokens, { seed: 77 });
          loaded.trainStep(images, tokens, { seed: 77 });
          withoutAdam.trainStep(images, tokens, { seed: 77 });
          expect(loaded.iterations).toBe(4);
          const after = trained.lowerBound(images, tokens, { seed: 2 });
          const resumed = loaded.lowerBound(images, tokens, { seed: 2 });
          const restarted = withoutAdam.lowerBound(images, tokens, { seed: 2 });
          for (const [i, v] of resumed.entries()) expect(v).toBeCloseTo(after[i], 2);
          expect(Math.max(...restarted.map((v, i) => Math.abs(v - after[i])))).toBeGreaterThan(0.01);
        } finally {
          withoutAdam.dispose();
        }
      } finally {
        loaded.dispose();
      }

      await trained.save(dir, { dtype: 'float16' });
      // Adam's moments of the earlier save are gone with it: they belonged to other weights.
      await expect(fs.access(path.join(dir, 'optimizer'))).rejects.toThrow();
      const half = await AlignDraw.load(dir);
      try {
        const a = trained.lowerBound(images, tokens, { seed: 2 });
        const b = half.lowerBound(images, tokens, { seed: 2 });
        for (const [i, v] of b.entries()) expect(Math.abs(v - a[i])).toBeLessThan(0.05 * Math.abs(a[i]) + 0.5);
      } finally {
        half.dispose();
      }
    } finally {
      trained.dispose();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('data-parallel training', () => {
  it('a step on two cores (this thread and a worker, half the batch each) is the step of the averaged half-batch gradients', async () => {
    const { images, tokens } = toyBatch();
    const parallel = new AlignDraw(TINY, 4);
    const serial = new AlignDraw(TINY, 4);
    const trainer = await DataParallelTrainer.start(parallel, 2);
    try {
      expect(trainer.copies).toBe(2);
      for (let step = 0; step < 2; step++) {
        const seed = 100 + step;
        const result = await trainer.step(images, tokens, seed);
        // The same by hand: each half with its own seed, gradients averaged, one Adam step.
        const a = serial.gradients(images.slice(0, 4 * 144), tokens.slice(0, 4), { seed });
        const b = serial.gradients(images.slice(4 * 144), tokens.slice(4), { seed: shareSeed(seed, 1) });
        const norm = serial.applyGradients(a.gradients.map((g, i) => g.map((v, j) => (v + b.gradients[i][j]) / 2)));
        expect(result.bound).toBeCloseTo((a.bound + b.bound) / 2, 3);
        expect(result.gradientNorm).toBeCloseTo(norm, 3);
      }
      const after = parallel.weightValues();
      serial.weightValues().forEach((w, i) => {
        for (let j = 0; j < w.length; j += 7) expect(after[i][j]).toBeCloseTo(w[j], 4);
      });
    } finally {
      await trainer.close();
      parallel.dispose();
      serial.dispose();
    }
  });

  it('copying weights in, and gradients out and back, leaves no tensors behind (a worker does it every step)', () => {
    const { images, tokens } = toyBatch();
    const model = new AlignDraw(TINY, 5);
    try {
      model.trainStep(images, tokens); // Adam makes its moments on the first step
      const tensors = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        model.setWeightValues(model.weightValues());
        model.applyGradients(model.gradients(images, tokens, { seed: i }).gradients);
      }
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      model.dispose();
    }
  });
});

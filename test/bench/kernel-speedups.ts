/**
 * The stock WASM kernels that lib/tfjs/wasm-kernels wraps for speed, against the wrappers:
 * - BatchMatMul with transposed operands (batch-mat-mul.ts: transpose first, then the stock
 *   kernel), on the products an RBM update is made of (100 photos, 620 → 512 units);
 * - Conv2DBackpropInput (conv2d-backprop-input.ts: the XNNPACK convolution on the stride-dilated
 *   gradient), on the transposed convolutions of the GAN's generator for 64 samples and on the
 *   input gradient of its discriminator's second convolution.
 *
 *   npx tsx test/bench/kernel-speedups.ts [--json] [--repeats 20]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@/lib/tfjs/backend';
import { STOCK_KERNELS } from '@/lib/tfjs/wasm-kernels';
import { intArg, report, round, summarise, table } from './common';

const repeats = intArg('repeats', 20);
await initBackend('wasm');

const v = tf.randomNormal([100, 620], 0, 1, 'float32', 1);
const h = tf.randomNormal([100, 512], 0, 1, 'float32', 2);
const W = tf.randomNormal([620, 512], 0, 1, 'float32', 3);
const h7 = tf.randomNormal([64, 7, 7, 64], 0, 1, 'float32', 4) as tf.Tensor4D;
const up1 = tf.randomNormal([5, 5, 32, 64], 0, 1, 'float32', 5) as tf.Tensor4D;
const h14 = tf.randomNormal([64, 14, 14, 32], 0, 1, 'float32', 6) as tf.Tensor4D;
const up2 = tf.randomNormal([5, 5, 1, 32], 0, 1, 'float32', 7) as tf.Tensor4D;
const dy7 = tf.randomNormal([64, 7, 7, 64], 0, 1, 'float32', 8) as tf.Tensor4D;
const conv2 = tf.randomNormal([5, 5, 32, 64], 0, 1, 'float32', 9) as tf.Tensor4D;

const cases: [string, string, () => tf.Tensor][] = [
  [tf.BatchMatMul, 'v·W (no transpose)', () => tf.matMul(v, W)],
  [tf.BatchMatMul, 'h·Wᵀ (downward pass)', () => tf.matMul(h, W, false, true)],
  [tf.BatchMatMul, 'vᵀ·h (weight gradient)', () => tf.matMul(v, h, true, false)],
  [tf.Conv2DBackpropInput, 'G: 7×7×64 → 14×14×32, 5×5, stride 2', () => tf.conv2dTranspose(h7, up1, [64, 14, 14, 32], 2, 'same')],
  [tf.Conv2DBackpropInput, 'G: 14×14×32 → 28×28×1 (left to stock)', () => tf.conv2dTranspose(h14, up2, [64, 28, 28, 1], 2, 'same')],
  [tf.Conv2DBackpropInput, 'D: input gradient of 14×14×32 → 7×7×64', () => tf.conv2dTranspose(dy7, conv2, [64, 14, 14, 32], 2, 'same')],
];

function time(run: () => tf.Tensor): number[] {
  run().dispose(); // warm-up
  return Array.from({ length: repeats }, () => {
    const start = performance.now();
    const out = run();
    out.dataSync();
    out.dispose();
    return performance.now() - start;
  });
}

function using(kernelName: string, config: tf.KernelConfig, run: () => tf.Tensor): number[] {
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel(config);
  return time(run);
}

const rows = cases.map(([kernelName, label, run]) => {
  const wrapped = tf.getKernel(kernelName, 'wasm')!;
  const stock = STOCK_KERNELS.get(kernelName);
  if (!stock) throw new Error(`the ${kernelName} wrapper is not registered`);
  const before = summarise(using(kernelName, stock, run)).p50Ms;
  const after = summarise(using(kernelName, wrapped, run)).p50Ms;
  return { kernel: kernelName, label, stockMs: round(before), wrappedMs: round(after), speedup: round(before / after, 1) };
});
report(
  `Stock WASM kernels against the wrappers, median of ${repeats}`,
  table([['kernel', 'case', 'stock ms', 'wrapped ms', 'stock / wrapped'], ...rows.map((r) => [r.kernel, r.label, r.stockMs, r.wrappedMs, `${r.speedup}×`])]),
  rows,
);

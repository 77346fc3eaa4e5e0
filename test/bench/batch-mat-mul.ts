/**
 * BatchMatMul on WASM with transposed operands: the stock kernel's transpose flags against the
 * wrapper in lib/tfjs/wasm-kernels/batch-mat-mul.ts (transpose first, then the stock kernel), on
 * the products an RBM update is made of (100 photos, 620 → 512 units).
 *
 *   npx tsx test/bench/batch-mat-mul.ts [--json]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@/lib/tfjs/backend';
import { STOCK_KERNELS } from '@/lib/tfjs/wasm-kernels';
import { intArg, report, round, summarise, table } from './common';

const repeats = intArg('repeats', 20);
await initBackend('wasm');
const wrapped = tf.getKernel(tf.BatchMatMul, 'wasm')!;
const stock = STOCK_KERNELS.get(tf.BatchMatMul);
if (!stock) throw new Error('the BatchMatMul wrapper is not registered');

const v = tf.randomNormal([100, 620], 0, 1, 'float32', 1);
const h = tf.randomNormal([100, 512], 0, 1, 'float32', 2);
const W = tf.randomNormal([620, 512], 0, 1, 'float32', 3);
const cases: [string, () => tf.Tensor][] = [
  ['v·W (no transpose)', () => tf.matMul(v, W)],
  ['h·Wᵀ (downward pass)', () => tf.matMul(h, W, false, true)],
  ['vᵀ·h (weight gradient)', () => tf.matMul(v, h, true, false)],
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

function using(config: tf.KernelConfig, run: () => tf.Tensor): number[] {
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel(config);
  return time(run);
}

const rows = cases.map(([label, run]) => {
  const before = summarise(using(stock, run)).p50Ms;
  const after = summarise(using(wrapped, run)).p50Ms;
  return { label, stockMs: round(before), wrappedMs: round(after), speedup: round(before / after, 1) };
});
report(
  `BatchMatMul on WASM, median of ${repeats}`,
  table([['product', 'stock ms', 'transpose first ms', 'stock / wrapped'], ...rows.map((r) => [r.label, r.stockMs, r.wrappedMs, `${r.speedup}×`])]),
  rows,
);

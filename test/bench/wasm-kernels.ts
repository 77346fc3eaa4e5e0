/**
 * Benchmark: the training kernels added to the WASM backend (lib/tfjs/wasm-kernels) against the
 * pure-JS CPU backend's kernels, one realistic shape each, in one process. The headline is
 * Conv2DBackpropFilter for a 3×3 conv layer, 32 → 64 channels on 28×28 maps, batch 32 (the CPU
 * kernel takes minutes on it: it is timed once). Each row also checks that the two backends agree.
 * MaxPoolGrad, which replaces WASM's own (wrong) kernel, is also timed with the stock one.
 *
 *   npx tsx test/bench/wasm-kernels.ts [--json] [--batch 32] [--min-ms 2000] [--only Conv2DBackpropFilter,MaxPoolGrad]
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@/lib/tfjs/wasm-kernels';
import { argValue, intArg, machine, note, report, rng, round, summarise, table, type Summary } from './common';

const BATCH = intArg('batch', 32);
/** WASM runs each kernel until at least this long has passed (and at least MIN_ITERS times). */
const MIN_MS = intArg('min-ms', 2000);
const MIN_ITERS = 3;
const MAX_ITERS = 200;
/** A CPU kernel whose first call takes longer than this is not run again. */
const SLOW_MS = 5000;
const ONLY = argValue('only')?.split(',').map((s) => s.trim());

interface Input {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

interface Case {
  kernel: string;
  shape: string;
  inputs: Record<string, Input>;
  attrs: tf.NamedAttrMap;
}

const next = rng(42);

function uniform(shape: number[]): Input {
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  for (let i = 0; i < values.length; i++) values[i] = 2 * next() - 1;
  return { values, shape, dtype: 'float32' };
}

function cases(): Case[] {
  const image = [BATCH, 28, 28, 32];
  const conv = { strides: 1, pad: 'same' } as const;
  const pooled = [BATCH, 14, 14, 32];
  const ids = new Int32Array(BATCH * 20);
  for (let i = 0; i < ids.length; i++) ids[i] = Math.floor(next() * 1000);
  const x = uniform(image);
  const all: Case[] = [
    {
      kernel: 'Conv2DBackpropFilter',
      shape: `x ${image.join('×')}, 3×3 → 64, stride 1, same`,
      inputs: { x, dy: uniform([BATCH, 28, 28, 64]) },
      attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 32, 64] },
    },
    {
      kernel: 'DepthwiseConv2dNativeBackpropFilter',
      shape: `x ${image.join('×')}, 3×3 ×1, stride 1, same`,
      inputs: { x, dy: uniform(image) },
      attrs: { ...conv, dilations: 1, filterShape: [3, 3, 32, 1] },
    },
    {
      kernel: 'DepthwiseConv2dNativeBackpropInput',
      shape: `dx ${image.join('×')}, 3×3 ×1, stride 1, same`,
      inputs: { dy: uniform(image), filter: uniform([3, 3, 32, 1]) },
      attrs: { ...conv, dilations: 1, inputShape: image },
    },
    {
      kernel: 'MaxPoolGrad',
      shape: `x ${image.join('×')}, 2×2, stride 2`,
      inputs: { dy: uniform(pooled), input: x, output: uniform(pooled) },
      attrs: { filterSize: 2, strides: 2, pad: 'valid' },
    },
    {
      kernel: 'UnsortedSegmentSum',
      shape: `${ids.length} rows × 64 into 1000 segments (embedding gradient)`,
      inputs: { x: uniform([ids.length, 64]), segmentIds: { values: ids, shape: [ids.length], dtype: 'int32' } },
      attrs: { numSegments: 1000 },
    },
  ];
  return all.filter((c) => !ONLY || ONLY.includes(c.kernel));
}

interface Timing {
  summary: Summary;
  values: Float32Array | Int32Array;
}

/** Times `kernel` on the active backend; `run` may be given to call a kernel function directly. */
function time(c: Case, minMs: number, run?: (inputs: Record<string, tf.Tensor>) => tf.TensorInfo): Timing {
  const inputs = Object.fromEntries(Object.entries(c.inputs).map(([name, t]) => [name, tf.tensor(t.values, t.shape, t.dtype)]));
  const once = (): { ms: number; values: Float32Array | Int32Array } => {
    const started = performance.now();
    let values: Float32Array | Int32Array;
    if (run) {
      const info = run(inputs);
      values = tf.backend().readSync(info.dataId) as Float32Array; // WASM computes synchronously
      tf.backend().disposeData(info.dataId);
    } else {
      const out = tf.engine().runKernel(c.kernel, inputs, c.attrs) as tf.Tensor;
      values = out.dataSync() as Float32Array;
      out.dispose();
    }
    return { ms: performance.now() - started, values };
  };
  const first = once();
  const samples: number[] = [];
  if (first.ms > SLOW_MS) {
    samples.push(first.ms);
  } else {
    once(); // warm-up
    const begin = performance.now();
    while (samples.length < MAX_ITERS && (samples.length < MIN_ITERS || performance.now() - begin < minMs)) samples.push(once().ms);
  }
  tf.dispose(Object.values(inputs));
  return { summary: summarise(samples), values: first.values };
}

/** max |a − b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? worst : worst / scale;
}

async function main(): Promise<void> {
  setWasmPaths(path.join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  if (!(await tf.setBackend('wasm'))) throw new Error('the WASM backend did not start');
  const stockMaxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
  const registered = registerWasmTrainingKernels();
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');

  const results = [];
  for (const c of cases()) {
    await tf.setBackend('wasm');
    note(`${c.kernel}: wasm …`);
    const wasm = time(c, MIN_MS);
    let stock: Timing | undefined;
    if (c.kernel === 'MaxPoolGrad' && stockMaxPoolGrad && registered.includes('MaxPoolGrad')) {
      const backend = tf.backend();
      stock = time(c, MIN_MS, (inputs) => stockMaxPoolGrad.kernelFunc({ inputs, backend, attrs: c.attrs }) as tf.TensorInfo);
    }
    await tf.setBackend('cpu');
    note(`${c.kernel}: cpu …`);
    const cpu = time(c, MIN_MS);
    results.push({
      kernel: c.kernel,
      shape: c.shape,
      wasm: wasm.summary,
      cpu: cpu.summary,
      speedup: round(cpu.summary.p50Ms / wasm.summary.p50Ms, 1),
      maxRelativeError: Number(relativeError(wasm.values, cpu.values).toExponential(2)),
      ...(stock ? { stockWasm: stock.summary, stockWasmMaxRelativeError: Number(relativeError(stock.values, cpu.values).toExponential(2)) } : {}),
    });
  }

  const rows: (string | number)[][] = [
    ['kernel', 'shape', 'wasm ms p50', 'wasm runs', 'cpu ms p50', 'cpu runs', 'cpu / wasm', 'max rel. error'],
    ...results.map((r) => [r.kernel, r.shape, r.wasm.p50Ms, r.wasm.n, r.cpu.p50Ms, r.cpu.n, r.speedup, r.maxRelativeError.toExponential(1)]),
  ];
  const notes = results
    .filter((r) => r.stockWasm)
    .map((r) => `${r.kernel}: WASM's own (replaced) kernel ${r.stockWasm?.p50Ms} ms p50, max rel. error ${r.stockWasmMaxRelativeError} against cpu`);
  const text = [
    `WASM (SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'}) training kernels vs the CPU backend, batch ${BATCH}`,
    table(rows),
    ...notes,
  ].join('\n');
  report('wasm-kernels', text, { benchmark: 'wasm-kernels', machine: machine(), batch: BATCH, minMs: MIN_MS, simd, threads, registered, kernels: results });
}

await main();

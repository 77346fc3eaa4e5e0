/**
 * The training kernels added to the WASM backend (lib/tfjs/wasm-kernels): each against the CPU
 * backend's kernel on random inputs, gradients of small networks against CPU, a tf.layers training
 * step, and tensor bookkeeping.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, WASM_KERNEL_CORRECTIONS, WASM_TRAINING_KERNELS } from '@/lib/tfjs/wasm-kernels';
import { mulberry32 } from '@/lib/random';

type Backend = 'cpu' | 'wasm';
type Dtype = 'float32' | 'int32';

/** A tensor's data on the host, so that it can be re-created on either backend. */
interface Host {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: Dtype;
}

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

const rng = mulberry32;

const next = rng(20240601);

/** Uniform in [-1, 1). */
function random(shape: number[]): Host {
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  for (let i = 0; i < values.length; i++) values[i] = 2 * next() - 1;
  return { values, shape, dtype: 'float32' };
}

function ints(values: number[], shape = [values.length]): Host {
  return { values: Int32Array.from(values), shape, dtype: 'int32' };
}

function toTensor(h: Host): tf.Tensor {
  return tf.tensor(h.values, h.shape, h.dtype);
}

function toHost(t: tf.Tensor): Host {
  return { values: t.dataSync() as Float32Array | Int32Array, shape: t.shape, dtype: t.dtype as Dtype };
}

/** Runs one kernel by name on `backend` and brings the result back to the host. */
async function runKernel(backend: Backend, kernelName: string, inputs: Record<string, Host>, attrs: object): Promise<Host> {
  expect(await tf.setBackend(backend)).toBe(true);
  const tensors = Object.fromEntries(Object.entries(inputs).map(([name, h]) => [name, toTensor(h)]));
  try {
    const out = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
    const host = toHost(out);
    out.dispose();
    return host;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** max |actual − expected| ≤ rtol · max |expected| (the scale of a sum of products), shapes equal. */
function expectClose(actual: Host, expected: Host, rtol = 1e-4, what = ''): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++) {
    scale = Math.max(scale, Math.abs(expected.values[i]));
    worst = Math.max(worst, Math.abs(actual.values[i] - expected.values[i]));
  }
  expect(Number.isFinite(worst), `${what} finite`).toBe(true);
  expect(worst, `${what} max error ${worst} against scale ${scale}`).toBeLessThanOrEqual(rtol * Math.max(scale, 1e-6));
}

function convOutShape(xShape: number[], filterShape: number[], strides: number | [number, number], pad: Pad, dilations: number | [number, number], depthwise: boolean, dimRoundingMode?: 'floor' | 'round' | 'ceil', dataFormat: 'channelsFirst' | 'channelsLast' = 'channelsLast'): number[] {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
    dataFormat,
  ).outShape;
}

/** The filter [fH, fW, C, M] with dilation `d` written out as zeros: [(fH−1)d+1, (fW−1)d+1, C, M]. */
function dilateFilter(filter: Host, [dh, dw]: [number, number]): Host {
  const [fh, fw, c, m] = filter.shape;
  const eh = (fh - 1) * dh + 1;
  const ew = (fw - 1) * dw + 1;
  const values = new Float32Array(eh * ew * c * m);
  for (let r = 0; r < fh; r++)
    for (let s = 0; s < fw; s++)
      for (let k = 0; k < c * m; k++) values[((r * dh) * ew + s * dw) * c * m + k] = filter.values[(r * fw + s) * c * m + k];
  return { values, shape: [eh, ew, c, m], dtype: 'float32' };
}

/** The taps of a dilated filter gradient [(fH−1)d+1, …] that belong to the real filter [fH, fW, C, M]. */
function undilateFilter(dilated: Host, [fh, fw]: [number, number], [dh, dw]: [number, number]): Host {
  const [, ew, c, m] = dilated.shape;
  const values = new Float32Array(fh * fw * c * m);
  for (let r = 0; r < fh; r++)
    for (let s = 0; s < fw; s++)
      for (let k = 0; k < c * m; k++) values[(r * fw + s) * c * m + k] = dilated.values[((r * dh) * ew + s * dw) * c * m + k];
  return { values, shape: [fh, fw, c, m], dtype: 'float32' };
}

/** d f / d x on WASM, as an array; `x` is disposed. */
async function gradientOnWasm(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor): Promise<number[]> {
  expect(await tf.setBackend('wasm')).toBe(true);
  const dx = tf.grad(f)(x);
  const values = Array.from(dx.dataSync());
  tf.dispose([x, dx]);
  return values;
}

/** Backend-level buffers (intermediates of the WASM kernels never reach the engine's counts). */
function wasmDataIds(): number {
  return (tf.findBackend('wasm') as unknown as { numDataIds(): number }).numDataIds();
}

let registered: string[] = [];
let stockWasmKernels: Set<string>;
let errorBeforeRegistering = '';
let stockMaxPoolGradient: number[] = [];

beforeAll(async () => {
  setWasmPaths(path.join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  expect(await tf.setBackend('wasm')).toBe(true);
  stockWasmKernels = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  // What training a conv net on stock WASM does.
  try {
    const x = tf.ones([1, 4, 4, 1]);
    const w = tf.ones([3, 3, 1, 1]);
    tf.dispose(tf.grads((f: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same').sum())([w]));
    tf.dispose([x, w]);
  } catch (error) {
    errorBeforeRegistering = (error as Error).message;
  }
  // What stock WASM's MaxPoolGrad makes of a window whose maximum is negative.
  const x = tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1]);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(x);
  stockMaxPoolGradient = Array.from(dx.dataSync());
  tf.dispose([x, dx]);
  registered = registerWasmTrainingKernels();
});

describe('registerWasmTrainingKernels', () => {
  it('fills a real gap: stock WASM cannot compute a conv filter gradient', () => {
    expect(errorBeforeRegistering).toMatch(/Conv2DBackpropFilter/);
  });

  it("replaces stock WASM's MaxPoolGrad, which loses the gradient of an all-negative window", async () => {
    expect(stockMaxPoolGradient).not.toEqual([0, 1, 0, 0]);
    const dx = await gradientOnWasm((t) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')), tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1]));
    expect(dx).toEqual([0, 1, 0, 0]);
  });

  it('registers the missing training kernels and the MaxPoolGrad correction, idempotently', () => {
    expect(registered.sort()).toEqual(
      ['BatchMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad', 'UnsortedSegmentSum'].sort(),
    );
    expect(registered.filter((name) => stockWasmKernels.has(name)).sort()).toEqual(['BatchMatMul', 'Conv2DBackpropInput', 'MaxPoolGrad']);
    expect(registerWasmTrainingKernels().sort()).toEqual(registered);
    expect(WASM_TRAINING_KERNELS.every((k) => tf.getKernel(k.kernelName, 'wasm') === k)).toBe(true);
    expect(WASM_KERNEL_CORRECTIONS.every(({ config }) => tf.getKernel(config.kernelName, 'wasm') === config)).toBe(true);
  });

  it('leaves only kernels no training gradient uses missing on WASM (relative to CPU)', () => {
    const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    const missing = tf.getKernelsForBackend('cpu').map((k) => k.kernelName).filter((name) => !wasm.has(name)).sort();
    // Complex numbers / FFT, Einsum (no gradient in tfjs), ragged and string ops, browser drawing.
    expect(missing).toEqual(
      ['Complex', 'ComplexAbs', 'Draw', 'Einsum', 'FFT', 'IFFT', 'Imag', 'RaggedGather', 'RaggedRange', 'RaggedTensorToTensor', 'Real', 'StaticRegexReplace'].sort(),
    );
  });
});

interface Conv2DCase {
  x: number[];
  filter: number[];
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const CONV2D_CASES: Conv2DCase[] = [
  { x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [3, 2, 3, 5], strides: 2, pad: 'same' },
  { x: [1, 9, 11, 2], filter: [3, 3, 2, 4], strides: [2, 3], pad: 'valid' }, // last columns unused: crop path
  { x: [3, 6, 6, 4], filter: [1, 1, 4, 6], strides: 1, pad: 'valid' },
  { x: [2, 10, 10, 3], filter: [5, 5, 3, 2], strides: 3, pad: 'same' },
  { x: [4, 5, 5, 8], filter: [5, 5, 8, 3], strides: 1, pad: 'valid' }, // filter as large as the image
  {
    x: [2, 7, 7, 2],
    filter: [3, 3, 2, 3],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { x: [2, 9, 9, 2], filter: [4, 4, 2, 3], strides: 2, pad: 1, dimRoundingMode: 'floor' },
  { x: [2, 3, 7, 7], filter: [3, 3, 3, 4], strides: 2, pad: 'same', dataFormat: 'NCHW' },
  { x: [16, 14, 14, 16], filter: [3, 3, 16, 8], strides: 1, pad: 'same' }, // long reduction (3136 terms)
];

describe('Conv2DBackpropFilter on WASM matches CPU', () => {
  it.each(CONV2D_CASES.map((c) => ({ dataFormat: 'NHWC' as const, ...c })))('$dataFormat x $x, filter $filter, strides $strides, pad $pad', async (c) => {
    const dataFormat = c.dataFormat;
    const dyShape = convOutShape(c.x, c.filter, c.strides, c.pad, 1, false, c.dimRoundingMode, dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast');
    const inputs = { x: random(c.x), dy: random(dyShape) };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat, dimRoundingMode: c.dimRoundingMode, filterShape: c.filter };
    const expected = await runKernel('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    const actual = await runKernel('wasm', 'Conv2DBackpropFilter', inputs, attrs);
    expectClose(actual, expected);
  });
});

interface DepthwiseCase {
  x: number[];
  filter: number[];
  strides: number | [number, number];
  pad: Pad;
  dilations: [number, number];
}

const DEPTHWISE_CASES: DepthwiseCase[] = [
  { x: [2, 7, 9, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same', dilations: [1, 1] },
  { x: [2, 7, 9, 3], filter: [3, 3, 3, 2], strides: 1, pad: 'valid', dilations: [1, 1] },
  { x: [2, 8, 8, 4], filter: [3, 2, 4, 2], strides: 2, pad: 'same', dilations: [1, 1] },
  { x: [1, 9, 11, 2], filter: [3, 3, 2, 3], strides: [2, 3], pad: 'valid', dilations: [1, 1] },
  { x: [3, 10, 10, 2], filter: [5, 5, 2, 1], strides: 3, pad: 'same', dilations: [1, 1] },
  {
    x: [2, 7, 7, 2],
    filter: [3, 3, 2, 2],
    strides: 2,
    pad: [
      [0, 0],
      [2, 1],
      [1, 0],
      [0, 0],
    ],
    dilations: [1, 1],
  },
  // Dilations (the CPU kernels ignore them, so the reference runs the dilated filter written out).
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same', dilations: [2, 2] },
  { x: [2, 11, 10, 2], filter: [3, 2, 2, 2], strides: 1, pad: 'valid', dilations: [2, 3] },
];

describe('DepthwiseConv2dNative gradients on WASM match CPU', () => {
  it.each(DEPTHWISE_CASES)('BackpropFilter: x $x, filter $filter, strides $strides, pad $pad, dilations $dilations', async (c) => {
    const dilated = c.dilations[0] > 1 || c.dilations[1] > 1;
    const dyShape = convOutShape(c.x, c.filter, c.strides, c.pad, c.dilations, true);
    const inputs = { x: random(c.x), dy: random(dyShape) };
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations, filterShape: c.filter };
    const actual = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs);
    let expected: Host;
    if (dilated) {
      const wide = dilateFilter(random(c.filter), c.dilations).shape;
      const full = await runKernel('cpu', 'DepthwiseConv2dNativeBackpropFilter', inputs, { ...attrs, dilations: [1, 1], filterShape: wide });
      expected = undilateFilter(full, [c.filter[0], c.filter[1]], c.dilations);
    } else {
      expected = await runKernel('cpu', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs);
    }
    expectClose(actual, expected);
  });

  it.each(DEPTHWISE_CASES)('BackpropInput: x $x, filter $filter, strides $strides, pad $pad, dilations $dilations', async (c) => {
    const dyShape = convOutShape(c.x, c.filter, c.strides, c.pad, c.dilations, true);
    const filter = random(c.filter);
    const dy = random(dyShape);
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations, inputShape: c.x };
    const actual = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, attrs);
    const expected = await runKernel('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: dilateFilter(filter, c.dilations) }, { ...attrs, dilations: [1, 1] });
    expectClose(actual, expected);
  });

  it('BackpropInput and BackpropFilter are the adjoints of the forward depthwise convolution (dilated)', async () => {
    // <conv(x, W), dy> = <x, dx(dy, W)> = <W, dW(x, dy)>, all on WASM.
    const c = { x: [2, 9, 8, 3], filter: [3, 3, 3, 2], strides: 1, pad: 'same' as const, dilations: [2, 2] as [number, number] };
    const x = random(c.x);
    const w = random(c.filter);
    const dy = random(convOutShape(c.x, c.filter, c.strides, c.pad, c.dilations, true));
    const y = await runKernel('wasm', 'DepthwiseConv2dNative', { x, filter: w }, { strides: c.strides, pad: c.pad, dilations: c.dilations });
    const dx = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { strides: c.strides, pad: c.pad, dilations: c.dilations, inputShape: c.x });
    const dW = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dilations: c.dilations, filterShape: c.filter });
    const dot = (a: Host, b: Host) => {
      let sum = 0;
      for (let i = 0; i < a.values.length; i++) sum += a.values[i] * b.values[i];
      return sum;
    };
    const reference = dot(y, dy);
    expect(Math.abs(dot(x, dx) - reference)).toBeLessThan(1e-4 * Math.abs(reference) + 1e-4);
    expect(Math.abs(dot(w, dW) - reference)).toBeLessThan(1e-4 * Math.abs(reference) + 1e-4);
  });
});

describe('MaxPoolGrad on WASM matches CPU', () => {
  const cases: { x: number[]; filterSize: number | [number, number]; strides: number | [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil' }[] = [
    { x: [2, 6, 6, 3], filterSize: 2, strides: 2, pad: 'valid' },
    { x: [2, 5, 5, 3], filterSize: 2, strides: 1, pad: 'same' },
    { x: [2, 7, 6, 4], filterSize: 3, strides: 2, pad: 'same' },
    { x: [1, 7, 9, 2], filterSize: [3, 2], strides: [2, 3], pad: 'valid' },
    { x: [2, 6, 6, 3], filterSize: 3, strides: 2, pad: 1, dimRoundingMode: 'ceil' },
    {
      x: [1, 6, 5, 2],
      filterSize: 3,
      strides: 1,
      pad: [
        [0, 0],
        [1, 2],
        [0, 1],
        [0, 0],
      ],
    },
  ];
  it.each(cases)('x $x, filter $filterSize, strides $strides, pad $pad', async (c) => {
    const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad, dimRoundingMode: c.dimRoundingMode };
    const input = random(c.x);
    const output = await runKernel('cpu', 'MaxPool', { x: input }, attrs);
    const dy = random(output.shape);
    const expected = await runKernel('cpu', 'MaxPoolGrad', { dy, input, output }, attrs);
    const actual = await runKernel('wasm', 'MaxPoolGrad', { dy, input, output }, attrs);
    expectClose(actual, expected, 1e-6);
  });

  it('sends a tie to the first maximum, as CPU and TensorFlow do', async () => {
    const input: Host = { values: Float32Array.from([-1, 2, 2, -1, 5, 5, 5, 5, 0]), shape: [1, 3, 3, 1], dtype: 'float32' };
    const dy: Host = { values: Float32Array.from([1, 10, 100, 1000]), shape: [1, 2, 2, 1], dtype: 'float32' };
    const attrs = { filterSize: 2, strides: 1, pad: 'valid' };
    const output = await runKernel('cpu', 'MaxPool', { x: input }, attrs);
    const expected = await runKernel('cpu', 'MaxPoolGrad', { dy, input, output }, attrs);
    const actual = await runKernel('wasm', 'MaxPoolGrad', { dy, input, output }, attrs);
    expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
  });
});

describe('BatchMatMul with transposed operands on WASM matches CPU', () => {
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('transposeA %s, transposeB %s (batched, rank 3)', async (transposeA, transposeB) => {
    const a = random(transposeA ? [3, 7, 5] : [3, 5, 7]);
    const b = random(transposeB ? [3, 4, 7] : [3, 7, 4]);
    const attrs = { transposeA, transposeB };
    const expected = await runKernel('cpu', 'BatchMatMul', { a, b }, attrs);
    expect(expected.shape).toEqual([3, 5, 4]);
    expectClose(await runKernel('wasm', 'BatchMatMul', { a, b }, attrs), expected);
  });
});

describe('Conv2DBackpropInput (a transposed convolution) on the XNNPACK convolution, by phases or dilated, matches CPU', () => {
  const cases: { name: string; inputShape: [number, number, number, number]; filter: number[]; strides: number | [number, number]; pad: Pad }[] = [
    { name: "a GAN generator's upsampling: 7×7 → 14×14, 5×5 filter, stride 2, same", inputShape: [3, 14, 14, 8], filter: [5, 5, 8, 6], strides: 2, pad: 'same' },
    { name: 'odd input, stride 2, same (the last row is not reached evenly)', inputShape: [2, 9, 11, 8], filter: [3, 3, 8, 5], strides: 2, pad: 'same' },
    { name: 'stride 1, same', inputShape: [2, 6, 5, 9], filter: [3, 3, 9, 4], strides: 1, pad: 'same' },
    { name: 'stride 2, valid, rows the filter never reaches', inputShape: [2, 10, 10, 8], filter: [3, 3, 8, 5], strides: 2, pad: 'valid' },
    { name: 'unequal strides and filter sides, explicit padding', inputShape: [1, 8, 9, 8], filter: [2, 4, 8, 3], strides: [2, 3], pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
    { name: 'stride 3, same, a filter smaller than the stride', inputShape: [2, 10, 8, 8], filter: [2, 2, 8, 3], strides: 3, pad: 'same' },
    { name: 'stride 2, explicit padding larger than the filter reaches', inputShape: [1, 7, 7, 8], filter: [3, 3, 8, 4], strides: 2, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
    { name: 'one channel (left to the stock kernel)', inputShape: [2, 12, 12, 1], filter: [5, 5, 1, 6], strides: 2, pad: 'same' },
  ];
  it.each(cases)('$name', async ({ inputShape, filter, strides, pad }) => {
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter as [number, number, number, number], strides, 1, pad as 'same');
    const dy = random(info.outShape);
    const w = random(filter);
    const attrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape };
    const expected = await runKernel('cpu', 'Conv2DBackpropInput', { dy, filter: w }, attrs);
    expect(expected.shape).toEqual(inputShape);
    expectClose(await runKernel('wasm', 'Conv2DBackpropInput', { dy, filter: w }, attrs), expected);
  });
});

describe('UnsortedSegmentSum on WASM matches CPU', () => {
  const cases: { name: string; x: Host; ids: Host; numSegments: number }[] = [
    { name: 'rows of a matrix, repeated ids, an empty segment', x: random([10, 3]), ids: ints([0, 2, 2, 1, 0, 2, 4, 1, 0, 2]), numSegments: 6 },
    { name: 'a vector', x: random([7]), ids: ints([3, 0, 3, 3, 1, 0, 2]), numSegments: 4 },
    { name: 'rank-3 data', x: random([5, 2, 3]), ids: ints([1, 1, 0, 2, 1]), numSegments: 3 },
    { name: 'ids out of range are dropped', x: random([6, 4]), ids: ints([0, -1, 2, 5, 1, 2]), numSegments: 3 },
    { name: 'no id in range', x: random([3, 2]), ids: ints([-1, 3, 4]), numSegments: 2 },
  ];
  it.each(cases)('$name', async ({ x, ids, numSegments }) => {
    const expected = await runKernel('cpu', 'UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments });
    const actual = await runKernel('wasm', 'UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments });
    expectClose(actual, expected, 1e-6);
  });

  it('keeps int32 data int32 (as TensorFlow; the CPU kernel returns float32)', async () => {
    const actual = await runKernel('wasm', 'UnsortedSegmentSum', { x: ints([1, 2, 3, 4, 5], [5]), segmentIds: ints([1, 0, 1, 1, 0]) }, { numSegments: 2 });
    expect(actual.dtype).toBe('int32');
    expect(Array.from(actual.values)).toEqual([7, 8]);
  });
});

describe('gradients of small networks on WASM match CPU', () => {
  /** tf.grads of `loss` w.r.t. every input, on `backend`, brought back to the host. */
  async function gradients(backend: Backend, loss: (...xs: tf.Tensor[]) => tf.Scalar, inputs: Host[], constants: Host[] = []): Promise<{ value: Host; grads: Host[] }> {
    expect(await tf.setBackend(backend)).toBe(true);
    const xs = inputs.map(toTensor);
    const cs = constants.map(toTensor);
    const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => loss(...args, ...cs))(xs);
    const result = { value: toHost(value), grads: grads.map(toHost) };
    tf.dispose([value, ...grads, ...xs, ...cs]);
    return result;
  }

  async function expectSameGradients(loss: (...xs: tf.Tensor[]) => tf.Scalar, inputs: Host[], constants: Host[] = [], rtol = 1e-4) {
    const cpu = await gradients('cpu', loss, inputs, constants);
    const wasm = await gradients('wasm', loss, inputs, constants);
    expectClose(wasm.value, cpu.value, rtol, 'loss');
    cpu.grads.forEach((g, i) => expectClose(wasm.grads[i], g, rtol, `gradient ${i}`));
  }

  it('conv2d → conv2dTranspose → dense', async () => {
    const loss = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor): tf.Scalar => {
      const h1 = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), b1)); // [2, 6, 6, 4]
      const h2 = tf.conv2dTranspose(h1 as tf.Tensor4D, w2 as tf.Tensor4D, [2, 12, 12, 3], 2, 'same'); // [2, 12, 12, 3]
      const out = tf.matMul(tf.reshape(tf.sigmoid(h2), [2, 12 * 12 * 3]), w3 as tf.Tensor2D);
      return tf.sum(tf.square(tf.tanh(out)));
    };
    await expectSameGradients(loss, [random([2, 6, 6, 2]), random([3, 3, 2, 4]), random([4]), random([3, 3, 3, 4]), random([432, 5])]);
  });

  it('strided valid conv2d and conv2dTranspose (output padding rows)', async () => {
    const loss = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor): tf.Scalar => {
      const h = tf.elu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'valid')); // [2, 4, 4, 5]
      const up = tf.conv2dTranspose(h as tf.Tensor4D, w2 as tf.Tensor4D, [2, 10, 10, 2], 2, 'valid'); // [2, 10, 10, 2]
      return tf.mean(tf.square(tf.sub(up, x)));
    };
    await expectSameGradients(loss, [random([2, 10, 10, 2]), random([3, 3, 2, 5]), random([3, 3, 2, 5])]);
  });

  it('depthwiseConv2d, separableConv2d and an embedding lookup (gather)', async () => {
    const loss = (x: tf.Tensor, dw: tf.Tensor, sep: tf.Tensor, pw: tf.Tensor, table: tf.Tensor, ids: tf.Tensor): tf.Scalar => {
      const h = tf.softplus(tf.depthwiseConv2d(x as tf.Tensor4D, dw as tf.Tensor4D, 2, 'same')); // [2, 4, 4, 6]
      const s = tf.separableConv2d(h as tf.Tensor4D, sep as tf.Tensor4D, pw as tf.Tensor4D, 1, 'valid'); // [2, 2, 2, 4]
      const e = tf.gather(table, ids); // [2, 16]
      return tf.add(tf.sum(tf.square(s)), tf.sum(tf.mul(tf.reshape(s, [2, 16]), e)));
    };
    await expectSameGradients(loss, [random([2, 8, 8, 3]), random([3, 3, 3, 2]), random([3, 3, 6, 1]), random([1, 1, 6, 4]), random([5, 16])], [ints([3, 1])]);
  });
});

describe('tf.layers training on WASM', () => {
  /** conv2d, batchNormalization, depthwiseConv2d, conv2dTranspose, lstm, simpleRNN, dense. */
  function imageModel(): tf.LayersModel {
    const input = tf.input({ shape: [8, 8, 2] });
    let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
    h = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }).apply(h) as tf.SymbolicTensor; // 4×4×8
    h = tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }).apply(h) as tf.SymbolicTensor; // 8×8×3
    h = tf.layers.reshape({ targetShape: [8, 24] }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.lstm({ units: 6, returnSequences: true }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.simpleRNN({ units: 5 }).apply(h) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  }

  /** embedding, gru, separableConv1d-free text model: embedding → gru → dense. */
  function sequenceModel(): tf.LayersModel {
    return tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 12, outputDim: 4, inputLength: 5 }),
        tf.layers.gru({ units: 6 }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
  }

  /** One SGD step from `weights` on `backend`; returns the loss and the weights after it. */
  async function trainStep(backend: Backend, build: () => tf.LayersModel, weights: Host[] | null, x: Host, y: Host) {
    expect(await tf.setBackend(backend)).toBe(true);
    const model = build();
    if (weights) {
      const ts = weights.map(toTensor);
      model.setWeights(ts);
      tf.dispose(ts);
    }
    const before = model.getWeights().map(toHost);
    const optimizer = tf.train.sgd(0.5);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const xs = toTensor(x);
    const ys = toTensor(y);
    const loss = (await model.trainOnBatch(xs, ys)) as number;
    const after = model.getWeights().map(toHost);
    tf.dispose([xs, ys]);
    optimizer.dispose();
    model.dispose();
    return { loss, before, after };
  }

  function oneHot(labels: number[], classes: number): Host {
    const values = new Float32Array(labels.length * classes);
    labels.forEach((label, i) => (values[i * classes + label] = 1));
    return { values, shape: [labels.length, classes], dtype: 'float32' };
  }

  it('one step of an image model (conv2d, batchNorm, depthwise, conv2dTranspose, lstm, simpleRNN) matches CPU', async () => {
    const x = random([4, 8, 8, 2]);
    const y = oneHot([0, 2, 1, 2], 3);
    const numTensors = tf.memory().numTensors;
    const wasm = await trainStep('wasm', imageModel, null, x, y);
    expect(Number.isFinite(wasm.loss)).toBe(true);
    // Every trainable weight moved.
    const changed = wasm.after.filter((w, i) => w.values.some((v, j) => v !== wasm.before[i].values[j])).length;
    expect(changed).toBeGreaterThanOrEqual(wasm.after.length - 2); // batchNorm's moving statistics aside
    const cpu = await trainStep('cpu', imageModel, wasm.before, x, y);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4 * Math.abs(cpu.loss));
    cpu.after.forEach((w, i) => expectClose(wasm.after[i], w, 1e-4, `weight ${i}`));
    await tf.setBackend('wasm');
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('one step of a sequence model (embedding, gru) matches CPU', async () => {
    const x: Host = { values: Float32Array.from([1, 4, 4, 0, 11, 3, 3, 7, 2, 9, 5, 5, 5, 1, 0]), shape: [3, 5], dtype: 'float32' };
    const y = oneHot([1, 0, 1], 2);
    const wasm = await trainStep('wasm', sequenceModel, null, x, y);
    const cpu = await trainStep('cpu', sequenceModel, wasm.before, x, y);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4 * Math.abs(cpu.loss));
    cpu.after.forEach((w, i) => expectClose(wasm.after[i], w, 1e-4, `weight ${i}`));
  });

  it('fit() runs a few epochs on WASM and the loss goes down', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const model = imageModel();
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = toTensor(random([8, 8, 8, 2]));
    const y = toTensor(oneHot([0, 1, 2, 0, 1, 2, 0, 1], 3));
    const history = await model.fit(x, y, { epochs: 8, batchSize: 4, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('memory', () => {
  it('repeated kernel calls leave no tensors or WASM buffers behind', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const x = tf.tensor(random([2, 9, 9, 3]).values, [2, 9, 9, 3]);
    const dyConv = tf.tensor(random([2, 5, 5, 4]).values, [2, 5, 5, 4]); // 3×3, stride 2, same
    const filter = tf.tensor(random([3, 3, 3, 4]).values, [3, 3, 3, 4]);
    const dwFilter = tf.tensor(random([3, 3, 3, 2]).values, [3, 3, 3, 2]);
    const dyDw = tf.tensor(random([2, 5, 5, 6]).values, [2, 5, 5, 6]);
    const rows = tf.tensor(random([6, 4]).values, [6, 4]);
    const ids = tf.tensor1d([0, -1, 2, 1, 1, 0], 'int32'); // one out of range: the gather path
    const validIds = tf.tensor1d([0, 1, 2, 1, 1, 0], 'int32');
    const calls: (() => tf.Tensor)[] = [
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dyConv }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] }) as tf.Tensor,
      () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: dyDw }, { strides: 2, pad: 'same', dilations: 1, filterShape: [3, 3, 3, 2] }) as tf.Tensor,
      () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dyDw, filter: dwFilter }, { strides: 2, pad: 'same', dilations: 1, inputShape: [2, 9, 9, 3] }) as tf.Tensor,
      () => tf.engine().runKernel('UnsortedSegmentSum', { x: rows, segmentIds: ids }, { numSegments: 3 }) as tf.Tensor,
      () => tf.unsortedSegmentSum(rows, validIds, 3),
      () => tf.grads((f: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same')))([filter])[0],
      () => tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 3, 2, 'same')))(x),
    ];
    for (const call of calls) tf.dispose(call()); // warm-up (first calls may allocate caches)
    const tensors = tf.memory().numTensors;
    const buffers = wasmDataIds();
    for (let round = 0; round < 5; round++) {
      for (const call of calls) tf.dispose(call());
      expect(tf.memory().numTensors).toBe(tensors);
      expect(wasmDataIds()).toBe(buffers);
    }
    tf.dispose([x, dyConv, filter, dwFilter, dyDw, rows, ids, validIds]);
  });

  it('a kernel that throws releases what it made', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const buffers = wasmDataIds();
    const x = tf.zeros([1, 4, 4, 2]);
    const dy = tf.zeros([1, 4, 4, 3]);
    // dy has the wrong spatial size for these attributes: Conv2D inside the kernel rejects it.
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] })).toThrow();
    tf.dispose([x, dy]);
    expect(wasmDataIds()).toBe(buffers);
  });
});

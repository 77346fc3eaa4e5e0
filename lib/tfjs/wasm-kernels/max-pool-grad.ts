/**
 * MaxPoolGrad on WASM — a correction, not an addition. WASM 4.22 has a MaxPoolGrad kernel, but it
 * loses or misroutes the gradient of pooling windows whose maximum is not positive (and its
 * MaxPoolWithArgmax returns wrong values/indices the same way): e.g. for x = [[-3, -1], [-2, -4]],
 * 2×2 pooling, dy = 1 it returns dx = 0 where it should put the 1 on the −1. Any max-pooled
 * activation that can go negative (after batch normalisation, a linear or tanh layer, …) then
 * trains on wrong gradients, silently. Its forward MaxPool (XNNPACK) is correct.
 *
 * Math: y[b,i,j,c] = max over the window W(i,j) = {(i·sH + r − pT, j·sW + q − pL)} ∩ image of x,
 * so ∂y/∂x is 1 at the window's argmax and 0 elsewhere, and
 *   dx[b,p,q,c] = Σ_{(i,j) : argmax W(i,j) = (p,q)} dy[b,i,j,c]
 * with ties going to the first maximum in row-major window order, as in TensorFlow and the CPU
 * backend (windows of only −∞/NaN pass nothing). There is no GEMM in this: it is one compare per
 * window tap and one add per output, O(|y|·fH·fW), a data-dependent gather/scatter that none of
 * WASM's correct kernels computes (the argmax kernel being the broken one), so it runs as a plain
 * loop over the data (channels innermost, contiguous in NHWC) — the same work the C kernel does.
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, kernelInputs, KernelScope, WASM } from './kernel-scope';

function maxPoolGrad({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { dy, input } = kernelInputs(tf.MaxPoolGrad, inputs, 'dy', 'input');
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, padInfo } = info;
  assertShape(tf.MaxPoolGrad, 'dy', dy.shape, info.outShape);
  const kernelBackend = backend as tf.KernelBackend;
  const x = kernelBackend.readSync(input.dataId) as Float32Array;
  const dyValues = kernelBackend.readSync(dy.dataId) as Float32Array;
  const dx = new Float32Array(x.length);
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);

  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * channels;
    for (let i = 0; i < outHeight; i++) {
      const rowStart = i * strideHeight - padInfo.top;
      for (let j = 0; j < outWidth; j++) {
        const colStart = j * strideWidth - padInfo.left;
        best.fill(Number.NEGATIVE_INFINITY);
        bestAt.fill(-1);
        for (let r = 0; r < filterHeight; r++) {
          const row = rowStart + r;
          if (row < 0 || row >= inHeight) continue;
          for (let q = 0; q < filterWidth; q++) {
            const col = colStart + q;
            if (col < 0 || col >= inWidth) continue;
            const at = xBatch + (row * inWidth + col) * channels;
            for (let c = 0; c < channels; c++) {
              const value = x[at + c];
              if (value > best[c]) {
                best[c] = value;
                bestAt[c] = at + c;
              }
            }
          }
        }
        const dyAt = ((b * outHeight + i) * outWidth + j) * channels;
        for (let c = 0; c < channels; c++) if (bestAt[c] >= 0) dx[bestAt[c]] += dyValues[dyAt + c];
      }
    }
  }
  return { dataId: kernelBackend.write(dx, input.shape, 'float32'), shape: input.shape, dtype: 'float32' };
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: WASM,
  kernelFunc: maxPoolGrad,
};

/**
 * Whether WASM's own MaxPoolGrad routes the gradient of an all-negative window correctly, tried on
 * x = [[-3, -1], [-2, -4]]; `undefined` when the 'wasm' backend has not started yet (no probe).
 */
export function stockMaxPoolGradIsCorrect(stock: tf.KernelConfig): boolean | undefined {
  const backend = (tf.engine().registry as Record<string, tf.KernelBackend | undefined>)[WASM];
  if (backend == null) return undefined;
  const scope = new KernelScope(backend);
  try {
    const input = scope.write(Float32Array.from([-3, -1, -2, -4]), [1, 2, 2, 1], 'float32');
    const output = scope.write(Float32Array.from([-1]), [1, 1, 1, 1], 'float32');
    const dy = scope.write(Float32Array.from([1]), [1, 1, 1, 1], 'float32');
    const result = stock.kernelFunc({ inputs: { dy, input, output }, backend, attrs: { filterSize: 2, strides: 2, pad: 'valid' } });
    const dx = scope.adopt(Array.isArray(result) ? result[0] : result);
    return Array.from(backend.readSync(dx.dataId) as Float32Array).join() === '0,1,0,0';
  } catch {
    return false;
  } finally {
    scope.dispose();
  }
}

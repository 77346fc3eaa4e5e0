/**
 * Kernels that `@tensorflow/tfjs-backend-wasm` 4.22 lacks but training needs, each composed from
 * kernels WASM does have (XNNPACK convolutions, ScatterNd, transposes, pads), so they run at WASM
 * SIMD speed. Without them, on the 'wasm' backend:
 *   - Conv2DBackpropFilter:                gradient of Conv2D / fused conv2d (tf.layers conv2d,
 *                                          conv1d, separableConv2d's pointwise part) and of
 *                                          Conv2DBackpropInput (conv2dTranspose) w.r.t. the filter
 *   - DepthwiseConv2dNativeBackpropFilter: gradient of depthwiseConv2d w.r.t. the filter
 *   - DepthwiseConv2dNativeBackpropInput:  gradient of depthwiseConv2d w.r.t. the input
 *   - UnsortedSegmentSum:                  gradient of gather (tf.layers embedding)
 * all fail with "Kernel '…' not registered for backend 'wasm'". The other kernels the gradients of
 * Conv2D(Transpose), pooling, batch normalisation and recurrent cells (Sigmoid, Tanh, Softplus, …)
 * use — Conv2DBackpropInput, AvgPoolGrad, Step, … — WASM has.
 *
 * BatchMatMul is wrapped for speed: with a transpose flag the stock kernel is 10–30× slower than
 * transposing first (see batch-mat-mul.ts), and training is made of transposed products.
 * Conv2DBackpropInput (a convolution's input gradient, a transposed convolution's forward pass) is
 * wrapped to run on the XNNPACK convolution instead of the stock loop (conv2d-backprop-input.ts).
 *
 * One kernel WASM has is replaced: its MaxPoolGrad gives wrong gradients for windows whose maximum
 * is not positive (see max-pool-grad.ts). It is replaced only if a probe shows the stock kernel
 * still wrong (or the backend has not started, so it cannot be probed).
 *
 *   import { registerWasmTrainingKernels } from '@/lib/tfjs/wasm-kernels';
 *   registerWasmTrainingKernels(); // once, best after tf.setBackend('wasm'); safe to call again
 */
import * as tf from '@tensorflow/tfjs';
// Registers the stock WASM kernels, so that the checks below see what WASM already has.
import '@tensorflow/tfjs-backend-wasm';
import { fastTransposedBatchMatMul } from './batch-mat-mul';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { fastConv2DBackpropInput } from './conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-native-backprop-filter';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-native-backprop-input';
import { WASM } from './kernel-scope';
import { maxPoolGradConfig, stockMaxPoolGradIsCorrect } from './max-pool-grad';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';

/** Kernels WASM 4.22 does not have. */
export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
];

/** Kernels WASM 4.22 has but gets wrong, each with the test that says the stock one is right. */
export const WASM_KERNEL_CORRECTIONS: readonly { config: tf.KernelConfig; stockIsCorrect: (stock: tf.KernelConfig) => boolean | undefined }[] = [
  { config: maxPoolGradConfig, stockIsCorrect: stockMaxPoolGradIsCorrect },
];

/** Stock kernels wrapped to run faster, each built from the stock config. */
export const WASM_KERNEL_SPEEDUPS: readonly { kernelName: string; wrap: (stock: tf.KernelConfig) => tf.KernelConfig }[] = [
  { kernelName: tf.BatchMatMul, wrap: fastTransposedBatchMatMul },
  { kernelName: tf.Conv2DBackpropInput, wrap: fastConv2DBackpropInput },
];

const registered = new Set<string>();

/** The stock configs of the kernels wrapped for speed, for benchmarks that compare the two. */
export const STOCK_KERNELS = new Map<string, tf.KernelConfig>();

/**
 * Registers, for the 'wasm' backend, each kernel of WASM_TRAINING_KERNELS that WASM does not have,
 * and each correction of WASM_KERNEL_CORRECTIONS whose stock kernel is not shown to be right.
 * Idempotent: returns the names of the kernels this module has registered (the same list on every
 * call). A kernel a later WASM ships itself, or fixes, is left alone and not listed.
 */
export function registerWasmTrainingKernels(): string[] {
  for (const config of WASM_TRAINING_KERNELS) {
    if (registered.has(config.kernelName) || tf.getKernel(config.kernelName, WASM) != null) continue;
    tf.registerKernel(config);
    registered.add(config.kernelName);
  }
  for (const { config, stockIsCorrect } of WASM_KERNEL_CORRECTIONS) {
    if (registered.has(config.kernelName)) continue;
    const stock = tf.getKernel(config.kernelName, WASM);
    if (stock != null) {
      if (stockIsCorrect(stock) === true) continue;
      tf.unregisterKernel(config.kernelName, WASM);
    }
    tf.registerKernel(config);
    registered.add(config.kernelName);
  }
  for (const { kernelName, wrap } of WASM_KERNEL_SPEEDUPS) {
    if (registered.has(kernelName)) continue;
    const stock = tf.getKernel(kernelName, WASM);
    if (stock == null) continue;
    STOCK_KERNELS.set(kernelName, stock);
    tf.unregisterKernel(kernelName, WASM);
    tf.registerKernel(wrap(stock));
    registered.add(kernelName);
  }
  return [...registered];
}

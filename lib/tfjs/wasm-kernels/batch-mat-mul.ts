/**
 * BatchMatMul on WASM — a speed fix, not a correctness one. WASM 4.22's kernel is fast for
 * a·b but 10–30× slower when asked for aᵀ·b or a·bᵀ (it leaves XNNPACK's fast path), and those
 * are exactly the products backpropagation and Boltzmann-machine learning are made of: the
 * gradient of a·W is dyᵀ… and …·Wᵀ, an RBM's downward pass is h·Wᵀ and its gradient vᵀh.
 * Measured on 100×620 by 620×512: a·W 4 ms, h·Wᵀ 94 ms, aᵀ·h 144 ms.
 *
 * The fix transposes the operand with WASM's own (fast) Transpose kernel and then calls the stock
 * kernel without the flag; results are the same products, summed in the same order per element.
 */
import * as tf from '@tensorflow/tfjs';
import { kernelInputs, KernelScope, WASM } from './kernel-scope';

/** Wraps the stock kernel; `stock` is the config WASM registered itself. */
export function fastTransposedBatchMatMul(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    ...stock,
    kernelName: tf.BatchMatMul,
    backendName: WASM,
    kernelFunc: (args) => {
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      if (!transposeA && !transposeB) return stock.kernelFunc(args);
      const scope = new KernelScope(args.backend as tf.KernelBackend);
      try {
        const { a, b } = kernelInputs(tf.BatchMatMul, args.inputs, 'a', 'b');
        const swapLastTwo = (t: tf.TensorInfo) => {
          const perm = t.shape.map((_, i) => i);
          const n = perm.length;
          [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
          return scope.transpose(t, perm);
        };
        return stock.kernelFunc({
          ...args,
          inputs: { a: transposeA ? swapLastTwo(a) : a, b: transposeB ? swapLastTwo(b) : b },
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        });
      } finally {
        scope.dispose();
      }
    },
  };
}

/**
 * Lets a WASM kernel be written in terms of other WASM kernels. The composed kernels in this folder
 * call the stock kernels' `kernelFunc`s directly on `TensorInfo`s (as tfjs's own backends do
 * internally), not through `tf.*` ops: that keeps the engine out of it (no tape, no profiler rows,
 * no `tf.memory()` churn) and makes ownership exact. Every `TensorInfo` a kernel returns holds one
 * reference on its data; the scope releases all of them except the one the kernel hands back.
 */
import * as tf from '@tensorflow/tfjs';

export const WASM = 'wasm';

/** Kernel inputs: named (`{x, dy}`) or positional (`Concat`, `Pack`). */
type KernelInputs = tf.NamedTensorInfoMap | readonly tf.TensorInfo[];

export class KernelScope {
  private readonly owned = new Set<tf.TensorInfo>();

  constructor(readonly backend: tf.KernelBackend) {}

  /** Runs the WASM kernel `kernelName`; its output is released when the scope ends unless kept. */
  run(kernelName: string, inputs: KernelInputs, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const kernel = tf.getKernel(kernelName, WASM);
    if (kernel == null) throw new Error(`WASM training kernels: the '${kernelName}' kernel is not registered for wasm`);
    const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: this.backend, attrs });
    const outs = Array.isArray(out) ? out : [out];
    for (const t of outs) this.owned.add(t);
    if (outs.length !== 1) throw new Error(`WASM training kernels: '${kernelName}' returned ${outs.length} outputs, expected 1`);
    return outs[0];
  }

  /** A new float32/int32 tensor from host values (owned by the scope). */
  write(values: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32'): tf.TensorInfo {
    const info: tf.TensorInfo = { dataId: this.backend.write(values, shape, dtype), shape, dtype };
    this.owned.add(info);
    return info;
  }

  /** Puts a tensor made elsewhere (a kernel called directly) in the scope. */
  adopt(t: tf.TensorInfo): tf.TensorInfo {
    this.owned.add(t);
    return t;
  }

  /** Takes `t` out of the scope: the caller now owns its reference. */
  keep(t: tf.TensorInfo): tf.TensorInfo {
    if (this.owned.delete(t)) return t;
    // Not ours (e.g. a kernel input passed straight through): hand back a new reference to it.
    return this.keep(this.run('Identity', { x: t }));
  }

  dispose(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.clear();
  }

  // Thin wrappers over the stock kernels, with their attributes spelled out.

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** `[begin, size]` per axis, as `tf.slice`. */
  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  pad(x: tf.TensorInfo, paddings: [number, number][], constantValue = 0): tf.TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue });
  }

  sum(x: tf.TensorInfo, axis: number[], keepDims = false): tf.TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims });
  }

  reverse(x: tf.TensorInfo, dims: number[]): tf.TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }
}

/**
 * Runs `body` with a fresh scope and returns its result, every other intermediate released, also
 * when `body` throws.
 */
export function composeKernel(backend: unknown, body: (scope: KernelScope) => tf.TensorInfo): tf.TensorInfo {
  const scope = new KernelScope(backend as tf.KernelBackend);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}

/** The named inputs of a kernel call, each required. */
export function kernelInputs<K extends string>(kernelName: string, inputs: tf.NamedTensorInfoMap, ...names: K[]): Record<K, tf.TensorInfo> {
  const found = {} as Record<K, tf.TensorInfo>;
  for (const name of names) {
    const t = inputs[name];
    if (t == null) throw new Error(`${kernelName}: input '${name}' is missing`);
    found[name] = t;
  }
  return found;
}

/**
 * Throws unless `actual` is `expected`: the stock kernels trust their shapes, and a wrong one
 * (a dy that does not fit the attributes) would make XNNPACK read or write out of bounds.
 */
export function assertShape(kernelName: string, what: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new Error(`${kernelName}: ${what} has shape [${actual.join(', ')}], but the attributes give [${expected.join(', ')}]`);
  }
}

/**
 * Crops the spatial axes 1 and 2 of an NHWC tensor from the end where the wanted extents are
 * smaller than the tensor's (a negative "padding"), so that what is left can be padded explicitly.
 */
export function cropToExtent(scope: KernelScope, x: tf.TensorInfo, height: number, width: number): tf.TensorInfo {
  const [n, h, w, c] = x.shape;
  if (height >= h && width >= w) return x;
  return scope.slice(x, [0, 0, 0, 0], [n, Math.min(h, height), Math.min(w, width), c]);
}

/**
 * An NHWC gradient dilated by a convolution's strides: sH − 1 zero rows between its rows and
 * sW − 1 zero columns between its columns (and after the last: callers crop to what they need),
 * by a reshape to [B, H, 1, W, 1, C], a zero pad and a reshape back.
 */
export function dilateByStride(scope: KernelScope, dy: tf.TensorInfo, strideHeight: number, strideWidth: number): tf.TensorInfo {
  if (strideHeight === 1 && strideWidth === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const spread = scope.pad(scope.reshape(dy, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  return scope.reshape(spread, [n, h * strideHeight, w * strideWidth, c]);
}

/**
 * UnsortedSegmentSum on WASM: out[s, …] = Σ_{i : segmentIds[i] = s} x[i, …], for s in
 * [0, numSegments). It is the gradient of GatherV2 (the gathered rows' gradients are summed back
 * into the rows they came from), so it is what training an Embedding layer, or anything built on
 * tf.gather, needs.
 *
 * A sum of rows into buckets is a scatter-add, and WASM's ScatterNd kernel accumulates duplicate
 * indices (C loop, one pass over x): out = scatterND(segmentIds as [N, 1], x as [N, …], [S, …]).
 * That is O(N·D), where the matmul form oneHot(ids)ᵀ · x would be O(N·S·D) and the CPU backend's
 * kernel (one masked sum over all of x per segment) is O(S·N·D) in JS. Ids outside [0, S) are
 * dropped, as in TensorFlow: the ids (int32, N of them) are checked on the host and, only if some
 * are out of range, the valid rows are gathered first.
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, composeKernel, kernelInputs, WASM } from './kernel-scope';

function unsortedSegmentSum({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, segmentIds } = kernelInputs(tf.UnsortedSegmentSum, inputs, 'x', 'segmentIds');
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const idsRank = segmentIds.shape.length;
  const count = tf.util.sizeFromShape(segmentIds.shape);
  const sliceShape = x.shape.slice(idsRank);
  const outShape = [numSegments, ...sliceShape];
  assertShape(tf.UnsortedSegmentSum, 'the leading axes of x', x.shape.slice(0, idsRank), segmentIds.shape);

  return composeKernel(backend, (scope) => {
    const ids = Int32Array.from(scope.backend.readSync(segmentIds.dataId) as ArrayLike<number>);
    const valid: number[] = [];
    for (let i = 0; i < count; i++) if (ids[i] >= 0 && ids[i] < numSegments) valid.push(i);

    if (valid.length === 0 || tf.util.sizeFromShape(outShape) === 0) {
      return scope.run('Fill', [], { shape: outShape, value: 0, dtype: x.dtype });
    }
    let indices: tf.TensorInfo;
    let updates = scope.reshape(x, [count, ...sliceShape]);
    if (valid.length === count) {
      indices = segmentIds.dtype === 'int32' ? scope.reshape(segmentIds, [count, 1]) : scope.write(ids, [count, 1], 'int32');
    } else {
      const rows = scope.write(Int32Array.from(valid), [valid.length], 'int32');
      updates = scope.run('GatherV2', { x: updates, indices: rows }, { axis: 0, batchDims: 0 });
      indices = scope.write(Int32Array.from(valid, (i) => ids[i]), [valid.length, 1], 'int32');
    }
    return scope.run('ScatterNd', { indices, updates }, { shape: outShape });
  });
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: WASM,
  kernelFunc: unsortedSegmentSum,
};

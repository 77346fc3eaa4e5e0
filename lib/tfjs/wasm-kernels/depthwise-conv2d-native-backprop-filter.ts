/**
 * DepthwiseConv2dNativeBackpropFilter on WASM: the gradient of a depthwise convolution with
 * respect to its filter (needed to train DepthwiseConv2D and SeparableConv2D layers).
 *
 * Forward, channel multiplier M, output channel k·M + m:
 *   y[b,i,j,k·M+m] = Σ_{r,c} x[b, i·sH + r·dH − pT, j·sW + c·dW − pL, k] · W[r,c,k,m]
 * hence
 *   dW[r,c,k,m] = Σ_b Σ_{i,j} x[b, r·dH + i·sH − pT, c·dW + j·sW − pL, k] · dy[b,i,j,k·M+m].
 * The inner sum over (i, j) is itself a depthwise convolution — one per (b, k) pair, whose input
 * is the image x[b,:,:,k] and whose filter is the gradient dy[b,:,:,k·M..k·M+M−1] — with the roles
 * of stride and dilation swapped (stride d, dilation s). So fold the batch into the channels,
 *   x̃  = x  as [1, H, W, B·Cin]           d̃y = dy as [oH, oW, B·Cin, M]
 *   dW̃ = depthwiseConv2d(x̃, d̃y, strides (dH, dW), dilations (sH, sW), explicit padding)
 *      : [1, fH, fW, B·Cin·M]
 * and sum dW̃ over the batch: dW = Σ_b dW̃ as [fH, fW, B, Cin, M]. The work runs in the XNNPACK
 * depthwise convolution behind WASM's DepthwiseConv2dNative (SIMD); the rest is two transposes and
 * a reduction. A per-channel GEMM (im2col + BatchMatMul) would do the same sums, but on WASM only
 * unbatched MatMul runs on XNNPACK and the im2col copies cost more than the products; measured 2–40×
 * slower.
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, composeKernel, cropToExtent, kernelInputs, WASM } from './kernel-scope';

function depthwiseConv2dNativeBackpropFilter({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = kernelInputs(tf.DepthwiseConv2dNativeBackpropFilter, inputs, 'x', 'dy');
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const convInfo = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, padInfo } = convInfo;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = convInfo;
  const multiplier = filterShape[3];
  assertShape(tf.DepthwiseConv2dNativeBackpropFilter, 'dy', dy.shape, convInfo.outShape);
  assertShape(tf.DepthwiseConv2dNativeBackpropFilter, 'filterShape', filterShape, [filterHeight, filterWidth, inChannels, multiplier]);
  const channels = batchSize * inChannels;

  return composeKernel(backend, (scope) => {
    let xT = scope.reshape(scope.transpose(x, [1, 2, 0, 3]), [1, inHeight, inWidth, channels]);
    const dy5 = scope.reshape(dy, [batchSize, outHeight, outWidth, inChannels, multiplier]);
    const dyT = scope.reshape(scope.transpose(dy5, [1, 2, 0, 3, 4]), [outHeight, outWidth, channels, multiplier]);
    // Input rows the taps reach: (fH − 1)·dH + (oH − 1)·sH + 1, counted from −pT.
    const rows = (filterHeight - 1) * dilationHeight + (outHeight - 1) * strideHeight + 1;
    const cols = (filterWidth - 1) * dilationWidth + (outWidth - 1) * strideWidth + 1;
    xT = cropToExtent(scope, xT, rows - padInfo.top, cols - padInfo.left);
    const dWT = scope.run(
      'DepthwiseConv2dNative',
      { x: xT, filter: dyT },
      {
        strides: [dilationHeight, dilationWidth],
        dilations: [strideHeight, strideWidth],
        pad: [
          [0, 0],
          [padInfo.top, Math.max(0, rows - padInfo.top - inHeight)],
          [padInfo.left, Math.max(0, cols - padInfo.left - inWidth)],
          [0, 0],
        ],
      },
    );
    const perBatch = scope.reshape(dWT, [filterHeight, filterWidth, batchSize, inChannels * multiplier]);
    const dW = batchSize === 1 ? perBatch : scope.sum(perBatch, [2]);
    return scope.reshape(dW, filterShape);
  });
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: WASM,
  kernelFunc: depthwiseConv2dNativeBackpropFilter,
};

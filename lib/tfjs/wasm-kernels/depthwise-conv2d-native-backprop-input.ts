/**
 * DepthwiseConv2dNativeBackpropInput on WASM: the gradient of a depthwise convolution with respect
 * to its input (needed to backpropagate through DepthwiseConv2D and SeparableConv2D layers).
 *
 * Forward, channel multiplier M:
 *   y[b,i,j,k·M+m] = Σ_{r,c} x[b, i·sH + r·dH − pT, j·sW + c·dW − pL, k] · W[r,c,k,m]
 * hence, per axis (rows shown; columns alike),
 *   dx[b,p,·,k] = Σ_m Σ_{i,r : i·sH + r·dH − pT = p} dy[b,i,·,k·M+m] · W[r,·,k,m].
 * This is the transposed ("full") convolution: insert sH − 1 zeros between the rows of dy
 * (u[i·sH] = dy[i]), pad it by (fH − 1)·dH − pT in front, and correlate with the filter flipped
 * in space:
 *   dx[p] = Σ_r' u[p − ((fH − 1)·dH − pT) + r'·dH] · W[fH − 1 − r']
 * Each of the B·Cin·M (image, channel) pairs is independent, so it is one depthwise convolution
 * (multiplier 1 over the Cin·M channels of dy, dilation d, stride 1, explicit padding) in the
 * XNNPACK kernel behind WASM's DepthwiseConv2dNative, followed by a sum over m when M > 1. The
 * zero insertion is a pad of dy seen as [B, oH, 1, oW, 1, C] to [B, oH, sH, oW, sW, C]. It makes
 * the correlation do sH·sW times the useful multiply-adds, which a depthwise convolution (fH·fW per
 * output, no channel sum) can afford; no JS loop touches the data.
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, composeKernel, dilateByStride, kernelInputs, WASM } from './kernel-scope';

function depthwiseConv2dNativeBackpropInput({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { dy, filter } = kernelInputs(tf.DepthwiseConv2dNativeBackpropInput, inputs, 'dy', 'filter');
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const convInfo = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, padInfo } = convInfo;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = convInfo;
  const { filterHeight, filterWidth } = convInfo;
  const multiplier = outChannels / inChannels;
  assertShape(tf.DepthwiseConv2dNativeBackpropInput, 'dy', dy.shape, convInfo.outShape);
  assertShape(tf.DepthwiseConv2dNativeBackpropInput, 'filter', filter.shape, [filterHeight, filterWidth, inChannels, multiplier]);

  return composeKernel(backend, (scope) => {
    // u: dy with sH − 1 zero rows after each row and sW − 1 zero columns after each column.
    let u = dilateByStride(scope, dy, strideHeight, strideWidth);
    // Padding of u that makes the stride-1 correlation exactly H × W; negative means crop.
    const top = effectiveFilterHeight - 1 - padInfo.top;
    const left = effectiveFilterWidth - 1 - padInfo.left;
    const bottom = inHeight + effectiveFilterHeight - 1 - top - u.shape[1];
    const right = inWidth + effectiveFilterWidth - 1 - left - u.shape[2];
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      const cropTop = Math.max(0, -top);
      const cropLeft = Math.max(0, -left);
      u = scope.slice(
        u,
        [0, cropTop, cropLeft, 0],
        [batchSize, u.shape[1] - cropTop - Math.max(0, -bottom), u.shape[2] - cropLeft - Math.max(0, -right), outChannels],
      );
    }
    // Flipped filter, one column per dy channel k·M + m (the layout of [fH, fW, Cin, M]).
    const flipped = scope.reshape(scope.reverse(filter, [0, 1]), [filterHeight, filterWidth, outChannels, 1]);
    const perChannel = scope.run(
      'DepthwiseConv2dNative',
      { x: u, filter: flipped },
      {
        strides: [1, 1],
        dilations: [dilationHeight, dilationWidth],
        pad: [
          [0, 0],
          [Math.max(0, top), Math.max(0, bottom)],
          [Math.max(0, left), Math.max(0, right)],
          [0, 0],
        ],
      },
    );
    if (multiplier === 1) return perChannel;
    return scope.sum(scope.reshape(perChannel, [batchSize, inHeight, inWidth, inChannels, multiplier]), [4]);
  });
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: WASM,
  kernelFunc: depthwiseConv2dNativeBackpropInput,
};

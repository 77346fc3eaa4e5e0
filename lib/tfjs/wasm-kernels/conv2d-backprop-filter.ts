/**
 * Conv2DBackpropFilter on WASM: the gradient of a 2-D convolution with respect to its filter
 * (needed to train Conv2D, and Conv2DTranspose, whose forward pass is Conv2DBackpropInput).
 *
 * Forward (NHWC; the Conv2D gradient requires dilation 1):
 *   y[b,i,j,o] = Σ_{r,c,k} x[b, i·sH + r − pT, j·sW + c − pL, k] · W[r,c,k,o]
 * hence
 *   dW[r,c,k,o] = Σ_{b,i,j} x[b, i·sH + r − pT, j·sW + c − pL, k] · dy[b,i,j,o]
 * which is the GEMM im2col(x)ᵀ · dy: a (fH·fW·Cin) × (B·oH·oW) patch matrix times the
 * (B·oH·oW) × Cout output gradient. Instead of materialising the patch matrix (fH·fW times the size
 * of x, built from JS-side slice copies on WASM) and then calling MatMul, the same GEMM is handed to
 * the XNNPACK convolution behind WASM's Conv2D, which forms the patches on the fly (indirect GEMM,
 * "implicit im2col") at SIMD speed. Read the sum above as a convolution in which
 *   - the input channels k are the batch:            x̃  = x  as [Cin, H, W, B]
 *   - the batch b is the input channels,
 *   - dy is the filter, dilated by the forward stride: d̃y = dy as [oH, oW, B, Cout]
 *   - the filter taps (r, c) are the output pixels:  dW̃ = conv2d(x̃, d̃y) : [Cin, fH, fW, Cout]
 * with stride 1, dilation (sH, sW) and explicit padding pT on top and whatever makes the output
 * exactly fH high at the bottom (cropping x where that is negative); then dW = dW̃ transposed to
 * [fH, fW, Cin, Cout]. Besides the GEMM it costs one transpose each of x, dy and (tiny) dW.
 * (Measured: batch 32, 28×28×32 → 64, 3×3: ~70 ms against ~85 ms for slices + concat + MatMul,
 * and the gap widens with stride, where StridedSlice is a slow generic loop.)
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, composeKernel, cropToExtent, kernelInputs, WASM } from './kernel-scope';

function conv2DBackpropFilter({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = kernelInputs(tf.Conv2DBackpropFilter, inputs, 'x', 'dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const channelsFirst = dataFormat === 'NCHW';
  const convInfo = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    channelsFirst ? 'channelsFirst' : 'channelsLast',
  );
  const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth, inHeight, inWidth, padInfo } = convInfo;
  assertShape(tf.Conv2DBackpropFilter, 'dy', dy.shape, convInfo.outShape);
  assertShape(tf.Conv2DBackpropFilter, 'filterShape', filterShape, [filterHeight, filterWidth, convInfo.inChannels, convInfo.outChannels]);

  return composeKernel(backend, (scope) => {
    // x̃ : [Cin, H, W, B] and d̃y : [oH, oW, B, Cout], from either layout in one transpose each.
    let xT = scope.transpose(x, channelsFirst ? [1, 2, 3, 0] : [3, 1, 2, 0]);
    const dyT = scope.transpose(dy, channelsFirst ? [2, 3, 0, 1] : [1, 2, 0, 3]);
    // Input rows the output taps can reach: (fH − 1) + (oH − 1)·sH + 1, counted from −pT.
    const rows = filterHeight + (outHeight - 1) * strideHeight;
    const cols = filterWidth + (outWidth - 1) * strideWidth;
    xT = cropToExtent(scope, xT, rows - padInfo.top, cols - padInfo.left);
    const padBottom = Math.max(0, rows - padInfo.top - inHeight);
    const padRight = Math.max(0, cols - padInfo.left - inWidth);
    const dWT = scope.run(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [padInfo.top, padBottom],
          [padInfo.left, padRight],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [strideHeight, strideWidth],
      },
    );
    return scope.transpose(dWT, [1, 2, 0, 3]);
  });
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: conv2DBackpropFilter,
};

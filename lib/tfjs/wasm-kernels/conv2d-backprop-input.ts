/**
 * Conv2DBackpropInput on WASM through XNNPACK: the gradient of a 2-D convolution with respect to
 * its input, which is also the forward pass of a transposed convolution (tf.conv2dTranspose, a
 * GAN generator's upsampling layers). The stock WASM kernel is a plain loop, 5–10× slower than the
 * XNNPACK convolution behind Conv2D; this one hands the same sum to that convolution.
 *
 * Forward (NHWC): y[b,i,j,o] = Σ_{r,c,k} x[b, i·sH + r − pT, j·sW + c − pL, k] · W[r,c,k,o], so
 *   dx[b,p,q,k] = Σ_{i,j,r,c,o : i·sH + r − pT = p, j·sW + c − pL = q} dy[b,i,j,o] · W[r,c,k,o].
 * With dy dilated by the stride (sH − 1 zero rows between rows, likewise columns) into d, and r' =
 * fH − 1 − r, this is a stride-1 correlation of d with the filter turned half a turn and its
 * channel axes swapped:
 *   dx[b,p,q,k] = Σ_{r',c',o} d[b, p + pT − (fH − 1) + r', q + pL − (fW − 1) + c', o] · W[fH−1−r', fW−1−c', k, o]
 * i.e. Conv2D(d padded by fH − 1 − pT on top (and what makes the output H high at the bottom),
 * W reversed on its spatial axes and transposed to [fH, fW, Cout, Cin]).
 * The dilation is a reshape to [B, oH, 1, oW, 1, C], a zero pad to [B, oH, sH, oW, sW, C] and a
 * reshape back. Layouts or paddings this one does not handle go to the stock kernel, and so do
 * gradients of fewer than 8 channels (a generator's last, one-channel layer), where XNNPACK's
 * convolution is slower than the stock loop (measured: 64 × 14×14×32 → 28×28×1, 5×5, stride 2:
 * 40 ms against 12 ms; 64 × 7×7×64 → 14×14×32: 72 ms against 167 ms).
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, composeKernel, cropToExtent, kernelInputs } from './kernel-scope';

/** Below this many channels in dx, the stock kernel is faster. */
const MIN_CHANNELS = 8;

export function fastConv2DBackpropInput(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { dy, filter } = kernelInputs(tf.Conv2DBackpropInput, inputs, 'dy', 'filter');
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      if (dataFormat === 'NCHW') return stock.kernelFunc(args);
      const convInfo = tf.backend_util.computeConv2DInfo(
        inputShape,
        filter.shape as [number, number, number, number],
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        'channelsLast',
      );
      const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth, inHeight, inWidth, padInfo, batchSize, outChannels } = convInfo;
      assertShape(tf.Conv2DBackpropInput, 'dy', dy.shape, convInfo.outShape);
      const top = filterHeight - 1 - padInfo.top;
      const left = filterWidth - 1 - padInfo.left;
      if (top < 0 || left < 0 || convInfo.inChannels < MIN_CHANNELS) return stock.kernelFunc(args);

      return composeKernel(backend, (scope) => {
        let d = dy;
        if (strideHeight > 1 || strideWidth > 1) {
          const spread = scope.pad(scope.reshape(dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]), [
            [0, 0],
            [0, 0],
            [0, strideHeight - 1],
            [0, 0],
            [0, strideWidth - 1],
            [0, 0],
          ]);
          d = scope.reshape(spread, [batchSize, outHeight * strideHeight, outWidth * strideWidth, outChannels]);
        }
        // Rows of d that matter: the last dilated row of dy and no further.
        const rows = (outHeight - 1) * strideHeight + 1;
        const cols = (outWidth - 1) * strideWidth + 1;
        // The output is inHeight high: top + rows + bottom − (fH − 1) = inHeight.
        const bottom = inHeight + filterHeight - 1 - top - rows;
        const right = inWidth + filterWidth - 1 - left - cols;
        d = cropToExtent(scope, d, rows + Math.min(0, bottom), cols + Math.min(0, right));
        const turned = scope.transpose(scope.reverse(filter, [0, 1]), [0, 1, 3, 2]);
        return scope.run(
          'Conv2D',
          { x: d, filter: turned },
          {
            strides: [1, 1],
            pad: [
              [0, 0],
              [top, Math.max(0, bottom)],
              [left, Math.max(0, right)],
              [0, 0],
            ],
            dataFormat: 'NHWC',
            dilations: [1, 1],
          },
        );
      });
    },
  };
}

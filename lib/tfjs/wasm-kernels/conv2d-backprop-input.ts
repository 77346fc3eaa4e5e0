/**
 * Conv2DBackpropInput on WASM through XNNPACK: the gradient of a 2-D convolution with respect to
 * its input, which is also the forward pass of a transposed convolution (tf.conv2dTranspose, a
 * GAN generator's upsampling layers). The stock WASM kernel is a plain loop, several times slower
 * than the XNNPACK convolution behind Conv2D; this one hands the same sum to that convolution.
 *
 * Forward (NHWC): y[b,i,j,o] = Σ_{r,c,k} x[b, i·sH + r − pT, j·sW + c − pL, k] · W[r,c,k,o], so
 *   dx[b,p,q,k] = Σ_{i,j,r,c,o : i·sH + r − pT = p, j·sW + c − pL = q} dy[b,i,j,o] · W[r,c,k,o].
 *
 * Stride s in both directions (s > 1): split the output by phase. Output row p = s·m + φ takes
 * the filter rows r = φ + pT − s·d from dy row m + d, for the few d with 0 ≤ r < fH; so every phase
 * is a stride-1 correlation of dy with a small filter (⌈fH / s⌉ taps or one more), and all s² phases
 * are one Conv2D whose s²·Cin output channels DepthToSpace interleaves into the s·s larger image:
 *   dx = crop(DepthToSpace_s(Conv2D(pad(dy), K))),  K[t, u, o, (φ·s + ψ)·Cin + k] = W[r(φ, t), c(ψ, u), k, o].
 * No multiplication by an inserted zero: for a 5×5 filter and stride 2, 2.8× fewer than below.
 *
 * Other strides: dy dilated by the stride (sH − 1 zero rows between rows, likewise columns) into d,
 * and with r' = fH − 1 − r,
 *   dx[b,p,q,k] = Σ_{r',c',o} d[b, p + pT − (fH − 1) + r', q + pL − (fW − 1) + c', o] · W[fH−1−r', fW−1−c', k, o]
 * i.e. Conv2D(d padded by fH − 1 − pT on top, W reversed on its spatial axes and transposed to
 * [fH, fW, Cout, Cin]).
 *
 * Layouts or paddings neither handles go to the stock kernel, and so do gradients of fewer than 8
 * channels (a generator's last, one-channel layer), where the stock loop is as fast.
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, composeKernel, cropToExtent, dilateByStride, kernelInputs, type KernelScope } from './kernel-scope';

/** Below this many channels in dx, the stock kernel is as fast. */
const MIN_CHANNELS = 8;

/** For each phase φ < s, the dy offsets d and filter rows r = φ + pad − s·d it takes (0 ≤ r < size). */
function taps(size: number, stride: number, pad: number): { first: number; count: number; row: (phase: number, t: number) => number } {
  let first = Infinity;
  let last = -Infinity;
  for (let phase = 0; phase < stride; phase++) {
    first = Math.min(first, Math.ceil((phase + pad - size + 1) / stride));
    last = Math.max(last, Math.floor((phase + pad) / stride));
  }
  return { first, count: last - first + 1, row: (phase, t) => phase + pad - stride * (first + t) };
}

/** dy padded (or, where negative, cropped) by `top` rows above and to `rows` rows in all; likewise `left` and `cols`. */
function placed(scope: KernelScope, dy: tf.TensorInfo, top: number, left: number, rows: number, cols: number): tf.TensorInfo {
  let x = dy;
  const [n, h, w, c] = dy.shape;
  // Negative padding crops: from the top/left first, then the rest from the bottom/right.
  if (top < 0 || left < 0) x = scope.slice(x, [0, Math.max(0, -top), Math.max(0, -left), 0], [n, h - Math.max(0, -top), w - Math.max(0, -left), c]);
  const topPad = Math.max(0, top);
  const leftPad = Math.max(0, left);
  x = cropToExtent(scope, x, rows - topPad, cols - leftPad);
  const bottom = rows - topPad - x.shape[1];
  const right = cols - leftPad - x.shape[2];
  if (topPad === 0 && leftPad === 0 && bottom === 0 && right === 0) return x;
  return scope.pad(x, [
    [0, 0],
    [topPad, bottom],
    [leftPad, right],
    [0, 0],
  ]);
}

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
      const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth, inHeight, inWidth, padInfo, batchSize, outChannels, inChannels } = convInfo;
      assertShape(tf.Conv2DBackpropInput, 'dy', dy.shape, convInfo.outShape);
      if (inChannels < MIN_CHANNELS) return stock.kernelFunc(args);

      if (strideHeight > 1 && strideHeight === strideWidth) {
        const s = strideHeight;
        const vertical = taps(filterHeight, s, padInfo.top);
        const horizontal = taps(filterWidth, s, padInfo.left);
        const phases = s * s;
        // K[t, u, o, (φ·s + ψ)·Cin + k] = W[r(φ, t), c(ψ, u), k, o], from the filter's values.
        const w = (backend as unknown as { readSync(dataId: unknown): Float32Array }).readSync(filter.dataId);
        const k = new Float32Array(vertical.count * horizontal.count * outChannels * phases * inChannels);
        for (let t = 0; t < vertical.count; t++) {
          for (let u = 0; u < horizontal.count; u++) {
            for (let phi = 0; phi < s; phi++) {
              const r = vertical.row(phi, t);
              if (r < 0 || r >= filterHeight) continue;
              for (let psi = 0; psi < s; psi++) {
                const c = horizontal.row(psi, u);
                if (c < 0 || c >= filterWidth) continue;
                for (let o = 0; o < outChannels; o++) {
                  const to = (((t * horizontal.count + u) * outChannels + o) * phases + phi * s + psi) * inChannels;
                  const from = (r * filterWidth + c) * inChannels * outChannels + o;
                  for (let ch = 0; ch < inChannels; ch++) k[to + ch] = w[from + ch * outChannels];
                }
              }
            }
          }
        }
        // Output m of a phase reads dy rows m + first … m + first + count − 1, for m < ⌈H / s⌉.
        const rowsOut = Math.ceil(inHeight / s);
        const colsOut = Math.ceil(inWidth / s);
        return composeKernel(backend, (scope) => {
          const kernel = scope.write(k, [vertical.count, horizontal.count, outChannels, phases * inChannels], 'float32');
          const x = placed(scope, dy, -vertical.first, -horizontal.first, rowsOut + vertical.count - 1, colsOut + horizontal.count - 1);
          const byPhase = scope.run('Conv2D', { x, filter: kernel }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] });
          const image = scope.run('DepthToSpace', { x: byPhase }, { blockSize: s, dataFormat: 'NHWC' });
          return rowsOut * s === inHeight && colsOut * s === inWidth ? image : scope.slice(image, [0, 0, 0, 0], [batchSize, inHeight, inWidth, inChannels]);
        });
      }

      const top = filterHeight - 1 - padInfo.top;
      const left = filterWidth - 1 - padInfo.left;
      if (top < 0 || left < 0) return stock.kernelFunc(args);
      return composeKernel(backend, (scope) => {
        let d = dilateByStride(scope, dy, strideHeight, strideWidth);
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

/**
 * DRAW's selective attention (Gregor, Danihelka, Graves, Rezende & Wierstra, ICML 2015, §3.2):
 * an N×N grid of Gaussian filters placed on an A×B image (A wide, B high) by five numbers a
 * network emits, used both to read a glimpse from an image and to write a patch onto a canvas.
 *
 *   (g̃_X, g̃_Y, log σ², log δ̃, log γ) = W(h)                                   eq. 21
 *   g_X = (A+1)/2 · (g̃_X + 1),  g_Y = (B+1)/2 · (g̃_Y + 1)                       eq. 22–23
 *   δ = (max(A,B) − 1)/(N − 1) · δ̃                                              eq. 24
 *   μ_X^i = g_X + (i − N/2 − 0.5) δ,  μ_Y^j = g_Y + (j − N/2 − 0.5) δ            eq. 19–20
 *   F_X[i,a] = exp(−(a − μ_X^i)² / 2σ²) / Z_X,  F_Y[j,b] likewise                eq. 25–26
 *   read(x)  = γ · F_Y x F_Xᵀ                                                     eq. 27
 *   write(w) = 1/γ · F_Yᵀ w F_X                                                   eq. 29
 *
 * Pixel coordinates a, b and grid indices i, j count from 1, as in the paper, so g̃ = 0 is the
 * image's centre and δ̃ = 1 spreads the grid over the whole image. Images are row-major
 * [batch, B·A·C] rows, channels last (the layout of every image in this project); a colour image
 * is read and written through the same filters in each of its C channels, as DRAW did on SVHN.
 */
import * as tf from '@tensorflow/tfjs';

export interface AttentionGeometry {
  /** Image height B and width A, in pixels. */
  height: number;
  width: number;
  /** The grid is N×N filters (N ≥ 2). */
  grid: number;
  /** Colour channels C, interleaved last (default 1, grey). */
  channels?: number;
}

/** One attention window per example, each a [batch, 1] column (a type alias, so tf.tidy accepts it). */
export type AttentionWindow = {
  /** Grid centre, pixels from 1 (eq. 22–23). */
  gx: tf.Tensor2D;
  gy: tf.Tensor2D;
  /** Isotropic filter variance σ². */
  variance: tf.Tensor2D;
  /** Stride between neighbouring filters, pixels (eq. 24). */
  stride: tf.Tensor2D;
  /** Intensity: reads are scaled by γ, writes by 1/γ. */
  intensity: tf.Tensor2D;
};

export type Filterbank = {
  /** [batch, N, A]: row i is filter i along x; each row sums to 1. */
  fx: tf.Tensor3D;
  /** [batch, N, B]. */
  fy: tf.Tensor3D;
};

/** eq. 21–24: the window from the network's five outputs [batch, 5]. */
export function attentionWindow(params: tf.Tensor2D, geometry: AttentionGeometry): AttentionWindow {
  const { height, width, grid } = geometry;
  if (grid < 2) throw new RangeError(`an attention grid needs N ≥ 2 filters a side, got ${grid}`);
  return tf.tidy(() => {
    const [gxTilde, gyTilde, logVariance, logStride, logIntensity] = tf.split(params, 5, 1) as tf.Tensor2D[];
    const window: AttentionWindow = {
      gx: tf.mul(gxTilde.add(1), (width + 1) / 2) as tf.Tensor2D,
      gy: tf.mul(gyTilde.add(1), (height + 1) / 2) as tf.Tensor2D,
      variance: tf.exp(logVariance),
      stride: tf.mul(tf.exp(logStride), (Math.max(width, height) - 1) / (grid - 1)) as tf.Tensor2D,
      intensity: tf.exp(logIntensity),
    };
    return window;
  });
}

/** eq. 19–20, 25–26: F_X and F_Y for each example's window. */
export function gaussianFilterbank(window: AttentionWindow, geometry: AttentionGeometry): Filterbank {
  const { height, width, grid } = geometry;
  return tf.tidy(() => {
    // Constants are uploaded rather than computed: every op here is repeated T times per image,
    // forwards and backwards, and on WASM the count of ops costs more than their arithmetic.
    const offsets = tf.tensor2d(Array.from({ length: grid }, (_, i) => i + 1 - grid / 2 - 0.5), [1, grid]); // i − N/2 − 0.5
    const precision = tf.div(-0.5, window.variance).reshape([-1, 1, 1]); // −1 / 2σ²
    const filters = (centre: tf.Tensor2D, pixels: number) => {
      const mu = tf.add(centre, tf.mul(offsets, window.stride)).reshape([-1, grid, 1]); // [batch, N, 1]
      const a = tf.tensor3d(Array.from({ length: pixels }, (_, i) => i + 1), [1, 1, pixels]);
      // exp(·)/Z as a softmax over pixels: the same numbers, but a narrow filter centred off the
      // image keeps its weight on the nearest pixels instead of underflowing to an all-zero row.
      return tf.softmax(tf.mul(tf.square(tf.sub(a, mu)), precision)) as tf.Tensor3D; // [batch, N, pixels]
    };
    return { fx: filters(window.gx, width), fy: filters(window.gy, height) };
  });
}

/** eq. 27 without γ: the N×N glimpse F_Y x F_Xᵀ of each image and channel, as [batch, N·N·C] rows. */
export function readGlimpse(images: tf.Tensor2D, bank: Filterbank, geometry: AttentionGeometry): tf.Tensor2D {
  const { height, width, grid } = geometry;
  const channels = geometry.channels ?? 1;
  return tf.tidy(() => {
    if (channels === 1) {
      const x = images.reshape([-1, height, width]);
      const glimpse = tf.matMul(tf.matMul(bank.fy, x), bank.fx, false, true); // [batch, N, N]
      return glimpse.reshape([-1, grid * grid]) as tf.Tensor2D;
    }
    // F_Y over the rows of all channels at once, then F_X over each channel's columns.
    const rows = tf.matMul(bank.fy, images.reshape([-1, height, width * channels])); // [batch, N, A·C]
    const byChannel = rows.reshape([-1, grid, width, channels]).transpose([0, 1, 3, 2]).reshape([-1, grid * channels, width]);
    const glimpse = tf.matMul(byChannel, bank.fx, false, true); // [batch, N·C, N]: (row j, channel, column i)
    return glimpse.reshape([-1, grid * grid * channels]) as tf.Tensor2D;
  });
}

/**
 * eq. 29 without 1/γ: each N×N patch spread onto the image grid, F_Yᵀ w F_X, as [batch, B·A·C].
 * A colour patch is [batch, N·N·C] ordered (row j, channel, column i), as `readGlimpse` reads.
 */
export function writePatch(patches: tf.Tensor2D, bank: Filterbank, geometry: AttentionGeometry): tf.Tensor2D {
  const { height, width, grid } = geometry;
  const channels = geometry.channels ?? 1;
  return tf.tidy(() => {
    const w = patches.reshape([-1, grid, grid * channels]);
    const rows = tf.matMul(bank.fy, w, true, false); // [batch, B, C·N]
    const image = tf.matMul(rows.reshape([-1, height * channels, grid]), bank.fx); // [batch, B·C, A]
    if (channels === 1) return image.reshape([-1, height * width]) as tf.Tensor2D;
    return image.reshape([-1, height, channels, width]).transpose([0, 1, 3, 2]).reshape([-1, height * width * channels]) as tf.Tensor2D;
  });
}

/** Where a window looks, in pixel units with (0, 0) the top-left corner of the image. */
export interface AttentionBox {
  /** Centre of the grid. */
  x: number;
  y: number;
  /** Side of the square the grid covers: N filters δ apart, each cell δ wide. */
  size: number;
  /** Filter width σ, pixels. */
  sigma: number;
}

/** The windows as boxes a page can draw (pixel coordinates from 0, so the centre is g − 0.5). */
export function attentionBoxes(window: AttentionWindow, geometry: AttentionGeometry): AttentionBox[] {
  const gx = window.gx.dataSync();
  const gy = window.gy.dataSync();
  const stride = window.stride.dataSync();
  const variance = window.variance.dataSync();
  return Array.from(gx, (_, b) => ({
    x: gx[b] - 0.5,
    y: gy[b] - 0.5,
    size: geometry.grid * stride[b],
    sigma: Math.sqrt(variance[b]),
  }));
}

export function disposeWindow(window: AttentionWindow): void {
  tf.dispose([window.gx, window.gy, window.variance, window.stride, window.intensity]);
}

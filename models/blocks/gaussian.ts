/**
 * Diagonal Gaussians as variational autoencoders use them (Kingma & Welling 2014): a mean and a
 * log standard deviation per dimension, samples by the reparameterisation trick, their log
 * density (nats, summed over the dimensions, one value per row), and the KL divergence between
 * two of them in closed form.
 */
import * as tf from '@tensorflow/tfjs';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

export type DiagonalGaussian = {
  mean: tf.Tensor2D;
  /** log σ, same shape as `mean`. */
  logStd: tf.Tensor2D;
};

/** z = μ + σ ⊙ ε with ε ~ N(0, I): a sample whose gradient flows back into μ and σ. */
export function reparameterise(gaussian: DiagonalGaussian, noise: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.add(gaussian.mean, tf.mul(tf.exp(gaussian.logStd), noise)));
}

/**
 * KL(q ‖ p) = Σ_d [ log σ_p − log σ_q + (σ_q² + (μ_q − μ_p)²) / 2σ_p² − ½ ], one value per row.
 */
export function gaussianKl(q: DiagonalGaussian, p: DiagonalGaussian): tf.Tensor1D {
  return tf.tidy(() => {
    const varianceQ = tf.exp(tf.mul(q.logStd, 2));
    const varianceP = tf.exp(tf.mul(p.logStd, 2));
    const perDimension = tf
      .sub(p.logStd, q.logStd)
      .add(tf.div(tf.add(varianceQ, tf.squaredDifference(q.mean, p.mean)), tf.mul(varianceP, 2)))
      .sub(0.5);
    return tf.sum(perDimension, 1) as tf.Tensor1D;
  });
}

/** log N(z; 0, I) per row: −½ Σ_d z_d² − (D/2) log 2π. */
export function logStandardNormal(z: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), z.shape[1] * HALF_LOG_TWO_PI) as tf.Tensor1D);
}

/** log q(z) for z = μ + σ ⊙ ε drawn from `q`, per row: Σ_d [ −½ ε_d² − log σ_d ] − (D/2) log 2π. */
export function logPosterior(q: DiagonalGaussian, noise: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sub(tf.sub(tf.mul(tf.sum(tf.square(noise), 1), -0.5), tf.sum(q.logStd, 1)), noise.shape[1] * HALF_LOG_TWO_PI) as tf.Tensor1D);
}

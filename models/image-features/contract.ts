/**
 * What a feature model answers through the model server (`image-features`, and `learned-features`,
 * which takes the same input): a photo's pixels in, one feature vector out.
 */
export interface ImageFeatureInput {
  /** size × size × 3 RGB values in [0, 1], row-major. */
  pixels: Float32Array;
}

export interface ImageFeatureOutput {
  vector: Float32Array;
}

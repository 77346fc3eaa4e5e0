/**
 * What the multimodal DBM answers through the model server (model name `multimodal-dbm`).
 *
 * - `tags`: image features (one upload's 620-d vector from `image-features`) → every vocabulary
 *   word with p(word | image) and its ranking score, highest score first. Each mean-field step is
 *   reported as progress with `preview: { tags: TagScore[] }` (the current top tags), so a page can
 *   show the list settling.
 * - `image-code`: image features → the words the DBM generates for the photo (ranking scores over
 *   the vocabulary, unit length).
 * - `text-code`: words → the query as a unit-length indicator over the vocabulary. Ranking photos
 *   by the Euclidean distance between the two codes is tags → photos: the nearest photos are those
 *   whose generated words score the query's words highest. (Inferring the image pathway's top
 *   layer from the words, the paper's cross-modal route, ranked photos no better than chance on
 *   held-out training photos here — see scripts/tune.ts — so the product uses generated words.)
 */
export const MODEL_NAME = 'multimodal-dbm';

export interface TagScore {
  word: string;
  /** p(word | image). */
  probability: number;
  /**
   * What the words are ranked by, relative to the top word (1): p(word | image) / p(word)^α over
   * the top word's, with p(word) the word's training frequency and α from the checkpoint's
   * `ranking`. A checkpoint without one ranks by p(word | image), and this is p over the top p.
   */
  score: number;
}

export type MultimodalDbmInput =
  | { task: 'tags'; features: Float32Array; steps?: number }
  | { task: 'image-code'; features: Float32Array }
  | { task: 'text-code'; words: string[] };

export type MultimodalDbmOutput = { tags: TagScore[]; steps: number } | { code: Float32Array };

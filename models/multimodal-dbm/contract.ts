/**
 * What the multimodal DBM answers through the model server (model name `multimodal-dbm`).
 *
 * - `tags`: image features (one upload's 620-d vector from `image-features`) → every vocabulary
 *   word with p(word | image), highest first. Each mean-field step is reported as progress with
 *   `preview: { tags: TagScore[] }` (the current top tags), so a page can show the list settling.
 * - `image-code`: image features → the image pathway's top hidden layer, inferred from the image.
 * - `text-code`: words → the same layer, inferred from the words alone (image left free). Ranking
 *   photos by the distance between the two codes is tags → photos.
 */
export const MODEL_NAME = 'multimodal-dbm';

export interface TagScore {
  word: string;
  probability: number;
}

export type MultimodalDbmInput =
  | { task: 'tags'; features: Float32Array; steps?: number }
  | { task: 'image-code'; features: Float32Array }
  | { task: 'text-code'; words: string[] };

export type MultimodalDbmOutput = { tags: TagScore[]; steps: number } | { code: Float32Array };

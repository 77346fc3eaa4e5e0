/**
 * The model server's `learned-features`: a photo's 128×128 pixels (the same input as
 * `image-features`) → the joined vector of `joinedFeatures` (learned features ⊕ GIST+colour),
 * which the Flickr-trained tagger reads and "similar photos" compares.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BatchContext, ServableModel } from '@/lib/model-server/types';
import { FEATURE_VERSION, gaborBank, imageFeatures, type ImageFeatureInput, type ImageFeatureOutput } from '@/models/image-features/model';
import { CHECKPOINT_DIR, createExtractor, deserialiseWeights, joinedFeatures, type LearnedFeatureConfig, type LearnedFeatureExtractor } from './model';
import type * as tf from '@tensorflow/tfjs';

export interface LoadedFeatures {
  extractor: LearnedFeatureExtractor;
  bank: tf.Tensor4D;
  version: string;
}

/** The extractor of a checkpoint folder and the version its vectors carry (weights, config and GIST's version). */
export async function loadJoinedFeatures(dir: string = CHECKPOINT_DIR): Promise<LoadedFeatures> {
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as { config: LearnedFeatureConfig };
  const bytes = new Uint8Array(await fs.readFile(path.join(dir, 'weights.bin')));
  const extractor = createExtractor(deserialiseWeights(bytes, meta.config));
  const hash = crypto.createHash('sha256').update(bytes).update(JSON.stringify(meta.config)).update(FEATURE_VERSION).digest('hex').slice(0, 12);
  return { extractor, bank: gaborBank(), version: `learned-${hash}` };
}

/** Joined vectors of photos given as 128×128 pixels. */
export function computeJoinedFeatures(inputs: ImageFeatureInput[], loaded: LoadedFeatures): Float32Array[] {
  const gistColour = imageFeatures(inputs, loaded.bank);
  return joinedFeatures(
    inputs.map((i) => i.pixels),
    loaded.extractor,
    gistColour,
  );
}

let loading: Promise<LoadedFeatures> | undefined;

export const servable: ServableModel<ImageFeatureInput, ImageFeatureOutput> = {
  async load() {
    loading ??= loadJoinedFeatures();
    return { version: (await loading).version };
  },
  async runBatch(inputs: ImageFeatureInput[], _ctx: BatchContext) {
    const loaded = await (loading ??= loadJoinedFeatures());
    return computeJoinedFeatures(inputs, loaded).map((vector) => ({ vector }));
  },
};

/**
 * Hand-made image features (colour histogram + GIST): what the Corel-5k tagger reads, and the
 * baseline every learned representation is measured against. Not trained, so it has no card.
 */
import { defineServable } from '@/lib/model-server/servable';
import { defineModel } from '../manifest';
import type { ImageFeatureInput, ImageFeatureOutput } from './contract';

export type { ImageFeatureInput, ImageFeatureOutput } from './contract';

/** Fast and tiny per image: batched generously. */
export const IMAGE_FEATURES = defineServable<ImageFeatureInput, ImageFeatureOutput>({
  name: 'image-features',
  module: 'models/image-features/model.ts',
  maxBatch: 32,
  timeoutMs: 20_000,
});

export const manifest = defineModel({
  id: 'image-features',
  servables: [IMAGE_FEATURES],
  cards: [],
  evaluations: [],
});

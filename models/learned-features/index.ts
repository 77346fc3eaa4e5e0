/**
 * Image features learned without labels (Coates & Ng's single layer), joined with the hand-made
 * colour + GIST: what "similar photos" compares and what the Flickr8k tagger reads.
 */
import { defineServable } from '@/lib/model-server/servable';
import type { ImageFeatureInput, ImageFeatureOutput } from '@/models/image-features';
import { defineModel } from '../manifest';
import { COATES_LEE_NG } from '../papers';

/** A convolution and one matmul per photo: batched. Same contract as `image-features`. */
export const LEARNED_FEATURES = defineServable<ImageFeatureInput, ImageFeatureOutput>({
  name: 'learned-features',
  module: 'models/learned-features/serve.ts',
  checkpoint: 'models/learned-features/checkpoint',
  maxBatch: 16,
  timeoutMs: 20_000,
});

export const manifest = defineModel({
  id: 'learned-features',
  page: '/gallery',
  intro: {
    nav: 'Gallery',
    title: 'Gallery & similar photos',
    summary: 'Upload photos; each is stored safely, described by image features the project learned itself from training photos, and shown with the most similar photos already here.',
  },
  servables: [LEARNED_FEATURES],
  cards: [
    {
      name: 'Learned image features',
      task: 'What a photo looks like, as numbers: the basis of similar photos and of the Flickr8k tagger',
      papers: [COATES_LEE_NG],
      architecture:
        '800 spherical k-means centroids of whitened 6×6 colour patches, learned without labels from Corel-5k’s and Flickr8k’s training photos; a photo squashed to 64×64 is convolved with them at stride 2, each response passed through the triangle activation and summed over 2×2 quadrants (3,200 numbers), then joined with the 620 colour + GIST numbers.',
    },
  ],
  evaluations: [],
});

/**
 * Semantic hashing (Salakhutdinov & Hinton): similar digits by their short binary codes. Its
 * figures are served through the foundations lab.
 */
import { defineModel } from '../manifest';
import { HINTON_SALAKHUTDINOV } from '../papers';

export const manifest = defineModel({
  id: 'semantic-hashing',
  page: '/foundations',
  servables: [],
  cards: [
    {
      name: 'Semantic hashing',
      task: 'Similar digits by their short binary codes',
      papers: [
        { authors: 'R. Salakhutdinov, G. E. Hinton', title: 'Semantic hashing', venue: 'International Journal of Approximate Reasoning 50, 2009', url: 'https://doi.org/10.1016/j.ijar.2008.11.006' },
        HINTON_SALAKHUTDINOV,
      ],
      architecture:
        'The deep autoencoder 784-500-250 with a 32-unit logistic code layer, made binary by Gaussian noise added to its inputs during training (started from the autoencoder’s weights); images are retrieved by the Hamming distance between their codes.',
      evaluate: 'npx tsx models/semantic-hashing/evaluate.ts',
    },
  ],
  evaluations: [],
});

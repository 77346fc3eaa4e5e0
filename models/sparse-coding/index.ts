/**
 * Sparse coding of natural-image patches (Olshausen & Field): the edge-like bases photos are made
 * of. Its figures are served through the foundations lab.
 */
import { defineModel } from '../manifest';

export const manifest = defineModel({
  id: 'sparse-coding',
  page: '/foundations',
  servables: [],
  cards: [
    {
      name: 'Sparse coding of image patches',
      task: 'The edge-like bases natural images are made of, and the sparse code of a patch',
      papers: [
        {
          authors: 'B. A. Olshausen, D. J. Field',
          title: 'Emergence of simple-cell receptive field properties by learning a sparse code for natural images',
          venue: 'Nature 381, 1996',
          url: 'https://doi.org/10.1038/381607a0',
        },
      ],
      architecture: '192 unit-norm bases (1.3× overcomplete) for ZCA-whitened 12×12 grey patches of the Corel-5k training photos, learned by alternating a lasso step (FISTA) with a least-squares update of each basis.',
      evaluate: 'npx tsx models/sparse-coding/evaluate.ts',
    },
  ],
  evaluations: [],
});

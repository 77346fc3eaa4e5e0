/**
 * A deep belief net (Hinton, Osindero & Teh): digits dreamed by a stack of RBMs, its held-out
 * likelihood bounded with AIS. Its figures are served through the foundations lab.
 */
import { defineModel } from '../manifest';
import { SALAKHUTDINOV_MURRAY } from '../papers';

export const manifest = defineModel({
  id: 'dbn',
  page: '/foundations',
  servables: [],
  cards: [
    {
      name: 'Deep belief net',
      task: 'Digits dreamed by a stack of RBMs',
      papers: [
        { authors: 'G. E. Hinton, S. Osindero, Y.-W. Teh', title: 'A Fast Learning Algorithm for Deep Belief Nets', venue: 'Neural Computation 18, 2006', url: 'https://doi.org/10.1162/neco.2006.18.7.1527' },
        SALAKHUTDINOV_MURRAY,
      ],
      architecture:
        'Two RBMs, 784-500 and 500-500, trained greedily on binarised MNIST with the shared Boltzmann blocks (CD-k rising to 10); samples come from the top RBM’s Gibbs chain passed down the directed layer. Held-out log-likelihood is bounded below with log Z of the top RBM by annealed importance sampling.',
      evaluate: 'npx tsx models/dbn/evaluate.ts',
    },
  ],
  evaluations: [],
});

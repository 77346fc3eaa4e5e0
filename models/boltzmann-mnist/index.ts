/**
 * The correctness check of the shared Boltzmann blocks on MNIST: a binary RBM and a two-layer DBM,
 * their log-likelihoods estimated by annealed importance sampling against the papers' figures. No
 * page: it is measured, not used.
 */
import { defineModel } from '../manifest';
import { SALAKHUTDINOV_MURRAY } from '../papers';

export const manifest = defineModel({
  id: 'boltzmann-mnist',
  servables: [],
  cards: [
    {
      name: 'Boltzmann machines on MNIST (RBM and DBM)',
      task: 'How probable a handwritten digit is, as an estimated log-likelihood',
      papers: [
        SALAKHUTDINOV_MURRAY,
        {
          authors: 'R. Salakhutdinov, G. Hinton',
          title: 'Deep Boltzmann Machines',
          venue: 'AISTATS 2009',
          url: 'https://proceedings.mlr.press/v5/salakhutdinov09a.html',
        },
      ],
      architecture:
        'A binary RBM and a two-layer Deep Boltzmann Machine over binarised MNIST digits, from the shared Boltzmann blocks; log-likelihoods are estimated with annealed importance sampling.',
      evaluate: 'npm run eval:boltzmann',
    },
  ],
  evaluations: [{ script: 'eval:boltzmann', module: 'models/boltzmann-mnist/evaluate.ts', what: 'log Z and held-out log-likelihood of the RBM and the DBM by AIS, beside exact baselines and the papers' }],
});

/**
 * The variational autoencoder and the importance-weighted autoencoder (Burda, Grosse &
 * Salakhutdinov): the same networks trained with one and with several importance samples. Its
 * figures are served through the foundations lab.
 */
import { defineModel } from '../manifest';

export const manifest = defineModel({
  id: 'iwae',
  page: '/foundations',
  servables: [],
  cards: [
    {
      name: 'VAE and IWAE',
      task: 'The same networks trained with one and with several importance samples',
      papers: [
        { authors: 'D. P. Kingma, M. Welling', title: 'Auto-Encoding Variational Bayes', venue: 'ICLR 2014', url: 'https://arxiv.org/abs/1312.6114' },
        { authors: 'Y. Burda, R. Grosse, R. Salakhutdinov', title: 'Importance Weighted Autoencoders', venue: 'ICLR 2016', url: 'https://arxiv.org/abs/1509.00519' },
      ],
      architecture:
        'One stochastic layer: an encoder 784-200-200 → 50-d Gaussian, a decoder 50-200-200 → 784 Bernoulli pixels (Burda et al.’s shape); one copy trained on the variational bound, one on the importance-weighted bound.',
      evaluate: 'npx tsx models/iwae/evaluate.ts',
    },
  ],
  evaluations: [],
});

/**
 * Autoencoders against principal components (Hinton & Salakhutdinov, Science 2006). Its figures
 * are served through the foundations lab.
 */
import { defineModel } from '../manifest';
import { HINTON_SALAKHUTDINOV } from '../papers';

export const manifest = defineModel({
  id: 'autoencoder',
  page: '/foundations',
  servables: [],
  cards: [
    {
      name: 'Autoencoders vs PCA',
      task: 'What a linear and a deep autoencoder keep of a digit in 30 numbers, next to PCA',
      papers: [HINTON_SALAKHUTDINOV],
      architecture:
        'A linear autoencoder with 10 units, and a deep autoencoder 784-500-250-30 (logistic hidden layers, a linear 30-dimensional code, trained with Adam from random weights, no RBM pretraining), on MNIST digits, each next to PCA with as many components.',
      evaluate: 'npx tsx models/autoencoder/evaluate.ts',
    },
  ],
  evaluations: [],
});

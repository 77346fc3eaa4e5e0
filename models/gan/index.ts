/**
 * A deep convolutional GAN (Goodfellow et al.; Radford et al.'s shapes): samples, latent walks and
 * the generator/discriminator game, on MNIST digits and Omniglot characters.
 */
import type { Paper } from '@/lib/model-cards/catalog';
import { defineServable } from '@/lib/model-server/servable';
import { defineModel } from '../manifest';
import type { GanInput, GanModel, GanOutput } from './contract';

export * from './contract';
export { loadMeta, loadSnapshots, SNAPSHOT_LATENTS, type GanMeta, type HistoryPoint } from './training-record';

// A generator's forward pass over 64 latents costs little more than over one: batched.
export const GAN_SERVABLES = {
  'gan-mnist': defineServable<GanInput, GanOutput>({
    name: 'gan-mnist',
    module: 'models/gan/serve.ts',
    checkpoint: 'models/gan/checkpoint-mnist',
    maxBatch: 16,
    timeoutMs: 15_000,
  }),
  'gan-omniglot': defineServable<GanInput, GanOutput>({
    name: 'gan-omniglot',
    module: 'models/gan/serve-omniglot.ts',
    checkpoint: 'models/gan/checkpoint-omniglot',
    maxBatch: 16,
    timeoutMs: 15_000,
  }),
} as const satisfies Record<GanModel, unknown>;

const GAN: Paper = { authors: 'I. Goodfellow et al.', title: 'Generative Adversarial Nets', venue: 'NIPS 2014', url: 'https://arxiv.org/abs/1406.2661' };
const DCGAN: Paper = {
  authors: 'A. Radford, L. Metz, S. Chintala',
  title: 'Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks',
  venue: 'ICLR 2016',
  url: 'https://arxiv.org/abs/1511.06434',
};

export const manifest = defineModel({
  id: 'gan',
  page: '/gan',
  intro: {
    nav: 'GAN',
    title: 'GAN playground',
    summary:
      'Sample handwritten digits or characters from a generative adversarial network, walk between two samples’ latent vectors, vary one, and watch the generator/discriminator game as it was trained.',
  },
  servables: [GAN_SERVABLES['gan-mnist'], GAN_SERVABLES['gan-omniglot']],
  cards: [
    {
      checkpoint: 'checkpoint-mnist',
      name: 'DCGAN on MNIST digits',
      task: 'Samples, latent walks and the training game',
      papers: [GAN, DCGAN],
      architecture:
        'A generator (64-d latent → dense 7×7×64 → two 5×5 transposed convolutions with batch norm → 28×28 tanh) against a discriminator (two 5×5 strided convolutions, leaky ReLU, batch norm → a logit), trained with the non-saturating loss.',
      evaluate: 'npm run eval:gan',
    },
    {
      checkpoint: 'checkpoint-omniglot',
      name: 'DCGAN on Omniglot characters',
      task: 'Samples, latent walks and the training game',
      papers: [GAN, DCGAN],
      architecture: 'The MNIST model’s DCGAN on Omniglot characters shrunk to 28×28.',
      evaluate: 'npm run eval:gan',
    },
  ],
  evaluations: [{ script: 'eval:gan', module: 'models/gan/evaluate.ts', what: 'Fréchet distance and classifier scores of GAN samples beside a VAE and the real images, per dataset' }],
});

/**
 * The foundations lab (/foundations): the tutorial's building blocks' figures, each from its own
 * block's checkpoint, served as one model; the blocks themselves are their own folders (sparse
 * coding, autoencoders vs PCA, semantic hashing, the deep belief net, VAE and IWAE).
 */
import { defineServable } from '@/lib/model-server/servable';
import { defineModel } from '../manifest';
import type { FigureRequest, FigureResponse } from './contract';

export * from './contract';

/** One figure per request, each from its own block's checkpoint. */
export const FOUNDATIONS = defineServable<FigureRequest, FigureResponse>({
  name: 'foundations',
  module: 'models/foundations/serve.ts',
  maxBatch: 1,
});

export const manifest = defineModel({
  id: 'foundations',
  page: '/foundations',
  intro: {
    nav: 'Foundations',
    title: 'Foundations lab',
    summary:
      'The tutorial’s building blocks — sparse coding, autoencoders vs PCA, semantic hashing, a deep belief net, VAE and IWAE — each showing what it learned and the number it scores.',
  },
  servables: [FOUNDATIONS],
  cards: [],
  evaluations: [{ script: 'eval:foundations', module: 'models/foundations/evaluate.ts', what: 'Every building block’s number on held-out data, beside its baseline' }],
});

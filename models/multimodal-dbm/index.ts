/**
 * The multimodal Deep Boltzmann Machine (Srivastava & Salakhutdinov): photo → tags and tags →
 * photos. Two checkpoints, each its own servable: the Flickr8k tagger (the page's default) and the
 * Corel-5k tagger.
 */
import { defineServable } from '@/lib/model-server/servable';
import type { Paper } from '@/lib/model-cards/catalog';
import { defineModel } from '../manifest';
import { COATES_LEE_NG } from '../papers';
import type { MultimodalDbmInput, MultimodalDbmOutput } from './contract';

export * from './contract';

/** Mean-field over a batch of photos costs little more than over one: batched. */
export const COREL_TAGGER = defineServable<MultimodalDbmInput, MultimodalDbmOutput>({
  name: 'multimodal-dbm',
  module: 'models/multimodal-dbm/model.ts',
  checkpoint: 'models/multimodal-dbm/checkpoint',
  maxBatch: 64,
  timeoutMs: 20_000,
});

export const FLICKR_TAGGER = defineServable<MultimodalDbmInput, MultimodalDbmOutput>({
  name: 'multimodal-dbm-flickr',
  module: 'models/multimodal-dbm/serve-flickr.ts',
  checkpoint: 'models/multimodal-dbm/checkpoint-flickr',
  maxBatch: 64,
  timeoutMs: 20_000,
});

const MULTIMODAL_DBM: Paper = {
  authors: 'N. Srivastava, R. Salakhutdinov',
  title: 'Multimodal Learning with Deep Boltzmann Machines',
  venue: 'NIPS 2012; JMLR 15, 2014',
  url: 'https://jmlr.org/papers/v15/srivastava14b.html',
};

const MULTI_PREDICTION: Paper = {
  authors: 'I. Goodfellow, M. Mirza, A. Courville, Y. Bengio',
  title: 'Multi-Prediction Deep Boltzmann Machines',
  venue: 'NIPS 2013',
  url: 'https://papers.nips.cc/paper_files/paper/2013/hash/0bb4aec1710521c12ee76289d9440817-Abstract.html',
};

export const manifest = defineModel({
  id: 'multimodal-dbm',
  page: '/tags',
  intro: {
    nav: 'Tags',
    title: 'Photo → tags',
    summary:
      'Upload a photo and get the words that fit it, from a tagger trained on everyday photos and their captions (or one trained on stock photos), then keep, remove or add your own; type words and get matching photos. A multimodal Deep Boltzmann Machine.',
  },
  servables: [COREL_TAGGER, FLICKR_TAGGER],
  cards: [
    {
      name: 'Multimodal Deep Boltzmann Machine',
      task: 'Photo → tags, and tags → photos',
      papers: [MULTIMODAL_DBM, MULTI_PREDICTION],
      architecture:
        'An image pathway (Gaussian RBM over 620 colour + GIST features, then a hidden layer) and a text pathway (Replicated Softmax over the 374-word vocabulary, then a hidden layer), joined by a shared top layer. Trained as a generative model (greedy pretraining, then mean-field + persistent chains), then fine-tuned by backpropagation through its own mean-field inference to predict the tags from the photo (multi-prediction training). Tags come from mean-field inference of the text units given the image.',
      evaluate: 'npm run eval:tags',
    },
    {
      checkpoint: 'checkpoint-flickr',
      name: 'Multimodal Deep Boltzmann Machine (Flickr8k)',
      task: 'Photo → tags on everyday photos (the default tagger), and tags → your photos',
      papers: [MULTIMODAL_DBM, COATES_LEE_NG],
      architecture:
        'The same machine as the Corel-5k tagger, trained on Flickr8k: an image pathway (Gaussian RBM over 3,820 numbers — 3,200 learned features, the pooled triangle activations of 800 k-means centroids of whitened 6×6 colour patches learned from the training photos without labels, joined with colour + GIST — then a hidden layer) and a text pathway (Replicated Softmax over 370 content words taken from the photos’ captions, then a hidden layer), joined by a shared top layer; generative training, then backpropagation through its own mean-field to predict the words from the photo.',
      evaluate: 'npm run eval:tags',
    },
  ],
  evaluations: [{ script: 'eval:tags', module: 'models/multimodal-dbm/evaluate.ts', what: 'Photo → tags on Corel-5k and Flickr8k test photos, beside kNN and the tag-frequency prior' }],
});

/**
 * alignDRAW (Mansimov, Parisotto, Ba & Salakhutdinov): caption → images, drawn step by step while
 * attending to the caption's words. Three checkpoints: MNIST with Captions, Corel-5k photos and
 * Flickr8k photos with their sentences.
 */
import type { Paper } from '@/lib/model-cards/catalog';
import { defineServable } from '@/lib/model-server/servable';
import { defineModel } from '../manifest';
import type { CaptionModel, DrawInput, Drawing } from './contract';
import { COREL_CHECKPOINT_DIR, FLICKR_CHECKPOINT_DIR, MNIST_CHECKPOINT_DIR } from './tokenizer';

export * from './contract';
export { CaptionGrammarError, captionText, HELD_OUT_CAPTIONS, isHeldOut, parseCaption, type CaptionStructure } from './data';
export { CaptionTokenizer, UnknownWordsError } from './tokenizer';

// One caption per request: its samples already share one forward pass, and a drawing streams its
// steps to one page.
export const CAPTION_SERVABLES = {
  'align-draw-mnist': defineServable<DrawInput, Drawing>({
    name: 'align-draw-mnist',
    module: 'models/align-draw/serve.ts',
    checkpoint: MNIST_CHECKPOINT_DIR,
    maxBatch: 1,
  }),
  'align-draw-corel': defineServable<DrawInput, Drawing>({
    name: 'align-draw-corel',
    module: 'models/align-draw/serve-corel.ts',
    checkpoint: COREL_CHECKPOINT_DIR,
    maxBatch: 1,
  }),
  'align-draw-flickr': defineServable<DrawInput, Drawing>({
    name: 'align-draw-flickr',
    module: 'models/align-draw/serve-flickr.ts',
    checkpoint: FLICKR_CHECKPOINT_DIR,
    maxBatch: 1,
  }),
} as const satisfies Record<CaptionModel, unknown>;

const ALIGN_DRAW: Paper = {
  authors: 'E. Mansimov, E. Parisotto, J. L. Ba, R. Salakhutdinov',
  title: 'Generating Images from Captions with Attention',
  venue: 'ICLR 2016',
  url: 'https://arxiv.org/abs/1511.02793',
};

export const manifest = defineModel({
  id: 'align-draw',
  page: '/caption',
  intro: {
    nav: 'Caption',
    title: 'Caption → images',
    summary: 'Type a caption and watch alignDRAW draw it step by step; see which of your words each step attended to, and draw it again from the gallery with the same seed.',
  },
  servables: [CAPTION_SERVABLES['align-draw-mnist'], CAPTION_SERVABLES['align-draw-corel'], CAPTION_SERVABLES['align-draw-flickr']],
  cards: [
    {
      name: 'alignDRAW',
      task: 'Caption → images, drawn step by step',
      papers: [ALIGN_DRAW],
      architecture: 'A bidirectional-LSTM caption encoder and a DRAW recurrent variational autoencoder with read/write attention, aligned to the words at every step.',
      evaluate: 'npm run eval:caption',
    },
    {
      checkpoint: 'checkpoint-corel',
      name: 'alignDRAW on Corel-5k photos',
      task: 'Caption of tags → 32×32 colour pictures',
      papers: [ALIGN_DRAW],
      architecture: 'The MNIST model’s alignDRAW on a 32×32 three-channel canvas, reading captions made of Corel-5k tags: the paper’s COCO setup in miniature.',
      evaluate: 'npm run eval:caption-corel',
    },
    {
      checkpoint: 'checkpoint-flickr',
      name: 'alignDRAW on Flickr8k photos',
      task: 'Any English sentence → 32×32 colour pictures',
      papers: [ALIGN_DRAW],
      architecture:
        'The same alignDRAW on a 32×32 three-channel canvas, reading sentences in 2,000 word pieces (WordPiece) learned from Flickr8k’s 30,000 training sentences: the paper’s COCO experiment on Flickr8k’s everyday photos.',
      evaluate: 'npm run eval:caption-flickr',
    },
  ],
  evaluations: [
    { script: 'eval:caption', module: 'models/align-draw/evaluate.ts', what: 'MNIST with Captions: the lower bound beside baselines, and how often drawings are right' },
    { script: 'eval:caption-corel', module: 'models/align-draw/evaluate-corel.ts', what: 'Corel-5k photos: the lower bound with own vs other captions, and the tag judge' },
    { script: 'eval:caption-flickr', module: 'models/align-draw/evaluate-flickr.ts', what: 'Flickr8k photos: the lower bound with own vs unrelated sentences and vs independent pixels, and the judge of drawings by learned features' },
  ],
});

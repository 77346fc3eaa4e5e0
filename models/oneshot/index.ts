/**
 * One-shot generation and classification of handwritten characters (Lake, Salakhutdinov &
 * Tenenbaum): draw one character, get new variants of it; match it among a run's 20 characters.
 */
import { defineServable } from '@/lib/model-server/servable';
import { defineModel } from '../manifest';
import type { OneShotInput, OneShotOutput } from './contract';

export * from './contract';
export { MAX_INK_PX, MAX_POINTS, MAX_STROKES, modelDrawing, overLimits } from './limits';
export { parseImage } from './parse';

// One drawing per request: its variants stream one by one to one page, and a classification
// compares one drawing with a run's 20 characters.
export const ONESHOT = defineServable<OneShotInput, OneShotOutput>({
  name: 'oneshot',
  module: 'models/oneshot/serve.ts',
  checkpoint: 'models/oneshot/checkpoint',
  maxBatch: 1,
  timeoutMs: 20_000,
});

export const manifest = defineModel({
  id: 'oneshot',
  page: '/oneshot',
  intro: {
    nav: 'One-shot',
    title: 'One-shot characters',
    summary: 'Draw one character and get new variants of it, drawn as other people would write it; see which of a run’s 20 characters it matches.',
  },
  servables: [ONESHOT],
  cards: [
    {
      name: 'One-shot generation and classification',
      task: 'Draw one character, get new variants; match it among 20',
      papers: [
        {
          authors: 'B. M. Lake, R. Salakhutdinov, J. B. Tenenbaum',
          title: 'Human-level concept learning through probabilistic program induction',
          venue: 'Science 350, 2015',
          url: 'https://doi.org/10.1126/science.aab3050',
        },
      ],
      architecture:
        'A stroke-level model of how people vary when they draw one character, fitted to Omniglot’s pen trajectories: the given drawing moved by a random affine map and a smooth random displacement field, redrawn with the pen. A drawing is classified by fitting each exemplar onto it and it onto each exemplar, the fits’ terms weighed as learned on background characters.',
      evaluate: 'npm run eval:oneshot',
    },
  ],
  evaluations: [{ script: 'eval:oneshot', module: 'models/oneshot/evaluate.ts', what: 'One-shot classification error on Lake’s 20 runs, class consistency and the visual Turing test proxy' }],
});

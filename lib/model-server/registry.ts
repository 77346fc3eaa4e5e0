/**
 * Every model the server can serve, and how it is batched. A model's `timeoutMs` is how long its
 * callers wait at most, queueing included; admission turns a request away at once when the work
 * ahead of it could not be done in that time. Models that answer in milliseconds get a deadline of
 * seconds; the rest take MODEL_TIMEOUT_MS. Every model may hold all workers but one (maxWorkers).
 */
import type { ModelSpec } from './types';

export const MODELS: ModelSpec[] = [
  // Fast and tiny per image: batch generously.
  { name: 'image-features', module: 'models/image-features/model.ts', maxBatch: 32, timeoutMs: 20_000 },
  // Learned features joined with GIST+colour: a convolution and one matmul per photo.
  { name: 'learned-features', module: 'models/learned-features/serve.ts', maxBatch: 16, timeoutMs: 20_000 },
  // Mean-field over a batch of photos costs little more than over one; codes batch by the hundred.
  { name: 'multimodal-dbm', module: 'models/multimodal-dbm/model.ts', maxBatch: 64, timeoutMs: 20_000 },
  { name: 'multimodal-dbm-flickr', module: 'models/multimodal-dbm/serve-flickr.ts', maxBatch: 64, timeoutMs: 20_000 },
  // One caption per request: its samples already share one forward pass, and a drawing streams
  // its steps to one page.
  { name: 'align-draw-mnist', module: 'models/align-draw/serve.ts', maxBatch: 1 },
  { name: 'align-draw-corel', module: 'models/align-draw/serve-corel.ts', maxBatch: 1 },
  // One drawing per request: its variants stream one by one to one page, and a classification
  // compares one drawing with a run's 20 characters.
  { name: 'oneshot', module: 'models/oneshot/serve.ts', maxBatch: 1, timeoutMs: 20_000 },
  // A generator's forward pass over 64 latents costs little more than over one: batch requests.
  { name: 'gan-mnist', module: 'models/gan/serve.ts', maxBatch: 16, timeoutMs: 15_000 },
  { name: 'gan-omniglot', module: 'models/gan/serve-omniglot.ts', maxBatch: 16, timeoutMs: 15_000 },
  // The tutorial's building blocks' figures (/foundations): one figure per request, each from its
  // own block's checkpoint.
  { name: 'foundations', module: 'models/foundations/serve.ts', maxBatch: 1 },
];

/**
 * The model server's `multimodal-dbm-flickr`: the multimodal DBM trained on Flickr8k's training
 * photos and caption tags (`train-flickr.ts`), reading the joined learned features
 * (`models/learned-features/serve.ts`). Same tasks and contract as the Corel-5k tagger.
 */
import path from 'node:path';
import { servableFor } from './model';

export const FLICKR_CHECKPOINT_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'checkpoint-flickr');

export const servable = servableFor(FLICKR_CHECKPOINT_DIR);

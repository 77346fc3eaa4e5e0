/** alignDRAW on Flickr8k photos in the model server (`align-draw-flickr`): see serve.ts. */
import { servableFor } from './serve';
import { FLICKR_CHECKPOINT_DIR } from './tokenizer';

export const servable = servableFor(FLICKR_CHECKPOINT_DIR);

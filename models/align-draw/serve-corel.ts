/** alignDRAW on Corel-5k photos in the model server (`align-draw-corel`): see serve.ts. */
import { servableFor } from './serve';
import { COREL_CHECKPOINT_DIR } from './tokenizer';

export const servable = servableFor(COREL_CHECKPOINT_DIR);

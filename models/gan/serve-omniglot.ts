/** The GAN on Omniglot characters in the model server (`gan-omniglot`): see serve.ts. */
import { servableFor } from './serve';

export const servable = servableFor('omniglot');

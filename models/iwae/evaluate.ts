/**
 * The VAE and the IWAE on held-out MNIST: importance-sampled log-likelihood, L_50, L_5, ELBO and
 * active units, beside independent pixels and Burda et al.'s published figures (measure.ts).
 *
 *   npx tsx models/iwae/evaluate.ts [--json] [--write]
 */
import { runBlockEvaluation } from '@/models/blocks/evaluation-report';
import { CHECKPOINT_DIR } from './checkpoint';
import { measure } from './measure';

await runBlockEvaluation({ script: 'models/iwae/evaluate.ts', checkpointDir: CHECKPOINT_DIR, measure });

/**
 * The autoencoder block's numbers (measure.ts) as a table:
 *
 *   npx tsx models/autoencoder/evaluate.ts [--json] [--write]
 */
import { runBlockEvaluation } from '@/models/blocks/evaluation-report';
import { CHECKPOINT_DIR } from './checkpoint';
import { measure } from './measure';

await runBlockEvaluation({ script: 'models/autoencoder/evaluate.ts', checkpointDir: CHECKPOINT_DIR, measure });

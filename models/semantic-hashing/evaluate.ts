/**
 * The semantic-hashing block's numbers (measure.ts) as a table:
 *
 *   npx tsx models/semantic-hashing/evaluate.ts [--json] [--write]
 */
import { runBlockEvaluation } from '@/models/blocks/evaluation-report';
import { CHECKPOINT_DIR } from './checkpoint';
import { measure } from './measure';

await runBlockEvaluation({ script: 'models/semantic-hashing/evaluate.ts', checkpointDir: CHECKPOINT_DIR, measure });

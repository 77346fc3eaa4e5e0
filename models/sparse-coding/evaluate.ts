/**
 * The sparse code's numbers on held-out Corel-5k patches, beside PCA and a random dictionary
 * (measure.ts):
 *
 *   npx tsx models/sparse-coding/evaluate.ts [--json] [--write]
 */
import { runBlockEvaluation } from '@/models/blocks/evaluation-report';
import { CHECKPOINT_DIR } from './checkpoint';
import { measure } from './measure';

await runBlockEvaluation({ script: 'models/sparse-coding/evaluate.ts', checkpointDir: CHECKPOINT_DIR, measure });

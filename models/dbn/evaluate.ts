/**
 * The DBN's held-out lower bound beside its bottom RBM, the boltzmann-mnist RBM and the papers:
 *
 *   npx tsx models/dbn/evaluate.ts [--json] [--write]
 *
 * `--write` also writes checkpoint/evaluation.json and copies its numbers into meta.json's metrics.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseFlags } from '@/lib/cli/progress';
import { readMetaIfAny, writeMeta } from '@/models/blocks/checkpoint';
import { evaluationNumbers, runBlockEvaluation } from '@/models/blocks/evaluation-report';
import { measure } from './measure';
import { CHECKPOINT_DIR } from './model';

await runBlockEvaluation({ script: 'models/dbn/evaluate.ts', checkpointDir: CHECKPOINT_DIR, measure });
if (parseFlags().has('write')) {
  const evaluation = JSON.parse(await fs.readFile(path.join(CHECKPOINT_DIR, 'evaluation.json'), 'utf8'));
  await writeMeta(CHECKPOINT_DIR, { ...(await readMetaIfAny(CHECKPOINT_DIR)), metrics: { ...evaluationNumbers(evaluation), goalMet: evaluation.goal?.met ?? null } });
}

/**
 * Every foundations block's numbers in one command: each block's `measure.ts` run on its committed
 * checkpoint and held-out data, with its baseline measured in the same run and the published
 * figure beside it.
 *
 *   npm run eval:foundations                       every table (progress on stderr)
 *   npm run eval:foundations -- --json             {"<block>": {rowKey: {columnKey: value}}, ...}
 *   npm run eval:foundations -- --write            also writes each block's checkpoint/evaluation.json
 *   npm run eval:foundations -- --block dbn,iwae   some blocks only
 *
 * A block without a checkpoint is skipped with a line saying how to train it; the command fails
 * (exit code 1) if any block that has one cannot be measured.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseFlags } from '@/lib/cli/progress';
import { env } from '@/lib/env';
import type { Evaluation } from '@/lib/model-cards/evaluation';
import { initBackend } from '@/lib/tfjs/backend';
import { BLOCKS, type Block, type MeasureBlock } from './contract';
import { evaluationNumbers, formatEvaluation, writeEvaluation } from '@/models/blocks/evaluation-report';

const MEASURES: Record<Block, () => Promise<{ measure: MeasureBlock }>> = {
  'sparse-coding': () => import('@/models/sparse-coding/measure'),
  autoencoder: () => import('@/models/autoencoder/measure'),
  'semantic-hashing': () => import('@/models/semantic-hashing/measure'),
  dbn: () => import('@/models/dbn/measure'),
  iwae: () => import('@/models/iwae/measure'),
};

const flags = parseFlags();
const wanted = flags.has('block') ? String(flags.get('block')).split(',') : [...BLOCKS];
for (const name of wanted) if (!BLOCKS.includes(name as Block)) throw new Error(`--block must name blocks among ${BLOCKS.join(', ')}, got ${name}`);
const progress = (message: string) => process.stderr.write(`${message}\n`);
const command = `npm run eval:foundations -- ${process.argv.slice(2).join(' ')}`.trim();
const checkpointDir = (block: Block) => path.join(process.cwd(), 'models', block, 'checkpoint');

const backend = await initBackend(env.MODEL_BACKEND);
progress(`backend: ${backend.name}`);

const results: Partial<Record<Block, Evaluation>> = {};
const failed: string[] = [];
for (const block of wanted as Block[]) {
  if (!fs.existsSync(path.join(checkpointDir(block), 'meta.json'))) {
    progress(`${block}: no checkpoint in models/${block}/checkpoint (train it with npx tsx models/${block}/train.ts); skipped`);
    continue;
  }
  const started = Date.now();
  progress(`── ${block}`);
  try {
    const { measure } = await MEASURES[block]();
    results[block] = await measure({ command, progress: (message) => progress(`  ${message}`) });
    progress(`  ${block} measured in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (flags.has('write')) progress(`  wrote ${path.relative(process.cwd(), await writeEvaluation(checkpointDir(block), results[block]))}`);
  } catch (error) {
    failed.push(block);
    progress(`  ${block} could not be measured: ${(error as Error).stack ?? error}`);
  }
}

if (flags.has('json')) {
  process.stdout.write(`${JSON.stringify(Object.fromEntries(Object.entries(results).map(([block, evaluation]) => [block, evaluationNumbers(evaluation)])))}\n`);
} else {
  for (const [block, evaluation] of Object.entries(results)) {
    console.log(`\n━━ ${block}: ${evaluation.data}\n${evaluation.protocol}\n\n${formatEvaluation(evaluation)}`);
  }
}
if (failed.length) {
  progress(`Not measured: ${failed.join(', ')}`);
  process.exitCode = 1;
}

/**
 * Measuring a model from its committed checkpoint, and printing and saving the numbers (an
 * `Evaluation`, the model cards' format): shared by every foundations block's `evaluate.ts` and
 * by `npm run eval:foundations`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseFlags } from '@/lib/cli/progress';
import { env } from '@/lib/env';
import { EVALUATION_FILE, type Evaluation, type EvaluationColumn } from '@/lib/model-cards/evaluation';
import { initBackend } from '@/lib/tfjs/backend';

/** What a block's `measure.ts` exports as `measure`: its numbers, measured on its committed checkpoint. */
export type MeasureBlock = (options: MeasureOptions) => Promise<Evaluation>;

export interface MeasureOptions {
  /** The command line that asked for it, recorded in evaluation.json. */
  command: string;
  /** Progress lines (stderr). */
  progress: (message: string) => void;
}

const KIND_LABEL = { ours: 'ours', baseline: 'baseline', published: 'published' } as const;

function formatValue(value: number | null | undefined, column: EvaluationColumn): string {
  if (value === null || value === undefined) return '—';
  if (column.format === 'percent') return `${(100 * value).toFixed(1)}%`;
  if (column.format === 'count') return String(Math.round(value));
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : 4);
}

/** The evaluation as a plain-text table: one line per row, one column per measured quantity. */
export function formatEvaluation(evaluation: Evaluation): string {
  const header = ['', 'kind', ...evaluation.columns.map((c) => c.label)];
  const lines = evaluation.rows.map((row) => [row.label, KIND_LABEL[row.kind], ...evaluation.columns.map((c) => formatValue(row.values[c.key], c))]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const out = [render(header), widths.map((w) => '─'.repeat(w)).join('  '), ...lines.map(render)];
  const notes = evaluation.rows.filter((r) => r.note).map((r) => `  ${r.label}: ${r.note}`);
  if (notes.length) out.push('', ...notes);
  for (const column of evaluation.columns) if (column.help) out.push(`  ${column.label}: ${column.help}`);
  if (evaluation.goal) out.push('', `Goal: ${evaluation.goal.text} — ${evaluation.goal.met ? 'met' : 'NOT met'}${evaluation.goal.detail ? ` (${evaluation.goal.detail})` : ''}`);
  return out.join('\n');
}

/** `{ rowKey: { columnKey: value } }`, rounded: what `--json` prints for one block. */
export function evaluationNumbers(evaluation: Evaluation): Record<string, Record<string, number | null>> {
  const round = (v: number | null | undefined) => (v === null || v === undefined ? null : Number(v.toPrecision(6)));
  return Object.fromEntries(evaluation.rows.map((row) => [row.key, Object.fromEntries(evaluation.columns.map((c) => [c.key, round(row.values[c.key])]))]));
}

export async function writeEvaluation(checkpointDir: string, evaluation: Evaluation): Promise<string> {
  const file = path.join(checkpointDir, EVALUATION_FILE);
  await fs.writeFile(file, `${JSON.stringify(evaluation, null, 2)}\n`);
  return file;
}

/**
 * A block's `evaluate.ts`:
 *
 *   npx tsx models/<block>/evaluate.ts            the table (progress on stderr)
 *   npx tsx models/<block>/evaluate.ts --json     {rowKey: {columnKey: value}}
 *   npx tsx models/<block>/evaluate.ts --write    also writes checkpoint/evaluation.json for /models
 */
export async function runBlockEvaluation(options: { script: string; checkpointDir: string; measure: MeasureBlock }): Promise<void> {
  const flags = parseFlags();
  await initBackend(env.MODEL_BACKEND);
  const command = `npx tsx ${options.script} ${process.argv.slice(2).join(' ')}`.trim();
  const evaluation = await options.measure({ command, progress: (message) => process.stderr.write(`${message}\n`) });
  if (flags.has('json')) process.stdout.write(`${JSON.stringify(evaluationNumbers(evaluation))}\n`);
  else console.log(`\n${evaluation.model}: ${evaluation.data}\n${evaluation.protocol}\n\n${formatEvaluation(evaluation)}`);
  if (flags.has('write')) process.stderr.write(`Wrote ${path.relative(process.cwd(), await writeEvaluation(options.checkpointDir, evaluation))}\n`);
}

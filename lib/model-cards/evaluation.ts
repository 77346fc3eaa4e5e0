/**
 * `models/<name>/checkpoint/evaluation.json`: what a model's `evaluate.ts --write` measured, in a
 * shape any model can fill (its own columns), so the /models page renders every model's table the
 * same way. Rows are labelled by kind: this project's model, a baseline run in the same command, or
 * a figure published in a paper (not measured here).
 */
import { z } from 'zod';

export const EVALUATION_FILE = 'evaluation.json';

export const evaluationColumnSchema = z.object({
  key: z.string().min(1),
  label: z.string().min(1),
  /** `percent`: a fraction shown as a percentage; `count`: an integer; `number`: as is. */
  format: z.enum(['percent', 'count', 'number']),
  /** One line on what the number means. */
  help: z.string().optional(),
});

export const evaluationRowSchema = z.object({
  key: z.string().min(1),
  label: z.string().min(1),
  kind: z.enum(['ours', 'baseline', 'published']),
  /** By column key; null where the number is not known (e.g. a paper did not report it). */
  values: z.record(z.string(), z.number().nullable()),
  note: z.string().optional(),
});

export const evaluationSchema = z.object({
  model: z.string().min(1),
  /** ISO 8601. */
  date: z.string().min(1),
  /** The command that produced the file, to reproduce it. */
  command: z.string().min(1),
  /** What the numbers were measured on. */
  data: z.string().min(1),
  /** How they were measured, in a sentence or two. */
  protocol: z.string().min(1),
  modelVersion: z.string().min(1),
  featureVersion: z.string().optional(),
  columns: z.array(evaluationColumnSchema).min(1),
  rows: z.array(evaluationRowSchema),
  /** The bar this model is held to, and whether this evaluation clears it. */
  goal: z.object({ text: z.string().min(1), met: z.boolean(), detail: z.string().optional() }).optional(),
});

export type EvaluationColumn = z.infer<typeof evaluationColumnSchema>;
export type EvaluationRow = z.infer<typeof evaluationRowSchema>;
export type Evaluation = z.infer<typeof evaluationSchema>;

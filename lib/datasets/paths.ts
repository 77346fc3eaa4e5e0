/**
 * Where the datasets live, and the two ways reading them can fail:
 *
 * - a file or folder is missing → `AppError('DATASET_MISSING')` (404) naming the full path that
 *   was looked for and saying to set DATA_DIR;
 * - a file is there but is not what ../shared/data/README.md says → `DatasetFormatError`, naming
 *   the file (and line, for text files). That is a broken install, not the user's fault, so it is
 *   deliberately not an AppError: route handlers turn it into a generic INTERNAL and log it.
 *
 * Every loader takes an optional `dataDir` (default `env.DATA_DIR`); relative paths are resolved
 * against the working directory.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';

/** A dataset file that exists but does not have the documented format. */
export class DatasetFormatError extends Error {
  /** Absolute path of the bad file (or `zip!entry` for a file inside a zip). */
  readonly file: string;
  /** 1-based line number, for text files. */
  readonly line?: number;

  constructor(file: string, problem: string, options: { line?: number; cause?: unknown } = {}) {
    const where = options.line === undefined ? file : `${file}, line ${options.line}`;
    super(`Malformed dataset file ${where}: ${problem}`, { cause: options.cause });
    this.name = 'DatasetFormatError';
    this.file = file;
    this.line = options.line;
  }
}

/** The data folder as an absolute path. */
export function resolveDataDir(dataDir: string = env.DATA_DIR): string {
  return path.resolve(dataDir);
}

/**
 * The absolute path of `segments` inside the data folder, which must exist (file or folder).
 * Throws `AppError('DATASET_MISSING')` naming the path otherwise.
 */
export function datasetPath(dataDir: string | undefined, ...segments: string[]): string {
  const root = resolveDataDir(dataDir);
  const full = path.resolve(root, ...segments);
  if (!fs.existsSync(full)) {
    const rootNote = fs.existsSync(root)
      ? `DATA_DIR is ${root}`
      : `DATA_DIR is ${root}, which does not exist either`;
    throw new AppError(
      'DATASET_MISSING',
      `Dataset file not found: ${full}. Set DATA_DIR to the folder that holds the datasets ` +
        `(see shared/data/README.md); ${rootNote}.`,
      { details: { path: full, dataDir: root } },
    );
  }
  return full;
}

/** Reads a whole file, with a missing file reported as DATASET_MISSING. */
export async function readDatasetFile(dataDir: string | undefined, ...segments: string[]): Promise<Buffer> {
  return fsp.readFile(datasetPath(dataDir, ...segments));
}

/**
 * Parses a JSON Lines file (read whole; the largest here is 3.4 MB), validating each line with
 * `schema`. Blank lines are skipped; CRLF is tolerated. A bad line throws a DatasetFormatError
 * with its 1-based line number.
 */
export function parseJsonl<S extends z.ZodType>(text: string, schema: S, file: string): z.output<S>[] {
  const out: z.output<S>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new DatasetFormatError(file, `not valid JSON (${(error as Error).message})`, { line: i + 1, cause: error });
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`);
      throw new DatasetFormatError(file, issues.join('; '), { line: i + 1 });
    }
    out.push(result.data);
  }
  return out;
}

/** Reads and validates a JSON Lines file inside the data folder. */
export async function readJsonl<S extends z.ZodType>(
  schema: S,
  dataDir: string | undefined,
  ...segments: string[]
): Promise<{ file: string; records: z.output<S>[] }> {
  const file = datasetPath(dataDir, ...segments);
  const text = await fsp.readFile(file, 'utf8');
  return { file, records: parseJsonl(text, schema, file) };
}

/** A record's `file`: a relative path inside its dataset folder (no absolute paths, no `..`). */
export const relativeFileSchema = z
  .string()
  .min(1)
  .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), 'must be a relative path inside the dataset folder');

/** Joins a record's relative `file` to its dataset folder; `null`/absent stays `null`. */
export function resolveRecordFile(datasetDir: string, relative: string | null | undefined): string | null {
  return relative === null || relative === undefined ? null : path.join(datasetDir, relative);
}

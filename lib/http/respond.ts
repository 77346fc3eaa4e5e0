/** Turning results and failures into HTTP responses, in one place. */
import path from 'node:path';
import { z } from 'zod';
import { AppError, toAppError, withoutPaths } from '@/lib/errors';

/**
 * What an answer may say of an error. A missing dataset names its full path for the scripts that
 * train and evaluate; to a person on the network it is named inside DATA_DIR.
 */
function publicError(error: AppError): AppError {
  if (error.code !== 'DATASET_MISSING') return error;
  const { path: full, dataDir } = (error.details ?? {}) as { path?: unknown; dataDir?: unknown };
  const name = typeof full === 'string' && typeof dataDir === 'string' ? path.relative(dataDir, full) : undefined;
  const message = name && !name.startsWith('..') && !path.isAbsolute(name) ? `The dataset file ${name} is not installed on this server.` : withoutPaths(error.message);
  return new AppError('DATASET_MISSING', message, { retryAfter: error.retryAfter });
}

export function errorResponse(error: unknown): Response {
  const appError = publicError(toAppError(error));
  if (appError.code === 'INTERNAL') console.error('[latent-studio] unexpected error:', appError.cause ?? error);
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (appError.retryAfter !== undefined) headers['retry-after'] = String(appError.retryAfter);
  return Response.json({ error: appError.toJSON() }, { status: appError.status, headers });
}

/** Wraps a route handler so every failure becomes a JSON error with a code, never a bare 500. */
export function handler<Args extends unknown[]>(fn: (...args: Args) => Promise<Response>) {
  return async (...args: Args): Promise<Response> => {
    try {
      return await fn(...args);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const MAX_REPORTED_ISSUES = 10;

/** Parses with zod; a failure is a BAD_REQUEST that says which field is wrong and why. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // A body of thousands of wrong values is answered with the first few, not a megabyte of them.
  const issues = result.error.issues.slice(0, MAX_REPORTED_ISSUES);
  const more = result.error.issues.length - issues.length;
  const problems = issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  if (more > 0) problems.push(`and ${more.toLocaleString('en-US')} more`);
  throw new AppError('BAD_REQUEST', problems.join('; '), { details: issues.map(({ path, message }) => ({ path, message })) });
}

/** Route params like `[id]`, validated. */
export async function params<T extends z.ZodType>(schema: T, context: { params: Promise<unknown> }): Promise<z.infer<T>> {
  return parse(schema, await context.params);
}

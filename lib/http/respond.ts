/** Turning results and failures into HTTP responses, in one place. */
import { z } from 'zod';
import { AppError, toAppError } from '@/lib/errors';

export function errorResponse(error: unknown): Response {
  const appError = toAppError(error);
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

/** Parses with zod; a failure is a BAD_REQUEST that says which field is wrong and why. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  throw new AppError('BAD_REQUEST', problems.join('; '), { details: result.error.issues.map(({ path, message }) => ({ path, message })) });
}

/** Route params like `[id]`, validated. */
export async function params<T extends z.ZodType>(schema: T, context: { params: Promise<unknown> }): Promise<z.infer<T>> {
  return parse(schema, await context.params);
}

/**
 * A JSON request body: BAD_REQUEST when it is not JSON, or longer than `maxChars`; `example`
 * shows in the message what to send.
 */
export async function readJson(request: Request, options: { maxChars: number; example: string }): Promise<unknown> {
  if (!(request.headers.get('content-type') ?? '').startsWith('application/json')) throw new AppError('BAD_REQUEST', `Send JSON: ${options.example}.`);
  const text = await request.text();
  if (text.length > options.maxChars) throw new AppError('BAD_REQUEST', `The request is too long: at most ${options.maxChars.toLocaleString('en-US')} characters.`);
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', `The request body is not valid JSON. Send ${options.example}.`);
  }
}

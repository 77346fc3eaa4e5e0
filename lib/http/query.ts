import type { z } from 'zod';

/** What a page receives as `searchParams`: each field a string, repeated fields an array. */
export type SearchParams = Record<string, string | string[] | undefined>;

/**
 * One field of a page's address, checked on its own (the first value when repeated): a bad seed
 * does not throw away a good caption. Undefined when absent or invalid, so the page falls back to
 * its default for that field alone.
 */
export function queryField<T extends z.ZodType>(schema: T, value: string | string[] | undefined): z.infer<T> | undefined {
  const result = schema.safeParse(Array.isArray(value) ? value[0] : value);
  return result.success ? result.data : undefined;
}

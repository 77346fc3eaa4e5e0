/** Helpers shared by the service tests (not a test file itself). */
import type { AppError } from '@/lib/errors';

/** The error a call fails with; fails the test if the call succeeds. */
export async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a failure');
}

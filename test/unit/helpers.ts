/** Helpers shared by the service tests (not a test file itself). */
import type { z } from 'zod';
import type { AppError } from '@/lib/errors';
import { parse } from '@/lib/http/respond';
import { ModelServer } from '@/lib/model-server';
import { OWNER_COOKIE, sealCookie, type Owner } from '@/lib/owners';

/** Two anonymous owners (a browser each) and the administrator, for the service tests. */
export const ALICE: Owner = { ownerId: 'alice0000000000000000000000000001', admin: false, via: 'cookie' };
export const BOB: Owner = { ownerId: 'bob00000000000000000000000000002', admin: false, via: 'cookie' };
export const ADMIN: Owner = { ownerId: 'admin', admin: true, via: 'admin' };

/** A model server whose one model has no room in its queue: every request is SERVER_BUSY. */
export function refusingServer(name: string, module: string): ModelServer {
  return new ModelServer({
    models: [{ name, module, queueLimit: 0 }],
    workers: 1,
    backend: 'cpu',
    defaults: { maxBatch: 1, maxWaitMs: 0, queueLimit: 8, timeoutMs: 60_000 },
    root: process.cwd(),
  });
}

/** The error a call fails with; fails the test if the call succeeds. */
export async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a failure');
}

/** A service called as its route calls it: `body` checked with the route's schema first (BAD_REQUEST when it does not fit). */
export async function asRoute<S extends z.ZodType, R>(schema: S, body: unknown, call: (request: z.output<S>) => Promise<R>): Promise<R> {
  return call(parse(schema, body));
}

/** The headers of a browser request from `owner` (their sealed owner cookie), as a route reads them. */
export async function ownerHeaders(owner: Owner): Promise<{ cookie: string }> {
  return { cookie: `${OWNER_COOKIE}=${await sealCookie(owner.ownerId)}` };
}

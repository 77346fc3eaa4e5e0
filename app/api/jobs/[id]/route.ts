import { z } from 'zod';
import { handler, params } from '@/lib/http/respond';
import { getJobs } from '@/lib/jobs';
import { viewerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const jobId = z.object({ id: z.uuid('must be a job id') });

/** A job's status, latest progress and, once it has ended, its result or error. */
export const GET = handler(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await params(jobId, context);
  return Response.json(getJobs().get(await viewerOf(request.headers), id));
});

/** Cancels a running job. */
export const DELETE = handler(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await params(jobId, context);
  return Response.json(getJobs().cancel(await viewerOf(request.headers), id));
});

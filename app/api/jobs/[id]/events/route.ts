import { z } from 'zod';
import { handler, params } from '@/lib/http/respond';
import { eventStream } from '@/lib/http/sse';
import { getJobs } from '@/lib/jobs';
import { viewerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Server-sent events: `progress` while the job runs, then one `end` with its result or error. */
export const GET = handler(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await params(z.object({ id: z.uuid('must be a job id') }), context);
  const viewer = await viewerOf(request.headers);
  const jobs = getJobs();
  jobs.get(viewer, id); // a 404 before the stream starts, not inside it
  return eventStream(request, async (send, signal) => {
    let stop = () => {};
    await new Promise<void>((resolve) => {
      stop = jobs.follow(viewer, id, (event, job) => {
        send(event, job);
        if (event === 'end') resolve();
      });
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    stop();
  });
});

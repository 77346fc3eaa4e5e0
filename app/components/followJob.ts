/**
 * Following a job (lib/jobs) from a page: its server-sent events at /api/jobs/:id/events, parsed.
 * Returns the EventSource so the page can close it (on a new request, on leaving). Pages follow
 * their jobs through useJob(), which builds on this.
 */
export type JobFailure = { code: string; message: string; details?: unknown };

export interface JobEvent<Preview, Result> {
  status: 'running' | 'done' | 'failed' | 'cancelled';
  progress: { step: number; total: number; message?: string; preview?: Preview } | null;
  result: Result | null;
  error: JobFailure | null;
}

export function followJob<Preview, Result>(
  jobId: string,
  handlers: {
    onProgress: (job: JobEvent<Preview, Result>) => void;
    /** The job finished: done, failed or cancelled. The events are already closed. */
    onEnd: (job: JobEvent<Preview, Result>) => void;
    /** The connection dropped before the end. */
    onLost: () => void;
  },
): EventSource {
  const events = new EventSource(`/api/jobs/${jobId}/events`);
  events.addEventListener('progress', (event) => handlers.onProgress(JSON.parse((event as MessageEvent).data)));
  events.addEventListener('end', (event) => {
    events.close();
    handlers.onEnd(JSON.parse((event as MessageEvent).data));
  });
  events.onerror = () => {
    events.close();
    handlers.onLost();
  };
  return events;
}

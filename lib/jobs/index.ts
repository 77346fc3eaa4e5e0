/**
 * Long jobs that a page follows: each has an id, a status, its latest progress and, at the end,
 * a result or an error. Pages follow them as server-sent events (/api/jobs/:id/events) and can
 * cancel them (DELETE /api/jobs/:id). Jobs live in this process's memory for an hour after they end.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AppError, toAppError } from '@/lib/errors';
import type { ProgressEvent } from '@/lib/model-server';

export type JobStatus = 'running' | 'done' | 'failed' | 'cancelled';

export interface JobView {
  id: string;
  kind: string;
  status: JobStatus;
  progress: ProgressEvent | null;
  result: unknown;
  error: { code: string; message: string } | null;
  createdAt: string;
}

interface Job extends JobView {
  abort: AbortController;
  events: EventEmitter;
  endedAt?: number;
  /** Progress so far, so that a page that connects late still sees every step (a model's steps can all be over before it connects). */
  history: ProgressEvent[];
}

const KEEP_MS = 60 * 60 * 1000;
const KEEP_PROGRESS = 200;

export class JobRegistry {
  private readonly jobs = new Map<string, Job>();

  start<R>(kind: string, work: (report: (event: ProgressEvent) => void, signal: AbortSignal) => Promise<R>): JobView {
    this.sweep();
    const job: Job = {
      id: randomUUID(),
      kind,
      status: 'running',
      progress: null,
      result: null,
      error: null,
      createdAt: new Date().toISOString(),
      abort: new AbortController(),
      events: new EventEmitter(),
      history: [],
    };
    this.jobs.set(job.id, job);
    const report = (event: ProgressEvent) => {
      if (job.status !== 'running') return;
      job.progress = event;
      job.history.push(event);
      if (job.history.length > KEEP_PROGRESS) job.history.shift();
      job.events.emit('progress', event);
    };
    work(report, job.abort.signal).then(
      (result) => this.end(job, 'done', { result }),
      (error) => {
        const appError = toAppError(error);
        this.end(job, job.abort.signal.aborted ? 'cancelled' : 'failed', { error: appError.toJSON() });
      },
    );
    return view(job);
  }

  get(id: string): JobView {
    return view(this.find(id));
  }

  cancel(id: string): JobView {
    const job = this.find(id);
    if (job.status === 'running') job.abort.abort();
    return view(job);
  }

  /** Calls `onEvent` with the progress so far (the last 200 events), then every change, until the job ends; returns an unsubscribe. */
  follow(id: string, onEvent: (event: 'progress' | 'end', job: JobView) => void): () => void {
    const job = this.find(id);
    for (const progress of job.history) onEvent('progress', { ...view(job), progress });
    if (job.status !== 'running') {
      onEvent('end', view(job));
      return () => {};
    }
    const onProgress = () => onEvent('progress', view(job));
    const onEnd = () => onEvent('end', view(job));
    job.events.on('progress', onProgress);
    job.events.once('end', onEnd);
    return () => {
      job.events.off('progress', onProgress);
      job.events.off('end', onEnd);
    };
  }

  private find(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new AppError('NOT_FOUND', 'There is no job with this id. Jobs are kept for an hour after they finish.');
    return job;
  }

  private end(job: Job, status: JobStatus, outcome: { result?: unknown; error?: JobView['error'] }): void {
    job.status = status;
    job.result = outcome.result ?? null;
    job.error = outcome.error ?? null;
    job.endedAt = Date.now();
    job.events.emit('end');
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, job] of this.jobs) if (job.endedAt && now - job.endedAt > KEEP_MS) this.jobs.delete(id);
  }
}

function view({ id, kind, status, progress, result, error, createdAt }: Job): JobView {
  return { id, kind, status, progress, result, error, createdAt };
}

const holder = globalThis as typeof globalThis & { __latentStudioJobs?: JobRegistry };

export function getJobs(): JobRegistry {
  holder.__latentStudioJobs ??= new JobRegistry();
  return holder.__latentStudioJobs;
}

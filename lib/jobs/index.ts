/**
 * Long jobs that a page follows: each has an id, a status, its latest progress and, at the end,
 * a result or an error. Pages follow them as server-sent events (/api/jobs/:id/events) and can
 * cancel them (DELETE /api/jobs/:id).
 *
 * Jobs live in this process's memory, bounded. A job keeps its progress so far (at most 200
 * events and 4 MB of them) for a page that connects late — a fast job can be over before its page
 * connects — until two minutes after it ends, or sooner when the ended jobs' steps pass 64 MB in
 * all (the oldest go first); after that only its last progress and its result are kept (what it
 * made is in the gallery). An ended job is kept for 15 minutes, and never more than the 500 most
 * recent. Jobs do not outlive the process: after a restart an id is unknown, and the error says so.
 *
 * A job started for an owner (a tag run, a drawing) is theirs: another viewer gets the same
 * NOT_FOUND as for an unknown id (the administrator sees every job). A job with no owner (the
 * Corel-5k index being built) is anyone's to follow, and nobody's but the administrator's to cancel.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AppError, toAppError } from '@/lib/errors';
import type { ProgressEvent } from '@/lib/model-server';
import type { Viewer } from '@/lib/owners';

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
  /** Who started it; null for the server's own work. */
  ownerId: string | null;
  abort: AbortController;
  events: EventEmitter;
  endedAt?: number;
  /** Progress so far, so that a page that connects late still sees every step (a model's steps can all be over before it connects). */
  history: { event: ProgressEvent; bytes: number }[];
  historyBytes: number;
}

export interface JobLimits {
  /** How long an ended job stays known. */
  keepMs: number;
  /** Most ended jobs kept; the oldest go first. */
  keepEnded: number;
  /** Most progress events a running job keeps for late followers … */
  keepProgress: number;
  /** … and most bytes of them (the oldest go first). */
  keepProgressBytes: number;
  /** How long an ended job keeps its steps for a page that connects late … */
  keepStepsMs: number;
  /** … and most bytes of steps kept by ended jobs in all (the oldest jobs' go first). */
  keepEndedStepsBytes: number;
}

const MB = 1024 * 1024;
const LIMITS: JobLimits = {
  keepMs: 15 * 60 * 1000,
  keepEnded: 500,
  keepProgress: 200,
  keepProgressBytes: 4 * MB,
  keepStepsMs: 2 * 60 * 1000,
  keepEndedStepsBytes: 64 * MB,
};

export class JobRegistry {
  private readonly jobs = new Map<string, Job>();
  private readonly startedAt = new Date();
  private readonly limits: JobLimits;

  constructor(limits: Partial<JobLimits> = {}) {
    this.limits = { ...LIMITS, ...limits };
  }

  start<R>(kind: string, work: (report: (event: ProgressEvent) => void, signal: AbortSignal) => Promise<R>, options: { ownerId?: string | null } = {}): JobView {
    this.sweep();
    const job: Job = {
      ownerId: options.ownerId ?? null,
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
      historyBytes: 0,
    };
    this.jobs.set(job.id, job);
    const report = (event: ProgressEvent) => {
      if (job.status !== 'running') return;
      job.progress = event;
      const bytes = approximateBytes(event);
      job.history.push({ event, bytes });
      job.historyBytes += bytes;
      while (job.history.length > 1 && (job.history.length > this.limits.keepProgress || job.historyBytes > this.limits.keepProgressBytes)) {
        job.historyBytes -= job.history.shift()!.bytes;
      }
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

  get(viewer: Viewer, id: string): JobView {
    return view(this.find(id, viewer));
  }

  cancel(viewer: Viewer, id: string): JobView {
    const job = this.find(id, viewer);
    if (job.ownerId === null && !viewer.admin) throw new AppError('NOT_YOURS', 'This job is the server\'s own work: only the administrator can cancel it.');
    if (job.status === 'running') job.abort.abort();
    return view(job);
  }

  /** Calls `onEvent` with the progress kept so far, then every change, until the job ends; returns an unsubscribe. */
  follow(viewer: Viewer, id: string, onEvent: (event: 'progress' | 'end', job: JobView) => void): () => void {
    const job = this.find(id, viewer);
    for (const { event: progress } of job.history) onEvent('progress', { ...view(job), progress });
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

  /** Jobs this registry holds now (running and ended). */
  get size(): number {
    return this.jobs.size;
  }

  private find(id: string, viewer: Viewer): Job {
    this.sweep();
    const job = this.jobs.get(id);
    const theirs = job && (job.ownerId === null || viewer.admin || job.ownerId === viewer.ownerId);
    if (!job || !theirs) {
      throw new AppError(
        'NOT_FOUND',
        `This job is not known to the server. A job is kept for ${Math.round(this.limits.keepMs / 60_000)} minutes after it ends, and jobs still running ` +
          `are lost when the server restarts (it last started at ${this.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC). ` +
          'Whatever a job finished is in the gallery.',
      );
    }
    return job;
  }

  private end(job: Job, status: JobStatus, outcome: { result?: unknown; error?: JobView['error'] }): void {
    job.status = status;
    job.result = outcome.result ?? null;
    job.error = outcome.error ?? null;
    job.endedAt = Date.now();
    job.events.emit('end');
    this.sweep();
  }

  /**
   * Forgets ended jobs past their time and the oldest beyond the count; drops the steps of ended
   * jobs past their time, and the oldest ones' beyond the byte budget.
   */
  private sweep(): void {
    const now = Date.now();
    const ended = [...this.jobs.values()].filter((job) => job.endedAt !== undefined).sort((a, b) => b.endedAt! - a.endedAt!);
    let stepBytes = 0;
    ended.forEach((job, newest) => {
      const age = now - job.endedAt!;
      if (newest >= this.limits.keepEnded || age > this.limits.keepMs) {
        this.jobs.delete(job.id);
        return;
      }
      stepBytes += job.historyBytes;
      if (age > this.limits.keepStepsMs || stepBytes > this.limits.keepEndedStepsBytes) {
        job.history = [];
        job.historyBytes = 0;
      }
    });
  }
}

/** Roughly what a progress event holds in memory: its text and its previews' bytes. */
function approximateBytes(value: unknown): number {
  if (typeof value === 'string') return value.length * 2;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + approximateBytes(item), 16);
  if (value && typeof value === 'object') return Object.values(value).reduce((sum: number, item) => sum + approximateBytes(item), 16);
  return 8;
}

function view({ id, kind, status, progress, result, error, createdAt }: Job): JobView {
  return { id, kind, status, progress, result, error, createdAt };
}

const holder = globalThis as typeof globalThis & { __latentStudioJobs?: JobRegistry };

export function getJobs(): JobRegistry {
  holder.__latentStudioJobs ??= new JobRegistry();
  return holder.__latentStudioJobs;
}

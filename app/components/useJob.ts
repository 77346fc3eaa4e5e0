'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { followJob, type JobEvent } from './followJob';
import type { Failure } from './postJson';
import { usePacedSteps } from './usePacedSteps';

/** Where a followed job stands: before it, waiting for the server to start it, running, or done with its result. */
export type JobPhase = 'idle' | 'starting' | 'running' | 'done';

/** The latest step a page has shown of a job. */
export interface JobStep {
  step: number;
  total: number;
  message?: string;
}

type Progress<Preview> = NonNullable<JobEvent<Preview, unknown>['progress']>;

export interface JobOptions<Preview, Result> {
  /**
   * Replays the job's steps one every `paceMs`, however fast they arrive, so a person sees the
   * result settle step by step (the end and a lost connection wait their turn too). Unset: shown
   * as they come.
   */
  paceMs?: number;
  /** Shown when the job failed without saying why. */
  failed: Failure;
  /** Shown (as `NETWORK`) when the events are lost before the job ends. */
  lost: string;
  /**
   * How a cancelled job ends: `stopped` (where it stopped, in `stoppedAt`), or `failed` (its error,
   * or `failed` above) for a page that offers no cancel of its own.
   */
  cancelled?: 'stopped' | 'failed';
  /** Each step as it is shown, with the model's preview of it. */
  onProgress?: (progress: Progress<Preview>) => void;
  /** The job finished with its result, as it is shown. */
  onDone?: (result: Result) => void;
  /** The job ended (done, failed or cancelled), after `onDone`. */
  onEnd?: (job: JobEvent<Preview, Result>) => void;
}

export interface FollowedJob<Result> {
  phase: JobPhase;
  /** Starting or running. */
  busy: boolean;
  /** The latest step shown; null before the first (kept after the job ends, cleared by the next start or follow). */
  progress: JobStep | null;
  /** The finished job's result; cleared once the next job has started. */
  result: Result | null;
  /** What went wrong starting or following the job (or whatever the page reported with `setFailure`). */
  failure: Failure | null;
  /** Where a cancelled job stopped (0 before its first step); null unless it was cancelled. */
  stoppedAt: number | null;
  /**
   * Starts a job: `post` asks the server for it and resolves with its answer (rejecting with a
   * `Failure` to show, e.g. from postJson). Once it has answered, `onStarted` sees the answer and
   * the job's events are followed. Resolves with the answer, or null when it failed.
   */
  start<Answer extends { job: { id: string } }>(post: () => Promise<Answer>, onStarted?: (answer: Answer) => void): Promise<Answer | null>;
  /** Follows a job that is already running (started elsewhere). */
  follow(jobId: string): void;
  /** Asks the server to cancel the job being followed. */
  cancel(): Promise<void>;
  /** Stops following (without cancelling) and forgets the steps shown. */
  stop(): void;
  setFailure(failure: Failure | null): void;
  /** Clears the failure and where a cancelled job stopped, e.g. before checking a new request. */
  clear(): void;
}

const NETWORK: Failure = { code: 'NETWORK', message: 'The connection to the server was lost. Please try again.' };

const isFailure = (error: unknown): error is Failure =>
  typeof error === 'object' && error !== null && typeof (error as Failure).code === 'string' && typeof (error as Failure).message === 'string';

/**
 * Following a job (lib/jobs) from a page: starting it, its progress over server-sent events
 * (replayed at a pace where the page wants it), cancelling it, its result, and its errors with the
 * messages a person reads. Events are closed on a new start and when the page is left.
 */
export function useJob<Preview = unknown, Result = unknown>(options: JobOptions<Preview, Result>): FollowedJob<Result> {
  const [phase, setPhase] = useState<JobPhase>('idle');
  const [progress, setProgress] = useState<JobStep | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [stoppedAt, setStoppedAt] = useState<number | null>(null);
  const source = useRef<EventSource | null>(null);
  const jobId = useRef<string | null>(null);
  const mounted = useRef(true);
  // The page's latest options, so that events arriving later use what it says now.
  const latest = useRef(options);
  latest.current = options;

  const { show: showPaced, clear: clearPaced } = usePacedSteps(options.paceMs ?? 0);
  const pacing = options.paceMs !== undefined;
  const show = useCallback((update: () => void) => (pacing ? showPaced(update) : update()), [pacing, showPaced]);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      source.current?.close();
    };
  }, []);

  const stop = useCallback(() => {
    source.current?.close();
    source.current = null;
    clearPaced();
  }, [clearPaced]);

  const follow = useCallback(
    (id: string) => {
      stop();
      jobId.current = id;
      setProgress(null);
      setPhase('running');
      source.current = followJob<Preview, Result>(id, {
        onProgress: (job) => {
          const step = job.progress;
          if (!step) return;
          show(() => {
            setProgress({ step: step.step, total: step.total, message: step.message });
            latest.current.onProgress?.(step);
          });
        },
        onEnd: (job) =>
          show(() => {
            const { failed, cancelled = 'stopped', onDone, onEnd } = latest.current;
            if (job.status === 'done' && job.result) {
              setResult(job.result);
              setPhase('done');
              onDone?.(job.result);
            } else {
              if (job.status === 'cancelled' && cancelled === 'stopped') setStoppedAt(job.progress?.step ?? 0);
              else setFailure(job.error ?? failed);
              setPhase('idle');
            }
            onEnd?.(job);
          }),
        onLost: () =>
          show(() => {
            setFailure({ code: 'NETWORK', message: latest.current.lost });
            setPhase('idle');
          }),
      });
    },
    [show, stop],
  );

  const start = useCallback(
    async <Answer extends { job: { id: string } }>(post: () => Promise<Answer>, onStarted?: (answer: Answer) => void) => {
      stop();
      setFailure(null);
      setStoppedAt(null);
      setProgress(null);
      setPhase('starting');
      let answer: Answer;
      try {
        answer = await post();
      } catch (error) {
        if (mounted.current) {
          setFailure(isFailure(error) ? error : NETWORK);
          setPhase('idle');
        }
        return null;
      }
      if (!mounted.current) return null;
      setResult(null);
      onStarted?.(answer);
      follow(answer.job.id);
      return answer;
    },
    [follow, stop],
  );

  const cancel = useCallback(async () => {
    if (jobId.current) await fetch(`/api/jobs/${jobId.current}`, { method: 'DELETE' }).catch(() => undefined);
  }, []);

  const clear = useCallback(() => {
    setFailure(null);
    setStoppedAt(null);
  }, []);

  const stopFollowing = useCallback(() => {
    stop();
    setProgress(null);
    setPhase('idle');
  }, [stop]);

  return {
    phase,
    busy: phase === 'starting' || phase === 'running',
    progress,
    result,
    failure,
    stoppedAt,
    start,
    follow,
    cancel,
    stop: stopFollowing,
    setFailure,
    clear,
  };
}

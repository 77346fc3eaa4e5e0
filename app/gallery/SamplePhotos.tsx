'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { ErrorNotice } from '@/app/components/ErrorNotice';

interface JobView {
  id: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  progress: { step: number; total: number; message?: string } | null;
  result: { added: number; skipped: number } | null;
  error: { code: string; message: string } | null;
}

/** Adds sample photos from Corel-5k as a job, following its progress over server-sent events. */
export function SamplePhotos() {
  const router = useRouter();
  const [job, setJob] = useState<JobView | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const source = useRef<EventSource | null>(null);

  useEffect(() => () => source.current?.close(), []);

  async function start() {
    setError(null);
    const response = await fetch('/api/uploads/samples', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 24 }) });
    const body = await response.json();
    if (!response.ok) return setError(body.error);
    setJob(body.job);
    const events = new EventSource(`/api/jobs/${body.job.id}/events`);
    source.current = events;
    events.addEventListener('progress', (event) => setJob(JSON.parse((event as MessageEvent).data)));
    events.addEventListener('end', (event) => {
      const ended: JobView = JSON.parse((event as MessageEvent).data);
      setJob(ended);
      if (ended.error && ended.status === 'failed') setError(ended.error);
      events.close();
      router.refresh();
    });
    events.onerror = () => {
      events.close();
      setError({ code: 'NETWORK', message: 'Lost the connection while adding sample photos. Reload to see what was added.' });
    };
  }

  const running = job?.status === 'running';
  const fraction = job?.progress ? job.progress.step / Math.max(1, job.progress.total) : 0;
  return (
    <div style={{ marginTop: 12 }} data-testid="sample-photos">
      {!running && (
        <button className="secondary" onClick={start} data-testid="add-samples">
          Add 24 sample photos from Corel-5k
        </button>
      )}
      {running && (
        <div aria-live="polite">
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
            <div style={{ width: `${Math.max(3, fraction * 100)}%` }} />
          </div>
          <div className="status">
            Adding sample photos… {job?.progress?.step ?? 0} of {job?.progress?.total ?? 24}
            {job?.progress?.message ? ` · ${job.progress.message}` : ''}{' '}
            <button className="secondary" onClick={() => fetch(`/api/jobs/${job!.id}`, { method: 'DELETE' })}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {job && !running && job.result && (
        <div className="status" data-testid="samples-done">
          Added {job.result.added} sample photos{job.result.skipped ? ` (${job.result.skipped} were already here)` : ''}.
        </div>
      )}
      {job?.status === 'cancelled' && <div className="status">Stopped. The photos added so far are kept.</div>}
      {error && (
        <ErrorNotice error={error} />
      )}
    </div>
  );
}

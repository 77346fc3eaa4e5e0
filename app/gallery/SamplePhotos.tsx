'use client';

import { useRouter } from 'next/navigation';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { postJson } from '@/app/components/postJson';
import { useJob } from '@/app/components/useJob';

/** Adds sample photos from Corel-5k as a job, following its progress over server-sent events. */
export function SamplePhotos() {
  const router = useRouter();
  const job = useJob<unknown, { added: number; skipped: number }>({
    failed: { code: 'FAILED', message: 'Adding sample photos failed. Please try again.' },
    lost: 'Lost the connection while adding sample photos. Reload to see what was added.',
    onEnd: () => router.refresh(),
  });

  const start = () => void job.start(() => postJson<{ job: { id: string } }>('/api/uploads/samples', { count: 24 }, 'The server could not add sample photos. Please try again.'));

  const running = job.phase === 'running';
  const progress = job.progress;
  const fraction = progress ? progress.step / Math.max(1, progress.total) : 0;
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
            Adding sample photos… {progress?.step ?? 0} of {progress?.total ?? 24}
            {progress?.message ? ` · ${progress.message}` : ''}{' '}
            <button className="secondary" onClick={() => void job.cancel()}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {!running && job.result && (
        <div className="status" data-testid="samples-done">
          Added {job.result.added} sample photos{job.result.skipped ? ` (${job.result.skipped} were already here)` : ''}.
        </div>
      )}
      {job.stoppedAt !== null && <div className="status">Stopped. The photos added so far are kept.</div>}
      {job.failure && <ErrorNotice error={job.failure} />}
    </div>
  );
}

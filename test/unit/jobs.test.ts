import { describe, expect, it } from 'vitest';
import { JobRegistry } from '@/lib/jobs';

describe('jobs', () => {
  it('a page that starts following after the job ended still sees every step, then the end', async () => {
    const jobs = new JobRegistry();
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const job = jobs.start('steps', async (report) => {
      for (let step = 1; step <= 3; step++) report({ step, total: 3, preview: { step } });
      finish();
      return { ok: true };
    });
    await done;
    await new Promise((r) => setTimeout(r, 0));
    const seen: string[] = [];
    jobs.follow(job.id, (event, view) => seen.push(event === 'progress' ? `step ${view.progress!.step}` : `${event} ${view.status}`));
    expect(seen).toEqual(['step 1', 'step 2', 'step 3', 'end done']);
    expect(jobs.get(job.id)).toMatchObject({ status: 'done', progress: { step: 3 }, result: { ok: true } });
  });

  it('a follower that joins mid-way gets the steps so far, then the rest live', async () => {
    const jobs = new JobRegistry();
    let report!: (step: number) => void;
    let finish!: () => void;
    const job = jobs.start('steps', (progress) => {
      report = (step) => progress({ step, total: 4 });
      return new Promise<void>((resolve) => (finish = resolve));
    });
    report(1);
    report(2);
    const seen: string[] = [];
    jobs.follow(job.id, (event, view) => seen.push(event === 'progress' ? `step ${view.progress!.step}` : `${event} ${view.status}`));
    report(3);
    finish();
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['step 1', 'step 2', 'step 3', 'end done']);
  });
});

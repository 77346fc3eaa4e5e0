import { describe, expect, it } from 'vitest';
import { JobRegistry } from '@/lib/jobs';
import { ALICE } from './helpers';

describe('jobs', () => {
  it('a page that starts following after the job ended still sees every step, then the end', async () => {
    const jobs = new JobRegistry();
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const job = jobs.start('steps', async (report) => {
      for (let step = 1; step <= 3; step++) report({ step, total: 3, preview: { step } });
      finish();
      return { ok: true };
    }, { ownerId: ALICE.ownerId });
    await done;
    await new Promise((r) => setTimeout(r, 0));
    const seen: string[] = [];
    jobs.follow(ALICE, job.id, (event, view) => seen.push(event === 'progress' ? `step ${view.progress!.step}` : `${event} ${view.status}`));
    expect(seen).toEqual(['step 1', 'step 2', 'step 3', 'end done']);
    expect(jobs.get(ALICE, job.id)).toMatchObject({ status: 'done', progress: { step: 3 }, result: { ok: true } });
  });

  it('a follower that joins mid-way gets the steps so far, then the rest live', async () => {
    const jobs = new JobRegistry();
    let report!: (step: number) => void;
    let finish!: () => void;
    const job = jobs.start('steps', (progress) => {
      report = (step) => progress({ step, total: 4 });
      return new Promise<void>((resolve) => (finish = resolve));
    }, { ownerId: ALICE.ownerId });
    report(1);
    report(2);
    const seen: string[] = [];
    jobs.follow(ALICE, job.id, (event, view) => seen.push(event === 'progress' ? `step ${view.progress!.step}` : `${event} ${view.status}`));
    report(3);
    finish();
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['step 1', 'step 2', 'step 3', 'end done']);
  });

  it('stays bounded: the steps a job keeps, the steps ended jobs keep, and how many ended jobs it knows', async () => {
    const kB = 1024;
    const jobs = new JobRegistry({ keepProgressBytes: 10 * kB, keepEndedStepsBytes: 25 * kB, keepEnded: 4 });
    const run = async (steps: number) => {
      const job = jobs.start('canvas', async (report) => {
        // Each step previews a 4 kB canvas, as a drawing step does.
        for (let step = 1; step <= steps; step++) report({ step, total: steps, preview: new Uint8Array(4 * kB) });
      }, { ownerId: ALICE.ownerId });
      await new Promise((r) => setTimeout(r, 0));
      return job.id;
    };
    const replay = (id: string) => {
      const steps: number[] = [];
      jobs.follow(ALICE, id, (event, view) => event === 'progress' && steps.push(view.progress!.step));
      return steps;
    };
    // 10 steps of 4 kB: the last two fit in 10 kB, and the latest progress stays known.
    const first = await run(10);
    expect(replay(first)).toEqual([9, 10]);
    expect(jobs.get(ALICE, first).progress!.step).toBe(10);
    // Ended jobs' steps share 25 kB: with three more jobs of 8 kB, the oldest job's steps go first.
    const later = [await run(2), await run(2), await run(2)];
    expect(replay(later[0])).toEqual([1, 2]);
    expect(replay(first)).toEqual([]);
    expect(jobs.get(ALICE, first)).toMatchObject({ status: 'done', progress: { step: 10 } });
    // Only the four most recent ended jobs are known: one more, and the first is gone; the error says why.
    await run(1);
    expect(jobs.size).toBe(4);
    expect(() => jobs.get(ALICE, first)).toThrow(/not known to the server.*restarts/);
  });
});

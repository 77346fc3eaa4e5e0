/**
 * kill -9 in the middle of work, then a restart on the same data: generations the dead process
 * left running end failed with the reason, a job it was running is reported truthfully as lost,
 * images no row claims (written just before the kill) are removed once past the grace period, and
 * every image a row claims is still served.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '@/lib/db';
import { sha256Hex } from '@/lib/storage';
import { startApp, type AppProcess } from './app';

const CAPTION = 'the digit 3 is on the left of the digit 5';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('after kill -9', () => {
  let app: AppProcess | undefined;

  afterAll(async () => {
    await app?.kill('SIGKILL');
  });

  it('leaves nothing running for ever, no orphan image, and says what happened to the jobs it lost', async () => {
    const env = { BLOB_SWEEP_GRACE_MS: '3000', RECOVERY_INTERVAL_MS: '1000' };
    app = await startApp({ env });
    // One drawing that finishes, so there are images a row claims.
    const finished = await fetch(`${app.url}/api/gan/samples`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 4, seed: 5 }) });
    expect(finished.status).toBe(200);
    const kept = (await finished.json()) as { generationId: string };
    // The drawings are private to the browser that asked (its owner cookie): it asks for the rest too.
    const cookie = finished.headers.getSetCookie().find((c) => c.startsWith('latent_owner='))!.split(';')[0];

    // Twenty drawings queued, and the server killed while they are being drawn.
    const started = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${app!.url}/api/caption`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ caption: CAPTION, samples: 16, seed: i }) }).then(
          async (response) => ({ status: response.status, body: (await response.json()) as { job: { id: string }; generationId: string } }),
        ),
      ),
    );
    expect(started.map((s) => s.status)).toEqual(Array(20).fill(202));
    // An image written just before the kill that no row will ever claim, and a write cut short.
    const orphan = Buffer.from('an image whose upload died with the server');
    const orphanSha = sha256Hex(orphan);
    const shard = path.join(app.dir, 'blobs', orphanSha.slice(0, 2));
    fs.mkdirSync(shard, { recursive: true });
    fs.writeFileSync(path.join(shard, `${orphanSha}.jpg`), orphan);
    fs.writeFileSync(path.join(shard, `.${orphanSha}.4242.abcdef.tmp`), orphan.subarray(0, 10));
    await app.kill('SIGKILL');

    const db = createDb(`file:${path.join(app.dir, 'app.db')}`);
    try {
      const ids = started.map((s) => s.body.generationId);
      const running = await db.generation.count({ where: { id: { in: ids }, status: 'running' } });
      expect(running, 'some drawings were still running at the kill').toBeGreaterThan(0);

      await sleep(3500); // past the grace period
      app = await app.restart();
      const deadline = Date.now() + 20_000;
      while ((await db.generation.count({ where: { id: { in: ids }, status: 'running' } })) > 0 && Date.now() < deadline) await sleep(200);

      const rows = await db.generation.findMany({ where: { id: { in: ids } } });
      for (const row of rows) {
        expect(['done', 'failed']).toContain(row.status);
        if (row.status === 'failed') expect(JSON.parse(row.error!)).toMatchObject({ code: 'INTERRUPTED', message: expect.stringContaining('restarted or it crashed') });
      }
      // The job the dead process was running is unknown now, and the answer says why.
      const lost = await fetch(`${app.url}/api/jobs/${started[19].body.job.id}`, { headers: { cookie } });
      expect(lost.status).toBe(404);
      expect(((await lost.json()) as { error: { message: string } }).error.message).toMatch(/lost when the server restarts/);

      // The orphan and the cut-short write are swept; every image a row claims is still served.
      while ((fs.existsSync(path.join(shard, `${orphanSha}.jpg`)) || fs.readdirSync(shard).some((f) => f.endsWith('.tmp'))) && Date.now() < deadline) await sleep(200);
      expect(fs.existsSync(path.join(shard, `${orphanSha}.jpg`))).toBe(false);
      expect(fs.readdirSync(shard).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expect((await fetch(`${app.url}/api/blobs/${orphanSha}`)).status).toBe(404);
      const claimed = [(await db.generation.findUniqueOrThrow({ where: { id: kept.generationId } })).blobRefs, ...rows.map((r) => r.blobRefs)].flatMap((refs) => JSON.parse(refs) as string[]);
      expect(claimed.length).toBeGreaterThan(0);
      for (const sha of claimed) expect((await fetch(`${app.url}/api/blobs/${sha}`, { headers: { cookie } })).status, sha).toBe(200);
    } finally {
      await db.$disconnect();
    }
  });
});

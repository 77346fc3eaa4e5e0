import { expect, test } from '@playwright/test';

test('adding sample photos shows live progress and fills the gallery', async ({ page }) => {
  await page.goto('/gallery');
  // The person's own photos: the page's browser context carries their owner cookie.
  const before = (await (await page.request.get('/api/uploads?limit=200')).json()).uploads.length;
  await page.getByTestId('add-samples').click();
  await expect(page.getByRole('progressbar')).toBeVisible();
  await expect(page.getByTestId('samples-done')).toContainText('Added 24 sample photos', { timeout: 60_000 });
  const after = (await (await page.request.get('/api/uploads?limit=200')).json()).uploads.length;
  expect(after).toBe(before + 24);
  // Another person sees none of them.
  const stranger = await page.context().browser()!.newContext();
  expect((await (await stranger.request.get('/api/uploads?limit=200')).json()).uploads).toHaveLength(0);
  await stranger.close();
});

test('a job streams its progress as server-sent events and can be cancelled', async ({ request }) => {
  const started = await request.post('/api/uploads/samples', { data: { count: 3 } });
  expect(started.status()).toBe(202);
  const { job } = await started.json();
  const events = await request.get(`/api/jobs/${job.id}/events`);
  expect(events.headers()['content-type']).toContain('text/event-stream');
  const text = await events.text();
  expect(text).toContain('event: progress');
  expect(text).toMatch(/event: end\ndata: .*"status":"done"/);

  const bad = await request.post('/api/uploads/samples', { data: { count: 5000 } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.code).toBe('BAD_REQUEST');
  expect((await request.get('/api/jobs/not-a-job')).status()).toBe(400);
  expect((await request.get('/api/jobs/00000000-0000-4000-8000-000000000000')).status()).toBe(404);

  // Asked for 100, given what is left of the person's allowance (48 sample photos in all).
  const long = await (await request.post('/api/uploads/samples', { data: { count: 100 } })).json();
  expect(long.count).toBe(45);
  const cancelled = await request.delete(`/api/jobs/${long.job.id}`);
  expect(cancelled.status()).toBe(200);
  await expect.poll(async () => (await (await request.get(`/api/jobs/${long.job.id}`)).json()).status).toBe('cancelled');
});

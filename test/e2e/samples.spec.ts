import { expect, test } from '@playwright/test';

test('adding sample photos shows live progress and fills the gallery', async ({ page, request }) => {
  const before = (await (await request.get('/api/uploads?limit=200')).json()).uploads.length;
  await page.goto('/gallery');
  await page.getByTestId('add-samples').click();
  await expect(page.getByRole('progressbar')).toBeVisible();
  await expect(page.getByTestId('samples-done')).toContainText('Added 24 sample photos', { timeout: 60_000 });
  const after = (await (await request.get('/api/uploads?limit=200')).json()).uploads.length;
  expect(after).toBe(before + 24);
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

  const long = await (await request.post('/api/uploads/samples', { data: { count: 100 } })).json();
  const cancelled = await request.delete(`/api/jobs/${long.job.id}`);
  expect(cancelled.status()).toBe(200);
  await expect.poll(async () => (await (await request.get(`/api/jobs/${long.job.id}`)).json()).status).toBe('cancelled');
});

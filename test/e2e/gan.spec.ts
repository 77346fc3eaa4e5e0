import { expect, test } from '@playwright/test';

test('clear errors from the GAN API', async ({ request }) => {
  const tooMany = await request.post('/api/gan/samples', { data: { count: 65 } });
  expect(tooMany.status()).toBe(400);
  expect((await tooMany.json()).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('count: must be a whole number from 1 to 64') });
  const noEnd = await request.post('/api/gan/interpolate', { data: { from: 3 } });
  expect(noEnd.status()).toBe(400);
  const notJson = await request.post('/api/gan/vary', { data: 'latent=3', headers: { 'content-type': 'application/json' } });
  expect(notJson.status()).toBe(400);
});

test('sample a grid, walk between two samples, vary one, and find them in the gallery', async ({ page }) => {
  await page.goto('/gan');
  await expect(page.getByRole('heading', { name: 'GAN', exact: true })).toBeVisible();
  // The training game is shown from the checkpoint: both charts and the 16 latents' snapshots.
  await expect(page.getByTestId('loss-chart')).toBeVisible();
  await expect(page.getByTestId('belief-chart')).toBeVisible();
  await expect(page.getByTestId('snapshot').locator('img')).toHaveCount(16);
  await page.getByTestId('snapshot-slider').fill('0');
  await expect(page.getByText('Before training')).toBeVisible();

  await page.getByTestId('count-input').fill('8');
  await page.getByTestId('seed-input').fill('21');
  await page.getByTestId('sample').click();
  const grid = page.getByTestId('sample-grid').getByTestId('gan-tile');
  await expect(grid).toHaveCount(8);
  await expect(page).toHaveURL(/seed=21/);
  await expect(grid.first()).toContainText('21');

  // Two picks → a walk from the first to the second, ends included.
  await grid.nth(0).click();
  await grid.nth(3).click();
  await expect(page.getByTestId('picked')).toContainText('from 21');
  await expect(page.getByTestId('picked')).toContainText('to 24');
  await page.getByTestId('interpolate').click();
  await expect(page.getByTestId('walk').getByTestId('gan-tile')).toHaveCount(8);
  const firstOfWalk = await page.getByTestId('walk').locator('img').first().getAttribute('src');
  expect(firstOfWalk).toBe(await grid.nth(0).locator('img').getAttribute('src'));

  // Vary the last pick.
  await page.getByTestId('vary').click();
  await expect(page.getByTestId('variations').getByTestId('gan-tile')).toHaveCount(8);

  // A bad count is caught before anything is sent.
  await page.getByTestId('count-input').fill('99');
  await page.getByTestId('sample').click();
  await expect(page.getByTestId('gan-error')).toContainText('Choose from 1 to 64 samples');

  await page.goto('/gallery');
  await expect(page.getByTestId('generations')).toContainText('GAN: samples');
  await expect(page.getByTestId('generations')).toContainText('GAN: a walk between two latents');
  await page.getByTestId('generation-tile').filter({ hasText: 'GAN: samples' }).first().click();
  await expect(page.getByTestId('generation-seed')).toHaveText('21');
  await expect(page.getByTestId('result-image')).toHaveCount(8);
});

test('the GAN page shows the person’s own recent runs, linking to their saved pages, and they download as a ZIP', async ({ page }) => {
  await page.goto('/gan');
  await expect(page.getByTestId('recent-runs')).toHaveCount(0);
  const drawn = await (await page.request.post('/api/gan/samples', { data: { count: 4, seed: 11 } })).json();
  await page.reload();
  const runs = page.getByTestId('recent-runs').getByTestId('generation-tile');
  await expect(runs).toHaveCount(1);
  await runs.first().click();
  await expect(page).toHaveURL(new RegExp(`/gallery/generations/${drawn.generationId}$`));
  const [zip] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-zip').click()]);
  expect(zip.suggestedFilename()).toBe('gan-11.zip');
});

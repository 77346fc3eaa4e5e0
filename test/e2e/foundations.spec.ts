import { expect, test } from '@playwright/test';

const BLOCKS = ['sparse-coding', 'autoencoder', 'semantic-hashing', 'dbn', 'iwae'];

test('clear errors from the foundations API', async ({ request }) => {
  const unknown = await request.post('/api/foundations/figure', { data: { block: 'sparse-coding', figure: 'faces' } });
  expect(unknown.status()).toBe(400);
  expect((await unknown.json()).error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('figure: the sparse-coding block draws bases, code') });
});

test('every block shows what it learned and its measured number; another example redraws the figure', async ({ page }) => {
  await page.goto('/foundations');
  await expect(page.getByRole('heading', { name: 'Foundations', exact: true })).toBeVisible();
  for (const block of BLOCKS) {
    const section = page.getByTestId(`block-${block}`);
    await expect(section.getByTestId(`figure-${block}`).locator('img').first()).toBeVisible({ timeout: 60_000 });
    await expect(section.getByTestId(`evaluation-${block}`)).toBeVisible();
  }

  // Sparse coding: the bases first, then the code of a patch; "another patch" draws a new one.
  const sparse = page.getByTestId('figure-sparse-coding');
  await sparse.getByRole('tab', { name: 'The sparse code of a new patch' }).click();
  await expect(sparse.getByRole('status')).toContainText('seed 0');
  const before = await sparse.locator('img').first().getAttribute('src');
  await sparse.getByRole('button', { name: 'Show another patch' }).click();
  await expect(sparse.getByRole('status')).toContainText('seed 1');
  expect(await sparse.locator('img').first().getAttribute('src')).not.toBe(before);
});

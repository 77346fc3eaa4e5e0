/**
 * Two people, each in a browser of their own (two browser contexts, two owner cookies): what Alice
 * uploads and draws is hers, and none of it reaches Bob — not in the gallery, not among his photo's
 * similar photos, not in his tag search, not by its address — until she shares it; then he sees
 * it but cannot change it.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { corelPhoto } from './hostile';

/** Every link and image address on the page. */
const addresses = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll('a[href], img[src]')].map((el) => el.getAttribute('href') ?? el.getAttribute('src') ?? ''));

test('a stranger sees none of a person’s private photos and drawings', async ({ browser }) => {
  test.setTimeout(180_000);
  const contexts: BrowserContext[] = [await browser.newContext(), await browser.newContext()];
  const [alice, bob] = await Promise.all(contexts.map((context) => context.newPage()));

  // Alice uploads two sunsets in the gallery, tags one, and samples the GAN.
  await alice.goto('/gallery');
  await alice.getByTestId('file-input').setInputFiles(corelPhoto('1000'));
  await expect(alice.getByTestId('uploaded-photo')).toBeVisible();
  await alice.getByTestId('file-input').setInputFiles(corelPhoto('1002'));
  await expect(alice.getByTestId('similar-photos').getByTestId('photo-tile')).toHaveCount(1);
  const mine = (await (await alice.request.get('/api/uploads?mine=1')).json()).uploads as { id: string; sha256: string; visibility: string }[];
  expect(mine).toHaveLength(2);
  expect(mine.every((u) => u.visibility === 'private')).toBe(true);
  expect((await alice.request.put(`/api/uploads/${mine[0].id}/tags`, { data: { added: ['sunset'] } })).status()).toBe(200);
  const drawn = await (await alice.request.post('/api/gan/samples', { data: { count: 4, seed: 5 } })).json();
  const secrets = [...mine.flatMap((u) => [u.id, u.sha256]), drawn.generationId as string];

  // Bob uploads a sunset of his own; his similar photos, gallery and search hold nothing of Alice's.
  await bob.goto('/gallery');
  await bob.getByTestId('file-input').setInputFiles(corelPhoto('1001'));
  await expect(bob.getByTestId('uploaded-photo')).toBeVisible();
  await expect(bob.getByTestId('upload-result')).toContainText('stored');
  const seen: string[] = await addresses(bob);
  await bob.goto('/gallery');
  await expect(bob.getByTestId('uploads').getByTestId('photo-tile')).toHaveCount(1);
  seen.push(...(await addresses(bob)));
  await bob.getByTestId('uploads').getByTestId('photo-tile').first().click();
  await expect(bob.getByRole('heading', { name: 'Most similar photos' })).toBeVisible();
  seen.push(...(await addresses(bob)));
  await bob.goto('/tags');
  await bob.getByTestId('search-input').fill('sunset');
  await bob.getByTestId('search-input').press('Enter');
  await expect(bob.getByTestId('search-summary')).toBeVisible();
  seen.push(...(await addresses(bob)));
  const visible = seen.filter((address) => secrets.some((secret) => address.includes(secret)));
  expect(visible).toEqual([]);

  // Nor by their addresses.
  expect((await bob.goto(`/gallery/${mine[0].id}`))!.status()).toBe(404);
  expect((await bob.goto(`/gallery/generations/${drawn.generationId}`))!.status()).toBe(404);
  expect((await bob.request.get(`/api/blobs/${mine[0].sha256}`)).status()).toBe(404);
  expect((await bob.request.put(`/api/uploads/${mine[0].id}/tags`, { data: { added: ['mine'] } })).status()).toBe(404);

  // Alice shares one photo on its page; Bob now sees that one, and cannot change or delete it.
  await alice.goto(`/gallery/${mine[0].id}`);
  await expect(alice.getByTestId('visibility')).toContainText('Private');
  await alice.getByTestId('share').click();
  await expect(alice.getByTestId('visibility')).toContainText('Shared');
  await bob.goto('/gallery');
  await expect(bob.getByTestId('uploads').getByTestId('photo-tile')).toHaveCount(2);
  await bob.goto(`/gallery/${mine[0].id}`);
  await expect(bob.getByTestId('shared-by-someone')).toBeVisible();
  await expect(bob.getByTestId('delete')).toHaveCount(0);
  expect((await bob.request.delete(`/api/uploads/${mine[0].id}`)).status()).toBe(403);

  // Alice deletes it (after confirming); it is gone for both.
  await alice.goto(`/gallery/${mine[0].id}`);
  alice.once('dialog', (dialog) => void dialog.accept());
  await alice.getByTestId('delete').click();
  await expect(alice).toHaveURL(/\/gallery$/);
  expect((await bob.goto(`/gallery/${mine[0].id}`))!.status()).toBe(404);
  expect((await alice.request.get(`/api/blobs/${mine[0].sha256}`)).status()).toBe(404);
  await Promise.all(contexts.map((context) => context.close()));
});

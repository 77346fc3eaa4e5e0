/**
 * Tagging many photos at once on /tags: photos and a ZIP chosen together, one progress bar, each
 * file that cannot be taken named with its reason, the words reviewed in a grid and saved, and the
 * tags downloaded as sidecars, CSV and JSON naming the tagger.
 */
import fs from 'node:fs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { expect, test } from '@playwright/test';
import { corelPhoto } from './hostile';

const photo = (id: string) => fs.readFileSync(corelPhoto(id));

test('a folder’s worth of photos is tagged in one go, reviewed, saved and exported', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/tags');
  const zip = Buffer.from(zipSync({ 'trip/beach.jpg': new Uint8Array(photo('1000')), 'trip/notes.txt': strToU8('not a photo') }));
  await page.getByTestId('batch-files').setInputFiles([
    { name: 'bear.jpg', mimeType: 'image/jpeg', buffer: photo('100000') },
    { name: 'tiger.jpg', mimeType: 'image/jpeg', buffer: photo('108000') },
    { name: 'list.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('Shopping list\n- milk\n') },
    { name: 'trip.zip', mimeType: 'application/zip', buffer: zip },
  ]);
  await expect(page.getByTestId('batch-start')).toHaveText('Tag 4 photos');
  await page.getByTestId('batch-start').click();
  await expect(page.getByRole('progressbar', { name: 'Photos stored and tagged' })).toBeVisible();
  await expect(page.getByTestId('batch-status')).toContainText('Done: 3 tagged', { timeout: 120_000 });

  // The ZIP's text file and the text file posing as a JPEG are named, with why.
  const refused = page.getByTestId('batch-refused');
  await expect(refused).toContainText('notes.txt');
  await expect(refused).toContainText('list.jpg');
  await expect(refused).toContainText(/text/i);
  const cards = page.getByTestId('batch-photo');
  await expect(cards).toHaveCount(3);
  await expect(cards.first().getByTestId('batch-word')).toHaveCount(5);

  // Remove the first photo's top word, save, and find it removed on the photo's own page.
  const word = (await cards.first().getByTestId('batch-word').first().textContent())!;
  await cards.first().getByTestId('batch-word').first().click();
  await expect(cards.first().getByTestId('batch-word').first()).toHaveAttribute('aria-pressed', 'false');
  await page.getByTestId('batch-save').click();
  await expect(page.getByTestId('batch-saved')).toContainText('Saved the tags of 3 photos.');
  const mine = (await (await page.request.get('/api/uploads?mine=1')).json()).uploads as { id: string; originalName: string }[];
  const bear = mine.find((u) => u.originalName === 'bear.jpg')!;
  const stored = (await (await page.request.get(`/api/uploads/${bear.id}/tags`)).json()).tags as { word: string; status: string }[];
  expect(stored.find((t) => t.word === word)?.status).toBe('removed');
  expect(stored.filter((t) => t.status === 'accepted')).toHaveLength(4);

  // Downloads: a CSV naming the tagger, and a ZIP of sidecars named as the photos.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-export-csv').click()]);
  const text = fs.readFileSync((await csv.path())!, 'utf8');
  expect(text.split('\r\n')[0]).toBe('file,id,tags,tagger,tagger_version');
  const bearLine = text.split('\r\n').find((line) => line.startsWith('bear.jpg,'))!;
  expect(bearLine).toContain('Everyday photos (Flickr8k)');
  expect(bearLine.split('"')[1].split(', ')).not.toContain(word);
  const [sidecars] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-export-txt').click()]);
  const files = unzipSync(new Uint8Array(fs.readFileSync((await sidecars.path())!)));
  expect(Object.keys(files).sort()).toEqual(['beach.txt', 'bear.txt', 'taggers.txt', 'tiger.txt']);
  expect(strFromU8(files['bear.txt']).split(', ')).toHaveLength(4);
});

test('the batch API refuses what it cannot take, by name, before the work starts', async ({ request }) => {
  const zip = Buffer.from(zipSync({ '../escape.jpg': new Uint8Array(photo('1001')), 'ok.jpg': new Uint8Array(photo('1002')) }));
  const started = await request.post('/api/tags/batch', { multipart: { file: { name: 'photos.zip', mimeType: 'application/zip', buffer: zip } } });
  expect(started.status()).toBe(202);
  const body = await started.json();
  expect(body.photos).toEqual([{ name: 'ok.jpg' }]);
  expect(body.refused).toEqual([expect.objectContaining({ name: 'escape.jpg', code: 'BAD_PATH' })]);
  const events = await (await request.get(`/api/jobs/${body.job.id}/events`)).text();
  expect(events).toMatch(/event: end\ndata: .*"status":"done"/);

  const nothing = await request.post('/api/tags/batch', { multipart: { file: { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') } } });
  expect(nothing.status()).toBe(400);
  expect((await nothing.json()).error.code).toBe('NO_PHOTOS');
  const strangers = await request.post('/api/tags/batch', { data: { uploadIds: ['someone-elses-photo'] } });
  expect(strangers.status()).toBe(400);
});

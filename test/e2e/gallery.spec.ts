import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { corelPhoto, fiftyMegabytes, hugePngHeader, svgWithScript, textFile, truncatedJpeg } from './hostile';

test('the health endpoint reports a working database, storage and model server', async ({ request }) => {
  const response = await request.get('/api/health');
  expect(response.status()).toBe(200);
  const health = await response.json();
  expect(health.ok).toBe(true);
  expect(health.database).toMatchObject({ ok: true, kind: 'sqlite' });
  expect(health.modelServer.mode).toBe('embedded');
  expect(health.modelServer.models).toContain('image-features');
  // Under the production build the workers must reach a fast engine, not the pure-JS fallback.
  await expect
    .poll(async () => (await (await request.get('/api/health')).json()).modelServer.workers.map((w: { backend: string | null }) => w.backend))
    .toEqual(expect.arrayContaining([expect.stringMatching(/^(wasm|tfjs-node|tfjs-node-gpu)$/)]));
});

test('uploading photos shows each with the most similar photos already stored', async ({ page }) => {
  await page.goto('/gallery');
  await expect(page.getByRole('heading', { name: 'Gallery' })).toBeVisible();

  // A polar bear on snow, then a second polar-bear photo, then a surfer.
  await page.getByTestId('file-input').setInputFiles(corelPhoto('100000'));
  await expect(page.getByTestId('uploaded-photo')).toBeVisible();
  await expect(page.getByTestId('upload-result')).toContainText('stored');

  await page.getByTestId('file-input').setInputFiles(corelPhoto('46007'));
  await expect(page.getByTestId('similar-photos').getByTestId('photo-tile')).toHaveCount(1);

  await page.getByTestId('file-input').setInputFiles(corelPhoto('100001'));
  const similar = page.getByTestId('similar-photos').getByTestId('photo-tile');
  await expect(similar).toHaveCount(2);
  await expect(similar.first()).toContainText('distance');
  // The photo itself is served back, as an image the browser can decode.
  await expect
    .poll(() => page.getByTestId('uploaded-photo').evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)))
    .toBe(192);

  // The gallery lists all three, and a photo's own page shows its neighbours.
  await page.reload();
  await expect(page.getByTestId('uploads').getByTestId('photo-tile')).toHaveCount(3);
  await page.getByTestId('uploads').getByTestId('photo-tile').first().click();
  await expect(page.getByRole('heading', { name: 'Most similar photos' })).toBeVisible();
  await expect(page.getByTestId('similar-photos').getByTestId('photo-tile')).toHaveCount(2);
});

test('a photo dropped on the page is uploaded', async ({ page }) => {
  await page.goto('/gallery');
  // Similar photos are among the person's own (and shared ones): one of theirs first.
  await page.getByTestId('file-input').setInputFiles(corelPhoto('100001'));
  await expect(page.getByTestId('uploaded-photo')).toBeVisible();
  const bytes = fs.readFileSync(corelPhoto('100002')).toString('base64');
  const dataTransfer = await page.evaluateHandle((b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([data], 'dropped.jpg', { type: 'image/jpeg' }));
    return transfer;
  }, bytes);
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('uploaded-photo')).toBeVisible();
  await expect(page.getByTestId('similar-photos').getByTestId('photo-tile').first()).toBeVisible();
});

test('a corrupt photo and a text file renamed .jpg get clear errors, and nothing is stored', async ({ page, request }) => {
  const before = (await (await request.get('/api/uploads')).json()).uploads.length;
  await page.goto('/gallery');

  await page.getByTestId('file-input').setInputFiles({ name: 'holiday.jpg', mimeType: 'image/jpeg', buffer: truncatedJpeg() });
  await expect(page.getByTestId('upload-error')).toContainText('CORRUPT_IMAGE');
  await expect(page.getByTestId('upload-error')).toContainText(/damaged|incomplete/i);

  await page.getByTestId('file-input').setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: textFile() });
  await expect(page.getByTestId('upload-error')).toContainText('UNSUPPORTED_FORMAT');
  await expect(page.getByTestId('upload-error')).toContainText(/text/i);

  const after = (await (await request.get('/api/uploads')).json()).uploads.length;
  expect(after).toBe(before);
});

test('hostile uploads each get a 4xx with a code and a message, and the server keeps serving', async ({ request }) => {
  const cases: { name: string; buffer: Buffer; mimeType: string; status: number; code: string }[] = [
    { name: 'truncated.jpg', buffer: truncatedJpeg(), mimeType: 'image/jpeg', status: 422, code: 'CORRUPT_IMAGE' },
    { name: 'huge.png', buffer: hugePngHeader(), mimeType: 'image/png', status: 413, code: 'IMAGE_TOO_LARGE' },
    { name: 'empty.jpg', buffer: Buffer.alloc(0), mimeType: 'image/jpeg', status: 400, code: 'EMPTY_FILE' },
    { name: 'notes.jpg', buffer: textFile(), mimeType: 'image/jpeg', status: 415, code: 'UNSUPPORTED_FORMAT' },
    { name: 'drawing.svg', buffer: svgWithScript(), mimeType: 'image/svg+xml', status: 415, code: 'UNSUPPORTED_FORMAT' },
    { name: 'big.jpg', buffer: fiftyMegabytes(), mimeType: 'image/jpeg', status: 413, code: 'FILE_TOO_LARGE' },
  ];
  for (const c of cases) {
    const response = await request.post('/api/uploads', { multipart: { file: { name: c.name, mimeType: c.mimeType, buffer: c.buffer } } });
    expect(response.status(), c.name).toBe(c.status);
    const body = await response.json();
    expect(body.error.code, c.name).toBe(c.code);
    expect(body.error.message.length, c.name).toBeGreaterThan(20);
    expect(body.error.message, c.name).not.toMatch(/sharp|stack|Error:|at \w+ \(/);
  }
  // No field, and a request that is not multipart at all.
  const noFile = await request.post('/api/uploads', { multipart: { other: 'x' } });
  expect(noFile.status()).toBe(400);
  expect((await noFile.json()).error.code).toBe('NO_FILE');
  const json = await request.post('/api/uploads', { data: { file: 'x' } });
  expect(json.status()).toBe(400);

  expect((await request.get('/api/health')).status()).toBe(200);
  const list = await request.get('/api/uploads?limit=abc');
  expect(list.status()).toBe(400);
  expect((await list.json()).error.code).toBe('BAD_REQUEST');
  expect((await request.get('/api/uploads/does-not-exist/similar')).status()).toBe(404);
  expect((await request.get(`/api/blobs/${'0'.repeat(64)}`)).status()).toBe(404);
  expect((await request.get('/api/blobs/..%2f..%2fetc%2fpasswd')).status()).toBe(400);
});

test('the API returns the upload with its similar photos, and lists uploads', async ({ request }) => {
  // A script's own photos (its cookie jar keeps its owner): one stored first, to be similar to.
  const first = await request.post('/api/uploads', { multipart: { file: { name: 'bear.jpg', mimeType: 'image/jpeg', buffer: fs.readFileSync(corelPhoto('100000')) } } });
  expect(first.status()).toBe(201);
  const response = await request.post('/api/uploads', {
    multipart: { file: { name: 'tiger.jpg', mimeType: 'image/jpeg', buffer: fs.readFileSync(corelPhoto('108000')) } },
  });
  expect([200, 201]).toContain(response.status());
  const body = await response.json();
  expect(body).toMatchObject({ id: expect.any(String), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), width: expect.any(Number), height: expect.any(Number) });
  expect(body.similar.length).toBeGreaterThan(0);
  for (const s of body.similar) expect(s).toMatchObject({ id: expect.any(String), distance: expect.any(Number) });
  const distances = body.similar.map((s: { distance: number }) => s.distance);
  expect(distances).toEqual([...distances].sort((a, b) => a - b));

  const again = await request.get(`/api/uploads/${body.id}/similar`);
  expect((await again.json()).similar.map((s: { id: string }) => s.id)).toEqual(body.similar.map((s: { id: string }) => s.id));

  const list = await (await request.get('/api/uploads')).json();
  expect(list.uploads.map((u: { id: string }) => u.id)).toContain(body.id);

  const metrics = await (await request.get('/api/metrics')).text();
  expect(metrics).toContain('model_batch_size');
  expect(metrics).toContain('model_queue_depth');
});

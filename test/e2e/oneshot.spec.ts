import { expect, test, type Page } from '@playwright/test';

/** An "A" in the canvas's 105×105 frame: two slanted strokes and a bar. */
const LETTER_A = [
  [
    [30, 85],
    [41, 55],
    [52, 25],
  ],
  [
    [52, 25],
    [63, 55],
    [75, 85],
  ],
  [
    [38, 62],
    [66, 62],
  ],
];

/** Draws strokes on the pad with the mouse, in frame coordinates, whatever size the pad is shown at. */
async function draw(page: Page, strokes: number[][][]) {
  const box = (await page.getByTestId('drawing-pad').boundingBox())!;
  const at = ([x, y]: number[]) => [box.x + (x / 105) * box.width, box.y + (y / 105) * box.height] as const;
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (let i = 1; i < stroke.length; i++) await page.mouse.move(...at(stroke[i]), { steps: 8 });
    await page.mouse.up();
  }
}

test('clear errors from the one-shot API', async ({ request }) => {
  const empty = await request.post('/api/oneshot/variants', { data: { strokes: [] } });
  expect(empty.status()).toBe(400);
  expect((await empty.json()).error).toMatchObject({ code: 'EMPTY_DRAWING', message: 'The canvas is empty: draw a character first.' });
  const dot = await request.post('/api/oneshot/classify', { data: { strokes: [[[50, 50, 0]]], run: 1 } });
  expect(dot.status()).toBe(422);
  expect((await dot.json()).error.code).toBe('TOO_LITTLE_INK');
  for (const data of [{ strokes: 'A', count: 4 }, { strokes: [[[1, 2, 0], [60, 2, 9]]], count: 17 }, { strokes: [[[1, 2, 0], [60, 2, 9]]], seed: -1 }]) {
    const response = await request.post('/api/oneshot/variants', { data });
    expect(response.status(), JSON.stringify(data)).toBe(400);
    expect((await response.json()).error.code).toBe('BAD_REQUEST');
  }
  const png = await request.post('/api/oneshot/classify', { data: { png: Buffer.from('not a png').toString('base64'), run: 1 } });
  expect(png.status()).toBe(415);
  expect((await request.get('/api/oneshot/runs/21')).status()).toBe(400);
});

test('draw a character, watch its variants appear, save them, and ask which character it is', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/oneshot');
  await expect(page.getByRole('heading', { name: 'One-shot characters' })).toBeVisible();
  await expect(page.getByRole('navigation').getByRole('link', { name: 'One-shot' })).toBeVisible();

  // Nothing drawn yet: the server's message says what to do.
  await page.getByTestId('make-variants').click();
  await expect(page.getByTestId('variants-error')).toContainText('The canvas is empty: draw a character first.');
  await expect(page.getByTestId('variants-error')).toHaveAttribute('data-code', 'EMPTY_DRAWING');

  await draw(page, LETTER_A);
  await expect(page.getByTestId('stroke-count')).toHaveText('3 strokes');
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('stroke-count')).toHaveText('2 strokes');
  await draw(page, LETTER_A.slice(2));
  await expect(page.getByTestId('stroke-count')).toHaveText('3 strokes');

  await page.getByTestId('count-input').fill('6');
  await page.getByTestId('seed-input').fill('7');
  await page.getByTestId('make-variants').click();
  await expect(page.getByTestId('variants-error')).toHaveCount(0);
  const variants = page.getByTestId('variant');
  await expect(page.getByTestId('variants-progress')).toContainText('variant 6 of 6 · done · seed 7', { timeout: 60_000 });
  await expect(variants).toHaveCount(6);
  const inks = await variants.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-ink'))));
  for (const ink of inks) expect(ink).toBeGreaterThan(100); // each variant is a character's worth of ink
  expect(new Set(inks).size).toBeGreaterThan(1); // and they differ

  // Which character: run 2's 20 characters, the ranking with probabilities, the best one highlighted.
  await page.getByTestId('run-select').selectOption('2');
  await expect(page.getByTestId('run-character')).toHaveCount(20);
  await page.getByTestId('classify').click();
  await expect(page.getByTestId('ranking-row')).toHaveCount(3, { timeout: 30_000 });
  // Characters are named by run and place; a letter that is none of run 2's characters is said to be none of them.
  await expect(page.getByTestId('classify-answer')).toHaveAttribute('data-none', 'true');
  await expect(page.getByTestId('classify-answer')).toContainText(/None of these: no character of run 2 fits your drawing well enough\. The closest is run 2, character \d+, with \d/);
  await expect(page.getByTestId('run-character').first()).toHaveAttribute('data-name', 'run 2, character 1');
  await expect(page.locator('[data-testid="run-character"][data-rank="1"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="run-character"][data-rank]')).toHaveCount(20);

  // Cleared, then a tap: too little ink (not an empty canvas), and the last drawing's variants go.
  await page.getByTestId('clear').click();
  await expect(page.getByTestId('variant-grid')).toHaveCount(0);
  await expect(page.getByTestId('variants-progress')).toHaveCount(0);
  const pad = (await page.getByTestId('drawing-pad').boundingBox())!;
  await page.mouse.click(pad.x + pad.width / 2, pad.y + pad.height / 2);
  await expect(page.getByTestId('stroke-count')).toHaveText('1 stroke');
  await page.getByTestId('make-variants').click();
  await expect(page.getByTestId('variants-error')).toHaveAttribute('data-code', 'TOO_LITTLE_INK');
  await expect(page.getByTestId('variants-error-message')).toContainText('There is too little ink to be a character');
  await expect(page.getByTestId('variant-grid')).toHaveCount(0);
  // Drawn again, and asked again: variants as before.
  await page.getByTestId('clear').click();
  await draw(page, LETTER_A);
  await page.getByTestId('make-variants').click();
  await expect(page.getByTestId('variants-progress')).toContainText('variant 6 of 6 · done · seed 7', { timeout: 60_000 });

  // Saved to the gallery: the drawing and its 6 variants, with the seed.
  await page.getByTestId('saved-link').click();
  await expect(page).toHaveURL(/\/gallery\/generations\//);
  await expect(page.getByTestId('generation-caption')).toHaveText('One-shot variants');
  await expect(page.getByTestId('generation-seed')).toHaveText('7');
  await expect(page.getByTestId('saved-drawing')).toBeVisible();
  await expect(page.getByTestId('result-image')).toHaveCount(6);
  await page.goto('/gallery');
  await expect(page.getByTestId('generation-tile').first()).toContainText('One-shot');
});

test.describe('on a phone', () => {
  test.use({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 844 } });

  test('a tap with a finger is too little ink, not an empty canvas', async ({ page }) => {
    await page.goto('/oneshot');
    const pad = (await page.getByTestId('drawing-pad').boundingBox())!;
    await page.touchscreen.tap(pad.x + pad.width / 2, pad.y + pad.height / 2);
    await expect(page.getByTestId('stroke-count')).toHaveText('1 stroke');
    await page.getByTestId('make-variants').click();
    await expect(page.getByTestId('variants-error')).toHaveAttribute('data-code', 'TOO_LITTLE_INK');
  });
});

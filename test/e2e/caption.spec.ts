import { expect, test, type Page } from '@playwright/test';

// A caption of the paper's MNIST grammar, drawn by the trained alignDRAW checkpoint.
const CAPTION = 'the digit 3 is on the left of the digit 5';
const WORDS = ['the', 'digit', '3', 'is', 'on', 'the', 'left', 'of', 'the', 'digit', '5', '.'];

const imageNames = (page: Page) => page.getByTestId('result-image').evaluateAll((els) => els.map((el) => el.getAttribute('data-sha256')!));

test('clear errors for captions the model cannot draw', async ({ request }) => {
  const unknown = await request.post('/api/caption', { data: { caption: 'the digit 3 is next to a cat', samples: 2, model: 'align-draw-mnist' } });
  expect(unknown.status()).toBe(422);
  const { error } = await unknown.json();
  expect(error.code).toBe('UNKNOWN_WORDS');
  expect(error.message).toContain('"next", "to", "a", "cat"');
  expect(error.details.unknown).toEqual(['next', 'to', 'a', 'cat']);
  expect(error.details.known).toEqual(expect.arrayContaining(['digit', 'left', 'image']));
  // Which model could draw it instead: the one that reads the whole sentence.
  expect(error.message).toContain('The Flickr8k photos model could draw it.');
  expect(error.details.otherModel).toMatchObject({ model: 'align-draw-flickr', caption: 'the digit 3 is next to a cat' });
  // Named no model, the same sentence goes to the Flickr8k model.
  const routed = await request.post('/api/caption', { data: { caption: 'the digit 3 is next to a cat', samples: 1 } });
  expect(routed.status()).toBe(202);
  expect(await routed.json()).toMatchObject({ model: 'align-draw-flickr', reading: { kind: 'free-text' } });

  // The Corel-5k model draws the tags it knows in a sentence, and says which words it left out.
  const sentence = await request.post('/api/caption', { data: { caption: 'A dog running on the beach', samples: 1, model: 'align-draw-corel' } });
  expect(sentence.status()).toBe(202);
  expect(await sentence.json()).toMatchObject({
    caption: 'dog run beach',
    typed: 'A dog running on the beach',
    folded: [{ typed: 'running', word: 'run' }],
    leftOut: ['a', 'on', 'the'],
    words: ['dog', 'run', 'beach'],
  });
  // No tag it knows: a short message with a few close tags (the full list stays in the JSON).
  const none = await request.post('/api/caption', { data: { caption: 'the bananna', model: 'align-draw-corel' } });
  expect(none.status()).toBe(422);
  const noneError = (await none.json()).error;
  expect(noneError.code).toBe('UNKNOWN_WORDS');
  expect(noneError.message.length).toBeLessThan(400);
  expect(noneError.details.known).toHaveLength(374);

  for (const data of [{ caption: '   ' }, { caption: 'x'.repeat(201) }, { caption: CAPTION, samples: 17 }, { caption: CAPTION, samples: 0 }, { caption: CAPTION, seed: -1 }, { caption: 42 }]) {
    const response = await request.post('/api/caption', { data });
    expect(response.status(), JSON.stringify(data)).toBe(400);
    expect((await response.json()).error.code).toBe('BAD_REQUEST');
  }
  const badJson = await request.post('/api/caption', { headers: { 'content-type': 'application/json' }, data: '{"caption": ' });
  expect(badJson.status()).toBe(400);

  const examples = await (await request.get('/api/caption/examples')).json();
  expect(examples.models.map((m: { name: string }) => m.name)).toContain('align-draw-mnist');
  expect(examples.examples.some((e: { kind: string }) => e.kind === 'novel')).toBe(true);
});

test('a caption is drawn step by step, its alignment shown, saved to the gallery and drawn again identically from there', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/caption');
  await expect(page.getByRole('heading', { name: 'Caption → images' })).toBeVisible();
  // Example captions are offered, labelled seen and novel.
  await expect(page.getByTestId('example-caption').filter({ hasText: 'the digit 3 is on the left of the digit 5' })).toHaveAttribute('data-kind', 'seen');
  await expect(page.locator('[data-testid="example-caption"][data-kind="novel"]').first()).toBeVisible();

  await page.getByTestId('caption-input').fill('');
  await page.getByTestId('caption-input').pressSequentially('the digit 3 is on the left of the cat');
  await expect(page.getByTestId('unknown-hint')).toContainText('“cat”');
  // MNIST cannot draw it: Draw waits, and the model that could is offered.
  await expect(page.getByTestId('draw')).toBeDisabled();
  await expect(page.getByTestId('switch-model')).toHaveText('Draw it with Flickr8k photos instead');
  await page.getByTestId('caption-input').fill(CAPTION);
  await expect(page.getByTestId('unknown-hint')).toHaveCount(0);
  await expect(page.getByTestId('draw')).toBeEnabled();
  await page.getByTestId('samples-input').fill('4');
  await page.getByTestId('seed-input').fill('');
  // MNIST starts at its default temperature; this drawing asks for another.
  await expect(page.getByTestId('temperature-input')).toHaveValue('0.5');
  await page.getByTestId('temperature-input').fill('1.5');
  await page.getByTestId('draw').click();
  await expect(page.getByTestId('caption-error')).toContainText('The temperature is a number from 0 to 1');
  await page.getByTestId('temperature-input').fill('0.8');
  await page.getByTestId('draw').click();

  await expect(page.getByTestId('caption-reading')).toHaveAttribute('data-kind', 'seen');
  const canvases = page.getByTestId('live-canvas');
  await expect(canvases).toHaveCount(4);
  // The steps stream in and the canvases fill with ink while the model draws.
  await expect(page.getByTestId('draw-steps')).toContainText(/step \d+ of \d+/, { timeout: 120_000 });
  await expect.poll(async () => Number(await canvases.first().getAttribute('data-ink')), { timeout: 120_000 }).toBeGreaterThan(0);
  await expect(page.getByTestId('draw-steps')).toContainText(/step (\d+) of \1 · done/, { timeout: 120_000 });
  const steps = Number((await page.getByTestId('draw-steps').textContent())!.match(/of (\d+)/)![1]);
  expect(steps).toBeGreaterThan(1);

  // The seed the server chose is in the form and in the address.
  const seed = await page.getByTestId('seed-input').inputValue();
  expect(seed).toMatch(/^\d+$/);
  await expect(page).toHaveURL(new RegExp(`seed=${seed}`));
  await expect(page).toHaveURL(/temperature=0\.8/);

  const images = page.getByTestId('result-image');
  await expect(images).toHaveCount(4);
  const first = await imageNames(page);
  expect(new Set(first).size).toBe(4); // four different drawings of one caption

  // A sample's word alignment: steps × words, rows summing to 1; and its drawing replayed step by step.
  await images.nth(1).click();
  await expect(page.getByTestId('sample-detail')).toBeVisible();
  await expect(page.getByTestId('heatmap-word')).toHaveText(WORDS);
  await expect(page.getByTestId('heatmap-row')).toHaveCount(steps);
  const sums = await page.getByTestId('heatmap-row').evaluateAll((rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].reduce((sum, td) => sum + Number(td.getAttribute('data-weight')), 0)),
  );
  for (const sum of sums) expect(sum).toBeCloseTo(1, 2);
  await expect(page.getByTestId('replay-canvas')).toHaveAttribute('data-step', String(steps));
  await page.getByTestId('replay-step').fill('1');
  await expect(page.getByTestId('replay-label')).toHaveText(`step 1 of ${steps}`);
  await expect(page.getByTestId('replay-canvas')).toHaveAttribute('data-step', '1');

  // Saved to the gallery, with its caption, seed and model version.
  await page.getByTestId('saved-link').click();
  await expect(page).toHaveURL(/\/gallery\/generations\//);
  await expect(page.getByTestId('generation-caption')).toContainText(CAPTION);
  await expect(page.getByTestId('generation-seed')).toHaveText(seed);
  await expect(page.getByTestId('generation-temperature')).toHaveText('0.8');
  await expect(page.getByTestId('generation-version')).not.toHaveText('—');
  expect(await imageNames(page)).toEqual(first);
  await expect(page.getByTestId('alignment-heatmap')).toBeVisible();

  await page.goto('/gallery');
  const tile = page.getByTestId('generation-tile').first();
  await expect(tile.getByTestId('generation-caption')).toContainText(CAPTION);
  await expect(tile).toContainText(`seed ${seed}`);
  await tile.click();

  // Draw again from the gallery: the same caption, samples, seed and temperature give the same images.
  await page.getByTestId('draw-again').click();
  await expect(page).toHaveURL(/\/caption\?/);
  await expect(page.getByTestId('caption-input')).toHaveValue(CAPTION);
  await expect(page.getByTestId('samples-input')).toHaveValue('4');
  await expect(page.getByTestId('seed-input')).toHaveValue(seed);
  await expect(page.getByTestId('temperature-input')).toHaveValue('0.8');
  await page.getByTestId('draw').click();
  await expect(page.getByTestId('draw-steps')).toContainText(/step (\d+) of \1 · done/, { timeout: 120_000 });
  await expect(page.getByTestId('result-image')).toHaveCount(4);
  expect(await imageNames(page)).toEqual(first);
});

test('the Corel-5k model draws a caption of tags as colour pictures', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/caption');
  await page.getByTestId('model-select').selectOption('align-draw-corel');
  // Its own examples replace the MNIST ones; a hyphenated tag is known, a made-up word is not.
  await expect(page.getByTestId('example-caption').filter({ hasText: 'sky water tree' })).toHaveAttribute('data-kind', 'example');
  await page.getByTestId('caption-input').fill('close-up flowers banana');
  await expect(page.getByTestId('caption-will-draw')).toHaveText('It will draw “close-up flowers”, leaving out “banana”: the Corel-5k photos model knows only its tags.');
  await expect(page.getByTestId('draw')).toBeEnabled();
  // No tag it knows: Draw waits; close tags to click, and every tag to browse, not a list of 374 words.
  await page.getByTestId('caption-input').fill('the bananna');
  await expect(page.getByTestId('unknown-hint')).toContainText('it does not know “the”, “bananna”');
  await expect(page.getByTestId('draw')).toBeDisabled();
  expect((await page.getByTestId('unknown-hint').textContent())!.length).toBeLessThan(400);
  await page.getByTestId('browse-words').click();
  const tags = page.getByTestId('caption-vocabulary');
  await expect(tags).toHaveAttribute('open', '');
  await tags.getByTestId('caption-vocabulary-filter').fill('tig');
  await tags.getByTestId('caption-vocabulary-word').filter({ hasText: /^tiger$/ }).click();
  await expect(page.getByTestId('caption-input')).toHaveValue('tiger');
  await expect(page.getByTestId('draw')).toBeEnabled();
  await page.getByTestId('example-caption').filter({ hasText: 'sky water tree' }).click();
  await expect(page.getByTestId('caption-input')).toHaveValue('sky water tree');
  // A sentence: it draws the tags it knows and says which words it left out.
  await page.getByTestId('caption-input').fill('A cat sleeping on the grass');
  await page.getByTestId('samples-input').fill('2');
  await page.getByTestId('seed-input').fill('7');
  await page.getByTestId('draw').click();
  await expect(page.getByTestId('caption-read')).toHaveText('Drew “cat grass” from “A cat sleeping on the grass”, leaving out “a”, “sleeping”, “on”, “the”: the model knows only its tags.');
  await expect(page.getByTestId('draw-steps')).toContainText(/step (\d+) of \1 · done/, { timeout: 120_000 });
  const images = page.getByTestId('result-image');
  await expect(images).toHaveCount(2);
  // The saved pictures are 32×32 colour PNGs.
  const src = await images.first().locator('img').getAttribute('src');
  const png = await page.request.get(src!);
  expect(png.headers()['content-type']).toBe('image/png');
  const bytes = await png.body();
  expect(bytes.readUInt32BE(16)).toBe(32); // IHDR width
  expect(bytes.readUInt32BE(20)).toBe(32); // IHDR height
  expect(bytes[25]).toBe(2); // colour type 2: RGB
  await expect(page).toHaveURL(/model=align-draw-corel/);
});

test('the Flickr8k model draws an everyday sentence, showing which words each step attended to', async ({ page, request }) => {
  test.setTimeout(180_000);
  await page.goto('/caption');
  // A sentence outside MNIST's grammar: the page proposes the model that reads whole sentences.
  await page.getByTestId('caption-input').fill('A skateboarder does a kickflip at sunset 🛹');
  await expect(page.getByTestId('draw')).toBeDisabled();
  await page.getByTestId('switch-model').click();
  await expect(page.getByTestId('model-select')).toHaveValue('align-draw-flickr');
  await expect(page.getByTestId('example-caption').first()).toBeVisible();
  await page.getByTestId('samples-input').fill('3');
  await page.getByTestId('seed-input').fill('11');
  await page.getByTestId('draw').click();
  await expect(page.getByTestId('caption-read')).toHaveText('Drew “A skateboarder does a kickflip at sunset 🛹”, leaving out “🛹”: no word piece the model learned spells them.');
  await expect(page.getByTestId('draw-steps')).toContainText(/step (\d+) of \1 · done/, { timeout: 120_000 });
  const images = page.getByTestId('result-image');
  await expect(images).toHaveCount(3);
  const bytes = await (await page.request.get((await images.first().locator('img').getAttribute('src'))!)).body();
  expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20), bytes[25]]).toEqual([32, 32, 2]);
  // The alignment names whole words, "kickflip" among them, though the model read it in pieces.
  await images.first().click();
  const words = await page.getByTestId('heatmap-word').allTextContents();
  expect(words).toEqual(['a', 'skateboarder', 'does', 'a', 'kickflip', 'at', 'sunset']);
  await expect(page.getByTestId('heatmap-row')).toHaveCount(16);
  await expect(page).toHaveURL(/model=align-draw-flickr/);

  // Bad input gets a clear 400 saying what to type; nothing else is refused.
  for (const caption of ['', 'a dog '.repeat(40), '🐱 🐶', '?!']) {
    const response = await request.post('/api/caption', { data: { caption, model: 'align-draw-flickr' } });
    expect(response.status(), caption).toBe(400);
    expect((await response.json()).error.message.length).toBeGreaterThan(20);
  }
  const odd = await request.post('/api/caption', { data: { caption: 'zebras!!! on a skatepark??? 123', samples: 1, model: 'align-draw-flickr' } });
  expect(odd.status()).toBe(202);
});

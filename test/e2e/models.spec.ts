import { expect, test } from '@playwright/test';

/** A number written with more than 4 decimals ("0.191780821917808", "epoch 19.945205479452056"). */
const LONG_DECIMALS = /\d\.\d{5,}/;

test('/models reads as a person reads it: round axis ticks, short numbers, records summarised with their JSON folded, no scratch paths', async ({ page }) => {
  await page.goto('/models');
  await expect(page.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();

  // Chart axes: round ticks, no long decimals, none overlapping another on the same axis.
  const charts = page.locator('figure svg');
  expect(await charts.count()).toBeGreaterThan(5);
  const axes = await charts.evaluateAll((svgs) =>
    svgs.map((svg) => {
      const box = (axis: string) =>
        [...svg.querySelectorAll(`text[data-axis="${axis}"]`)].map((t) => {
          const r = t.getBoundingClientRect();
          return { text: t.textContent ?? '', left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        });
      return { x: box('x'), y: box('y') };
    }),
  );
  for (const { x, y } of axes) {
    expect(x.length).toBeGreaterThanOrEqual(2);
    expect(y.length).toBeGreaterThanOrEqual(2);
    for (const label of [...x, ...y]) expect(label.text).not.toMatch(LONG_DECIMALS);
    for (let i = 1; i < x.length; i++) expect(x[i].left, `x ticks ${x[i - 1].text} and ${x[i].text}`).toBeGreaterThanOrEqual(x[i - 1].right);
    for (let i = 1; i < y.length; i++) expect(y[i].bottom, `y ticks ${y[i - 1].text} and ${y[i].text}`).toBeLessThanOrEqual(y[i - 1].top);
  }
  // The GAN's epochs are fractions (a point every few steps): its axis still reads 0 … 20.
  const ganOmniglot = page.getByTestId('model-card-gan-omniglot');
  await expect(ganOmniglot.locator('text[data-axis="x"]').last()).toHaveText('20');

  // Tables and the training facts outside the folded details: no number with more than 4 decimals.
  const shown = await page.evaluate(() => {
    const texts: string[] = [];
    // Each text node on its own (a line's last number and the next line's label are two nodes).
    for (const el of document.querySelectorAll('table td, table th, dl dd')) {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      const parts: string[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) if (!node.parentElement?.closest('details')) parts.push(node.textContent ?? '');
      texts.push(parts.join(' | '));
    }
    return texts;
  });
  expect(shown.length).toBeGreaterThan(50);
  expect(shown.filter((t) => LONG_DECIMALS.test(t))).toEqual([]);

  // Records (Config, Parameters, Snapshots, Settings) as "key: value" lines, their JSON under a closed "details".
  const config = ganOmniglot.locator('dd', { has: page.locator('details') }).first();
  await expect(config.locator('li').first()).toHaveText(/^[A-Z][^:]*: \S/);
  const details = config.locator('details');
  await expect(details.locator('summary')).toHaveText('details');
  await expect(details.locator('pre')).toBeHidden();
  await details.locator('summary').click();
  await expect(details.locator('pre')).toBeVisible();
  expect(JSON.parse((await details.locator('pre').textContent()) ?? '')).toBeTruthy();
  // No raw JSON outside the details, and no sentence cut off with an ellipsis.
  expect(shown.filter((t) => /^\s*[{[]"/.test(t) || /[^.]…$/.test(t.trim()))).toEqual([]);

  // No training command names a scratch folder.
  expect(await page.content()).not.toContain('/tmp/');
});

test('the Flickr8k alignDRAW card shows its figures: one word changed, and new scenes beside their nearest training sentence', async ({ page }) => {
  await page.goto('/models');
  const card = page.getByTestId('model-card-align-draw-flickr');
  await expect(card.getByTestId('model-figures')).toBeVisible();
  const rows = card.getByTestId('figure-row');
  expect(await rows.count()).toBeGreaterThanOrEqual(7);
  await expect(rows.filter({ hasText: '“a dog on the snow”' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'Nearest training sentence' }).first()).toBeVisible();
  // Every strip loads (a missing picture would be named on the card instead) and says what it shows.
  const strips = await rows.locator('img').evaluateAll((images) => images.map((img) => ({ width: (img as HTMLImageElement).naturalWidth, alt: img.getAttribute('alt') ?? '' })));
  for (const strip of strips) {
    expect(strip.width).toBeGreaterThan(0);
    expect(strip.alt.length).toBeGreaterThan(10);
  }
});

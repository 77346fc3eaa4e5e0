import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

/** Whether each checkpoint's evaluation.json says its goal is met, read here without the app's code. */
function goalsOf(...checkpoints: string[]): { met: number; total: number } {
  let met = 0;
  let total = 0;
  for (const dir of checkpoints) {
    const file = path.join('models', dir, 'evaluation.json');
    if (!fs.existsSync(file)) continue;
    const goal = (JSON.parse(fs.readFileSync(file, 'utf8')) as { goal?: { met: boolean } }).goal;
    if (!goal) continue;
    total++;
    if (goal.met) met++;
  }
  return { met, total };
}

test('the navigation and the home page list every page, each card saying what its models’ evaluations say', async ({ page }) => {
  await page.goto('/');
  const nav = page.locator('header nav a');
  await expect(nav).toHaveText(['Gallery', 'Tags', 'Caption', 'One-shot', 'GAN', 'Foundations', 'Models']);

  const card = (title: string) => page.locator('.card', { has: page.getByRole('heading', { name: title, exact: true }) });
  const gan = goalsOf('gan/checkpoint-mnist', 'gan/checkpoint-omniglot');
  const oneshot = goalsOf('oneshot/checkpoint');
  const tags = goalsOf('multimodal-dbm/checkpoint', 'multimodal-dbm/checkpoint-flickr');
  const status = ({ met, total }: { met: number; total: number }) =>
    met === total ? (total === 1 ? 'available · goal met' : `available · all ${total} goals met`) : `available · ${met} of ${total} goals met`;

  await expect(card('GAN playground').locator('.badge')).toHaveText(status(gan));
  await expect(card('One-shot characters').locator('.badge')).toHaveText(status(oneshot));
  await expect(card('Photo → tags').locator('.badge')).toHaveText(status(tags));
  // A goal that is not met is named on the card.
  if (gan.met < gan.total) await expect(card('GAN playground')).toContainText('Goal not met: DCGAN on Omniglot characters');

  await card('Caption → images').click();
  await expect(page).toHaveURL(/\/caption$/);
});

/**
 * Every page on a 390 px phone, a 768 px tablet and a desktop: the page never scrolls sideways (wide tables and
 * grids scroll inside their own box), and the navigation folds into a menu on the phone. Each page's
 * screenshot, whole, is saved under test-results/screens/ for a person to look at.
 */
import { expect, test, type Page } from '@playwright/test';
import { everyPage, visit } from './pages';

const SCREENS = 'test-results/screens';
const SIZES = [
  { label: 'phone', width: 390, height: 844 },
  { label: 'tablet', width: 768, height: 1024 },
  { label: 'desktop', width: 1280, height: 800 },
] as const;

/** The page's width against the window's, and the elements that stick out past its right edge. */
const widths = (page: Page) =>
  page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    const sticking =
      scrollWidth <= innerWidth
        ? []
        : [...document.body.querySelectorAll('*')]
            .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
            // The outermost ones: an element whose parent sticks out too says nothing new.
            .filter((el) => !(el.parentElement && el.parentElement.getBoundingClientRect().right > innerWidth + 0.5))
            .slice(0, 8)
            .map((el) => `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}> right edge ${Math.round(el.getBoundingClientRect().right)} px`);
    return { innerWidth, scrollWidth, sticking };
  });

test('every page fits a 390 px phone, a tablet and a desktop without scrolling sideways, screenshots saved', async ({ page }) => {
  test.setTimeout(360_000);
  const pages = await everyPage(page);
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    for (const { name, path } of pages) {
      await visit(page, path);
      const { innerWidth, scrollWidth, sticking } = await widths(page);
      await page.screenshot({ path: `${SCREENS}/${name}-${size.label}.png`, fullPage: true });
      expect(innerWidth, `${path} at ${size.label}`).toBe(size.width);
      expect(scrollWidth, `${path} at ${size.width} px is ${scrollWidth} px wide; sticking out: ${sticking.join(', ')}`).toBeLessThanOrEqual(innerWidth);
    }
  }
});

test('on a phone the navigation is a menu a button opens and closes, by touch or keyboard', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  const button = page.getByRole('button', { name: 'Menu' });
  const links = page.locator('header nav a');
  await expect(button).toBeVisible();
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(links.first()).toBeHidden();

  await button.click();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await expect(links).toHaveCount(7);
  for (const link of await links.all()) await expect(link).toBeVisible();
  await page.screenshot({ path: `${SCREENS}/menu-open-phone.png` });

  // Escape closes it and gives the focus back to the button; Enter opens it again, Tab reaches its links.
  await page.keyboard.press('Escape');
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(button).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('Tab');
  await expect(links.first()).toBeFocused();
  // The first Tab stop of a page skips the navigation.
  await page.reload();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to the page' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  await button.click();

  // A link followed closes the menu, and the new page is marked as the current one.
  await page.locator('header nav').getByRole('link', { name: 'Foundations' }).click();
  await expect(page).toHaveURL(/\/foundations$/);
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await expect(links.first()).toBeHidden();
  await expect(page.locator('header nav a[aria-current="page"]')).toHaveText('Foundations');
  const { scrollWidth, innerWidth } = await widths(page);
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
});

test('on a desktop the navigation is a row of links and no menu button', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/gan');
  await expect(page.getByRole('button', { name: 'Menu' })).toBeHidden();
  for (const link of await page.locator('header nav a').all()) await expect(link).toBeVisible();
  await expect(page.locator('header nav a[aria-current="page"]')).toHaveText('GAN');
});

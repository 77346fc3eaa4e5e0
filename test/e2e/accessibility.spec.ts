/**
 * Accessibility: axe-core's WCAG 2.0 and 2.1 A and AA rules find nothing on any page, at a
 * desktop's width and at a phone's; every control on a page is reached by the Tab key; the
 * drawing pad's undo works from the keyboard (Ctrl+Z, ⌘Z).
 *
 * axe is injected with page.evaluate (not addScriptTag, which the page's Content-Security-Policy
 * blocks, as it should).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test, type Page } from '@playwright/test';
import { everyPage, visit } from './pages';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: string[]; failureSummary?: string; html: string }[];
}

/** axe's violations on the page as it is now, each written out readably. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(
    (tags) =>
      (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: Violation[] }> } }).axe
        .run(document, { runOnly: { type: 'tag', values: tags } })
        .then((results) => results.violations.map(({ id, impact, help, helpUrl, nodes }) => ({ id, impact, help, helpUrl, nodes: nodes.map(({ target, failureSummary, html }) => ({ target, failureSummary, html })) }))),
    TAGS,
  );
  return violations.flatMap((v) =>
    v.nodes.map(
      (node) =>
        `${v.id} (${v.impact}): ${v.help}\n    at ${node.target.join(' ')}\n    ${node.html.slice(0, 200)}\n    ${(node.failureSummary ?? '').replace(/\n/g, '\n    ')}\n    ${v.helpUrl}`,
    ),
  );
}

test('the check finds a violation when a page has one', async ({ page }) => {
  await page.goto('/');
  // Elements added before React has hydrated the page can be replaced by hydration, so they are
  // added again until the check has seen them (a check that never finds them still fails).
  await expect(async () => {
    await page.evaluate(() => {
      document.querySelectorAll('[data-injected]').forEach((element) => element.remove());
      const img = document.createElement('img');
      img.src = '/icon.svg';
      const faint = document.createElement('p');
      faint.textContent = 'barely there';
      faint.style.color = '#181b22';
      for (const element of [img, faint]) element.setAttribute('data-injected', '');
      document.querySelector('main')!.append(img, faint);
    });
    const found = (await axeViolations(page)).join('\n');
    expect(found).toContain('image-alt');
    expect(found).toContain('color-contrast');
  }).toPass({ timeout: 30_000 });
});

test('axe finds no WCAG 2 A or AA violation on any page, on a desktop or a phone', async ({ page }) => {
  test.setTimeout(360_000);
  const pages = await everyPage(page);
  const found: string[] = [];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    for (const { path } of pages) {
      await visit(page, path);
      for (const violation of await axeViolations(page)) found.push(`${path} at ${width} px — ${violation}`);
      // What is folded away under "details" is read too, once unfolded.
      const unfolded = await page.evaluate(() => {
        const folded = [...document.querySelectorAll('details:not([open])')] as HTMLDetailsElement[];
        for (const details of folded) details.open = true;
        return folded.length;
      });
      if (unfolded > 0) for (const violation of await axeViolations(page)) found.push(`${path} at ${width} px, details unfolded — ${violation}`);
    }
  }
  expect(found, `${found.length} violations:\n\n${found.join('\n\n')}`).toEqual([]);
});

/**
 * Presses Tab until the focus comes round again, and returns the controls it never reached: every
 * visible link, button, field and element that says it takes focus should be among those it did.
 */
async function unreachedByTab(page: Page): Promise<string[]> {
  const total = await page.evaluate(() => {
    const controls = [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"]), [role="button"], [role="tab"], [role="slider"], [role="checkbox"], [role="link"]')]
      .filter((el) => !(el as HTMLButtonElement).disabled && el.getAttribute('aria-hidden') !== 'true' && el.checkVisibility({ visibilityProperty: true }) && el.getClientRects().length > 0)
      // A radio group is one Tab stop: its checked radio, or its first.
      .filter((el) => {
        if (!(el instanceof HTMLInputElement) || el.type !== 'radio' || !el.name) return true;
        const group = [...document.querySelectorAll<HTMLInputElement>(`input[type="radio"][name="${CSS.escape(el.name)}"]`)].filter((r) => !r.disabled);
        return el === (group.find((r) => r.checked) ?? group[0]);
      });
    controls.forEach((el, i) => el.setAttribute('data-tab-check', String(i)));
    (document.activeElement as HTMLElement | null)?.blur();
    return controls.length;
  });
  const reached = new Set<string>();
  let first: string | null = null;
  for (let press = 0; press < total + 40; press++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => document.activeElement?.getAttribute('data-tab-check') ?? (document.activeElement === document.body ? 'body' : 'other'));
    if (at === first) break;
    first ??= at;
    reached.add(at);
  }
  return page.evaluate(
    (seen) =>
      [...document.querySelectorAll<HTMLElement>('[data-tab-check]')]
        .filter((el) => !seen.includes(el.getAttribute('data-tab-check')!))
        .map((el) => `<${el.tagName.toLowerCase()}> ${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 60) || el.outerHTML.slice(0, 120)}`),
    [...reached],
  );
}

test('the Tab key reaches every control on every page', async ({ page }) => {
  test.setTimeout(240_000);
  const pages = await everyPage(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  const missed: string[] = [];
  for (const { path } of pages) {
    await visit(page, path);
    for (const control of await unreachedByTab(page)) missed.push(`${path}: ${control}`);
  }
  expect(missed, missed.join('\n')).toEqual([]);
});

test("the drawing pad's last stroke is undone with Ctrl+Z or ⌘Z, and not while typing in a field", async ({ page }) => {
  await page.goto('/oneshot');
  const pad = page.getByTestId('drawing-pad');
  await expect(pad).toBeVisible();
  const box = (await pad.boundingBox())!;
  const stroke = async (y: number) => {
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * y);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++) await page.mouse.move(box.x + box.width * (0.2 + 0.07 * i), box.y + box.height * y);
    await page.mouse.up();
  };
  await stroke(0.3);
  await stroke(0.5);
  await stroke(0.7);
  await expect(pad).toHaveAttribute('data-strokes', '3');

  await page.keyboard.press('Control+z');
  await expect(pad).toHaveAttribute('data-strokes', '2');
  await page.keyboard.press('Meta+z');
  await expect(pad).toHaveAttribute('data-strokes', '1');

  // In a text or number field Ctrl+Z is the field's own undo.
  const field = page.locator('input:not([type="hidden"]):not([type="file"])').first();
  await field.focus();
  await page.keyboard.press('Control+z');
  await expect(pad).toHaveAttribute('data-strokes', '1');

  // The Undo button is a control like any other: focused and pressed with the keyboard.
  await page.getByTestId('undo').focus();
  await page.keyboard.press('Enter');
  await expect(pad).toHaveAttribute('data-strokes', '0');
  await expect(page.getByTestId('undo')).toBeDisabled();
});

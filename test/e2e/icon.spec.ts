/**
 * The site's icon (public/): every page names it, /favicon.ico and /icon.svg answer with it, with
 * the security headers of every answer, no owner cookie, and a policy under which an SVG opened on
 * its own runs nothing.
 */
import { expect, test } from '@playwright/test';

test('every page names the icon, and /favicon.ico and /icon.svg serve it with the right headers', async ({ page, request }) => {
  await page.goto('/gan');
  const icons = await page.locator('head link[rel="icon"]').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
  expect(icons).toEqual(expect.arrayContaining(['/favicon.ico', '/icon.svg']));

  for (const [path, type] of [
    ['/favicon.ico', 'image/x-icon'],
    ['/icon.svg', 'image/svg+xml'],
  ]) {
    const answer = await request.get(path);
    expect(answer.status(), path).toBe(200);
    const headers = answer.headers();
    expect(headers['content-type'], path).toContain(type);
    expect(headers['x-content-type-options'], path).toBe('nosniff');
    expect(headers['x-frame-options'], path).toBe('DENY');
    expect(headers['content-security-policy'], path).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
    expect(headers['set-cookie'], path).toBeUndefined();
    expect((await answer.body()).length, path).toBeGreaterThan(200);
  }
  const svg = await (await request.get('/icon.svg')).text();
  expect(svg).toContain('<title>Latent Studio</title>');
  expect(svg).not.toMatch(/<script|on\w+=/i);
});

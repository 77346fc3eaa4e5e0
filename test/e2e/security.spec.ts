/**
 * The headers of every page, API answer and stored image (lib/http/front-door.ts), and every page
 * working under its Content-Security-Policy: no violation reported, and React hydrated (a click on
 * a navigation link is a client-side navigation, which only a hydrated page makes).
 */
import fs from 'node:fs';
import { expect, test, type Page, type Response } from '@playwright/test';
import { corelPhoto } from './hostile';

const PAGES = ['/', '/tags', '/caption', '/gan', '/oneshot', '/foundations', '/models', '/gallery'];

/** The page's CSP violations: `securitypolicyviolation` events and the console's "Refused to …" errors. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const fromConsole: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame)/i.test(message.text())) fromConsole.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = ((window as unknown as { __violations: string[] }).__violations = []);
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective}: ${event.blockedURI} (${event.sourceFile}:${event.lineNumber})`));
  });
  return async () => [...fromConsole, ...(await page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? []))];
}

function expectPagePolicy(response: Response | null, path: string): string {
  expect(response, path).not.toBeNull();
  const csp = response!.headers()['content-security-policy'];
  expect(csp, `${path}: Content-Security-Policy`).toBeTruthy();
  const script = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '));
  expect(script, path).toMatch(/'nonce-[A-Za-z0-9+/=]+'/);
  expect(script, path).toContain("'strict-dynamic'");
  expect(script, path).not.toContain("'unsafe-inline'");
  expect(script, path).not.toContain("'unsafe-eval'");
  expect(csp, path).toContain("frame-ancestors 'none'");
  expect(csp, path).toContain("object-src 'none'");
  const headers = response!.headers();
  expect(headers['x-content-type-options'], path).toBe('nosniff');
  expect(headers['x-frame-options'], path).toBe('DENY');
  expect(headers['referrer-policy'], path).toBe('same-origin');
  return /'nonce-([A-Za-z0-9+/=]+)'/.exec(script!)![1];
}

test('every page is served under a nonce policy, reports no violation, and hydrates', async ({ page }) => {
  const violations = await watchViolations(page);
  const nonces = new Set<string>();
  for (const path of PAGES) {
    const response = await page.goto(path);
    expect(response!.status(), path).toBe(200);
    const nonce = expectPagePolicy(response, path);
    nonces.add(nonce);
    // Next put the nonce on every script of the page.
    const scripts = await page.evaluate(() => [...document.querySelectorAll('script')].map((s) => ({ src: s.src || 'inline', nonce: s.nonce })));
    expect(scripts.length, path).toBeGreaterThan(0);
    for (const script of scripts) expect(script.nonce, `${path}: ${script.src}`).toBe(nonce);

    // Hydrated: a navigation link moves on without reloading the page (the marker survives).
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const target = path === '/models' ? '/gallery' : '/models';
    await page.locator(`header a[href="${target}"]`).click();
    await expect(page).toHaveURL(new RegExp(`${target}$`));
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), `${path} → ${target} is a client-side navigation`).toBe(true);
    expect(await violations(), path).toEqual([]);
  }
  expect(nonces.size, 'a fresh nonce for every page').toBe(PAGES.length);
});

test('a control that only React runs works under the policy', async ({ page }) => {
  const violations = await watchViolations(page);
  await page.goto('/gan');
  // The training game's slider is client state: moving it to 0 shows the untrained samples. A
  // move made before React has hydrated the page changes the bare input only, so it is made again
  // until React answers (a page that never hydrates never does).
  await expect(async () => {
    await page.getByTestId('snapshot-slider').fill('1');
    await page.getByTestId('snapshot-slider').fill('0');
    await expect(page.getByText('Before training')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  expect(await violations()).toEqual([]);
});

test('the not-found page and static assets carry the headers too', async ({ page, request }) => {
  const violations = await watchViolations(page);
  const missing = await page.goto('/no-such-page');
  expect(missing!.status()).toBe(404);
  expectPagePolicy(missing, '/no-such-page');
  expect(await violations()).toEqual([]);

  await page.goto('/');
  const asset = await page.evaluate(() => [...document.querySelectorAll('script[src]')].map((s) => (s as HTMLScriptElement).src).find((src) => src.includes('/_next/static/')));
  expect(asset).toBeTruthy();
  const answer = await request.get(asset!);
  expect(answer.status()).toBe(200);
  expect(answer.headers()['x-content-type-options']).toBe('nosniff');
  expect(answer.headers()['x-frame-options']).toBe('DENY');
});

test('an API answer and a stored image carry the locked-down policy, and health names no path', async ({ request }) => {
  const expectApiHeaders = (headers: Record<string, string>, what: string) => {
    expect(headers['content-security-policy'], what).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['x-frame-options'], what).toBe('DENY');
    expect(headers['referrer-policy'], what).toBe('same-origin');
  };
  const health = await request.get('/api/health');
  expectApiHeaders(health.headers(), 'GET /api/health');
  const text = await health.text();
  expect(text).not.toContain(process.cwd());
  expect(JSON.parse(text).dataDir).toEqual({ present: expect.any(Boolean) });

  const stored = await request.post('/api/uploads', {
    headers: { origin: new URL(health.url()).origin },
    multipart: { file: { name: 'tiger.jpg', mimeType: 'image/jpeg', buffer: fs.readFileSync(corelPhoto('108000')) } },
  });
  expect(stored.status(), await stored.text()).toBeLessThan(300);
  expectApiHeaders(stored.headers(), 'POST /api/uploads');
  const blob = /\/api\/blobs\/[0-9a-f]{64}/.exec(await stored.text())?.[0];
  expect(blob, 'the upload names its stored image').toBeTruthy();
  for (const url of [blob!, `${blob}?w=160`]) {
    const image = await request.get(url);
    expect(image.status(), url).toBe(200);
    expect(image.headers()['content-type'], url).toMatch(/^image\//);
    expectApiHeaders(image.headers(), url);
  }
});

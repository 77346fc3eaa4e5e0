/**
 * Every page of the app, for the checks that visit them all (phones.spec.ts, accessibility.spec.ts):
 * the fixed pages, and a photo's and a saved generation's own pages, made for the browser first.
 */
import fs from 'node:fs';
import { expect, type Page } from '@playwright/test';
import { corelPhoto } from './hostile';

export const FIXED_PAGES = ['/', '/tags', '/caption', '/gan', '/oneshot', '/foundations', '/models', '/gallery'] as const;

export interface PageVisit {
  /** A file-name-safe name for screenshots. */
  name: string;
  path: string;
}

const nameOf = (path: string) => (path === '/' ? 'home' : path.slice(1).replace(/\/[^/]{16,}$/, '-item').replace(/\//g, '-'));

/** The pages to visit: the fixed ones, then a photo's page and a GAN run's page of this browser's own. */
export async function everyPage(page: Page): Promise<PageVisit[]> {
  await page.goto('/gallery');
  const upload = await page.request.post('/api/uploads', {
    multipart: { file: { name: 'polar-bear.jpg', mimeType: 'image/jpeg', buffer: fs.readFileSync(corelPhoto('100000')) } },
  });
  expect(upload.ok(), await upload.text()).toBe(true);
  const { id } = (await upload.json()) as { id: string };
  const drawn = await page.request.post('/api/gan/samples', { data: { count: 8, seed: 11 } });
  expect(drawn.ok(), await drawn.text()).toBe(true);
  const { generationId } = (await drawn.json()) as { generationId: string };
  const paths = [...FIXED_PAGES, `/gallery/${id}`, `/gallery/generations/${generationId}`];
  return paths.map((path) => ({ path, name: nameOf(path) }));
}

/**
 * Opens a page and waits until it has settled: loaded, no request in flight, and nothing still
 * drawing (the foundations figures say aria-busy while the model server draws them).
 */
export async function visit(page: Page, path: string): Promise<void> {
  const response = await page.goto(path);
  expect(response?.status(), path).toBe(200);
  await page.waitForLoadState('networkidle', { timeout: 20_000 }).catch(() => undefined);
  await expect(page.locator('[aria-busy="true"]'), `${path} still drawing`).toHaveCount(0, { timeout: 60_000 });
  // Images decoded, fonts laid out.
  await page.evaluate(async () => {
    await document.fonts.ready;
    await Promise.all([...document.images].map((img) => (img.complete ? undefined : img.decode().catch(() => undefined))));
  });
}

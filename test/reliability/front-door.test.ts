/**
 * The front door on the production build (`npm start`'s server, lib/http/server.ts and proxy.ts):
 * a cross-site POST is refused before its route runs while the app's own is served, and the rate
 * limits answer a real 429 with Retry-After. RATE_LIMIT_SCALE 0.01 makes the budgets small enough
 * to spend in a test: 30 changes per owner and 60 per address per 10 minutes, 30 reads a minute.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from './app';

let app: AppProcess;
let photo: Buffer;

function upload(headers: Record<string, string>) {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(photo)], { type: 'image/png' }), 'front-door.png');
  return fetch(`${app.url}/api/uploads`, { method: 'POST', body: form, headers });
}

describe('the front door of the production build', () => {
  beforeAll(async () => {
    app = await startApp({ env: { RATE_LIMIT_SCALE: '0.01' } });
    // A photo of its own, so that the upload is new to this app.
    const pixels = Buffer.from(Array.from({ length: 96 * 96 * 3 }, (_, i) => (i * 7919) % 251));
    photo = await sharp(pixels, { raw: { width: 96, height: 96, channels: 3 } }).png().toBuffer();
  });

  afterAll(async () => {
    await app?.kill();
  });

  it('refuses a cross-site upload with 403 CROSS_ORIGIN, and stores the same upload from the app itself', async () => {
    const evil = await upload({ origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect((await evil.json()).error.code).toBe('CROSS_ORIGIN');
    expect(evil.headers.get('x-content-type-options')).toBe('nosniff');
    const sibling = await upload({ 'sec-fetch-site': 'same-site' });
    expect(sibling.status).toBe(403);

    const own = await upload({ origin: app.url, 'sec-fetch-site': 'same-origin' });
    const body = await own.text();
    expect(own.status, body).toBeLessThan(300);
    expect(own.headers.get('set-cookie')).toMatch(/^latent_owner=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    expect(own.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
  });

  it('answers 429 with Retry-After once an owner has spent its budget, and serves another owner', async () => {
    const first = await fetch(`${app.url}/api/gan/samples`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count": 0}' });
    const cookie = first.headers.get('set-cookie')!.split(';')[0];
    const statuses = [first.status];
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const answer = await fetch(`${app.url}/api/gan/samples`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: '{"count": 0}' });
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
      else await answer.arrayBuffer();
    }
    // The first request minted the owner; its 30 were counted from the second.
    expect(statuses.slice(0, 31).every((s) => s === 400), statuses.join(' ')).toBe(true);
    expect(statuses).toHaveLength(32);
    const retryAfter = Number(limited!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(600);
    const { error } = await limited!.json();
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.message).toMatch(/at most 30 .* per 10 min\. Try again in \d+ (s|min)\./);

    // A model-running read, which Next's proxy checks, counts against the same budget as the
    // changes lib/http/server.ts checked: one count per process.
    const similar = await fetch(`${app.url}/api/uploads/any/similar`, { headers: { cookie } });
    expect(similar.status).toBe(429);
    expect(similar.headers.get('retry-after')).toBeTruthy();

    const stranger = await fetch(`${app.url}/api/gan/samples`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count": 0}' });
    expect(stranger.status).toBe(400);
  });

  it('holds reads to their own budget per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const answer = await fetch(`${app.url}/api/tags/vocabulary`);
      statuses.push(answer.status);
      await answer.arrayBuffer();
      if (answer.status === 429) {
        expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(60);
        break;
      }
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.length).toBeLessThanOrEqual(31);
    // Pages are not counted.
    expect((await fetch(`${app.url}/models`)).status).toBe(200);
  });
});

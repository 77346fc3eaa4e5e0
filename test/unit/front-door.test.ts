/**
 * The front door (lib/http/front-door.ts) and its Node adapter (lib/http/server.ts): the owner
 * cookie, the cross-site check, the rate limits, the client's address and the security headers.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_CSP,
  BUDGETS,
  addressKey,
  budgetsFor,
  clientAddress,
  clientOf,
  createLimiters,
  frontDoor,
  spendOwnerBudget,
  type Arrival,
  type Budget,
  type BudgetName,
  type FrontDoorOptions,
} from '@/lib/http/front-door';
import { AppError, withoutPaths } from '@/lib/errors';
import { errorResponse } from '@/lib/http/respond';
import { createAppServer, markClient } from '@/lib/http/server';
import { OWNER_COOKIE, OWNER_COOKIE_MAX_AGE, cookieValue, newOwnerId, sealCookie, sealToken, viewerOf } from '@/lib/owners';

const HOST = 'studio.example:3000';
const NO_LIMITS: FrontDoorOptions = { limiters: null };

function arrival(method: string, pathname: string, headers: Record<string, string> = {}, more: Partial<Arrival> = {}): Arrival {
  return { method, pathname, headers: new Headers({ host: HOST, ...headers }), protocol: 'http', client: '203.0.113.7', ...more };
}

const header = (verdict: { responseHeaders: [string, string][] }, name: string) => verdict.responseHeaders.filter(([n]) => n === name).map(([, v]) => v);

describe('the owner cookie', () => {
  it('is minted for a request without one: httpOnly, SameSite=Lax, Path=/, 400 days, and seen by the route on this very request', async () => {
    const verdict = await frontDoor(arrival('GET', '/gallery', { cookie: 'theme=dark' }), NO_LIMITS);
    expect(verdict.refusal).toBeUndefined();
    const [setCookie, ...more] = header(verdict, 'set-cookie');
    expect(more).toHaveLength(0);
    const attributes = setCookie.split('; ');
    expect(attributes[0]).toMatch(new RegExp(`^${OWNER_COOKIE}=Fe26\\.2\\*`));
    expect(attributes.slice(1).sort()).toEqual(['HttpOnly', `Max-Age=${OWNER_COOKIE_MAX_AGE}`, 'Path=/', 'SameSite=Lax']);
    // The request the page sees carries the new cookie next to the others, and names the same owner.
    const cookie = verdict.requestHeaders.cookie;
    expect(cookie).toContain('theme=dark');
    expect(cookieValue(cookie, OWNER_COOKIE)).toBe(attributes[0].slice(OWNER_COOKIE.length + 1));
    const seen = await viewerOf(new Headers({ cookie }));
    expect(seen).toEqual({ ownerId: verdict.viewer.ownerId, admin: false, via: 'cookie' });
    expect(seen.ownerId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('is Secure only when the request came over https', async () => {
    const https = await frontDoor(arrival('GET', '/', {}, { protocol: 'https' }), NO_LIMITS);
    expect(header(https, 'set-cookie')[0]).toMatch(/; Secure$/);
    const http = await frontDoor(arrival('GET', '/'), NO_LIMITS);
    expect(header(http, 'set-cookie')[0]).not.toContain('Secure');
  });

  it('is minted on API requests too, so a first upload already has an owner', async () => {
    const verdict = await frontDoor(arrival('POST', '/api/uploads'), NO_LIMITS);
    expect(header(verdict, 'set-cookie')).toHaveLength(1);
    expect((await viewerOf(new Headers({ cookie: verdict.requestHeaders.cookie }))).ownerId).toBe(verdict.viewer.ownerId);
  });

  it('is kept when valid: no new cookie, the request unchanged', async () => {
    const ownerId = newOwnerId();
    const sealed = await sealCookie(ownerId);
    const verdict = await frontDoor(arrival('GET', '/tags', { cookie: `a=1; ${OWNER_COOKIE}=${sealed}` }), NO_LIMITS);
    expect(header(verdict, 'set-cookie')).toHaveLength(0);
    expect(verdict.requestHeaders.cookie).toBeUndefined();
    expect(verdict.viewer).toEqual({ ownerId, admin: false, via: 'cookie' });
  });

  it('is replaced when forged, tampered with or a token in disguise, and the downstream request carries only the new one', async () => {
    const real = await sealCookie(newOwnerId());
    const tampered = real.slice(0, -4) + (real.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const forged of ['alice', tampered, await sealToken(newOwnerId()), 'x'.repeat(2000)]) {
      const verdict = await frontDoor(arrival('GET', '/', { cookie: `${OWNER_COOKIE}=${forged}; b=2; ${OWNER_COOKIE}=${forged}` }), NO_LIMITS);
      const [setCookie] = header(verdict, 'set-cookie');
      expect(setCookie, forged.slice(0, 20)).toBeDefined();
      const cookie = verdict.requestHeaders.cookie;
      expect(cookie.split('; ').filter((part) => part.startsWith(`${OWNER_COOKIE}=`))).toHaveLength(1);
      expect(cookie).toContain('b=2');
      expect(cookie).not.toContain(forged);
      expect((await viewerOf(new Headers({ cookie }))).ownerId).toBe(verdict.viewer.ownerId);
    }
  });

  it('is not minted for a request with a valid bearer token', async () => {
    const ownerId = newOwnerId();
    const verdict = await frontDoor(arrival('POST', '/api/uploads', { authorization: `Bearer ${await sealToken(ownerId)}` }), NO_LIMITS);
    expect(verdict.refusal).toBeUndefined();
    expect(header(verdict, 'set-cookie')).toHaveLength(0);
    expect(verdict.viewer).toEqual({ ownerId, admin: false, via: 'token' });
  });

  it('answers a bad bearer token on /api with 401 INVALID_TOKEN, and mints nothing', async () => {
    for (const authorization of ['Bearer nonsense', `Bearer ${await sealCookie(newOwnerId())}`, 'Basic dXNlcjpwYXNz']) {
      const verdict = await frontDoor(arrival('GET', '/api/uploads', { authorization }), NO_LIMITS);
      expect(verdict.refusal?.code, authorization).toBe('INVALID_TOKEN');
      expect(verdict.refusal?.status).toBe(401);
      expect(header(verdict, 'set-cookie')).toHaveLength(0);
      expect(header(verdict, 'content-security-policy')).toEqual([API_CSP]);
    }
    // A page has no JSON to answer with: it is shown, with the browser's cookie.
    const page = await frontDoor(arrival('GET', '/gallery', { authorization: 'Bearer nonsense' }), NO_LIMITS);
    expect(page.refusal).toBeUndefined();
  });
});

describe('cross-site requests', () => {
  const post = (headers: Record<string, string>, more: Partial<Arrival> = {}) => frontDoor(arrival('POST', '/api/uploads', headers, more), NO_LIMITS);

  it('refuses a state-changing /api request from another origin with 403 CROSS_ORIGIN', async () => {
    for (const origin of ['https://evil.example', 'null', `https://${HOST}`, 'http://studio.example:3001', 'http://studio.example']) {
      const verdict = await post({ origin });
      expect(verdict.refusal?.code, origin).toBe('CROSS_ORIGIN');
      expect(verdict.refusal?.status).toBe(403);
    }
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      expect((await frontDoor(arrival(method, '/api/uploads/x/tags', { origin: 'https://evil.example' }), NO_LIMITS)).refusal?.code, method).toBe('CROSS_ORIGIN');
    }
  });

  it('refuses what the browser says another site sent, even without Origin', async () => {
    expect((await post({ 'sec-fetch-site': 'cross-site' })).refusal?.code).toBe('CROSS_ORIGIN');
    expect((await post({ 'sec-fetch-site': 'same-site', origin: `http://${HOST}` })).refusal?.code).toBe('CROSS_ORIGIN');
  });

  it("accepts the app's own pages, requests with no Origin (curl, scripts), and reads from anywhere", async () => {
    expect((await post({ origin: `http://${HOST}`, 'sec-fetch-site': 'same-origin' })).refusal).toBeUndefined();
    expect((await post({ origin: `HTTP://${HOST.toUpperCase()}` })).refusal).toBeUndefined();
    expect((await post({ origin: `https://${HOST}` }, { protocol: 'https' })).refusal).toBeUndefined();
    expect((await post({ 'sec-fetch-site': 'none' })).refusal).toBeUndefined();
    expect((await post({})).refusal).toBeUndefined();
    expect((await frontDoor(arrival('GET', '/api/uploads', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }), NO_LIMITS)).refusal).toBeUndefined();
  });
});

describe('rate limits', () => {
  const small = (points: Partial<Record<BudgetName, number>>) =>
    createLimiters(1, Object.fromEntries(Object.entries(BUDGETS).map(([name, b]) => [name, { ...b, points: points[name as BudgetName] ?? 1000 }])) as Record<BudgetName, Budget>);

  it('answers 429 RATE_LIMITED with Retry-After once an owner has spent its budget, saying which limit and when', async () => {
    const limiters = small({ writesPerOwner: 3 });
    const cookie = `${OWNER_COOKIE}=${await sealCookie(newOwnerId())}`;
    for (let i = 0; i < 3; i++) {
      // Each from another address: the owner is what is counted.
      const verdict = await frontDoor(arrival('POST', '/api/tags', { cookie }, { client: `198.51.100.${i}` }), { limiters });
      expect(verdict.refusal, `request ${i + 1}`).toBeUndefined();
    }
    const over = await frontDoor(arrival('POST', '/api/tags', { cookie }, { client: '198.51.100.9' }), { limiters });
    expect(over.refusal?.code).toBe('RATE_LIMITED');
    expect(over.refusal?.status).toBe(429);
    const [retryAfter] = header(over, 'retry-after');
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(600);
    expect(over.refusal?.message).toMatch(/at most 3 .*this browser.* per 10 min\. Try again in \d+ (s|min)\./);
    // Another owner is not held back.
    expect((await frontDoor(arrival('POST', '/api/tags', { cookie: `${OWNER_COOKIE}=${await sealCookie(newOwnerId())}` }), { limiters })).refusal).toBeUndefined();
  });

  it('counts each photo of a batch against the owner’s budget, refusing a batch it cannot cover and spending nothing then', async () => {
    const limiters = small({ writesPerOwner: 10 });
    const owner = newOwnerId();
    await spendOwnerBudget(owner, 6, limiters);
    const refused = await spendOwnerBudget(owner, 5, limiters).then(
      () => null,
      (error: AppError) => error,
    );
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused?.message).toMatch(/would take 5 of the 10 .* and 4 are left/);
    await spendOwnerBudget(owner, 4, limiters);
    const cookie = `${OWNER_COOKIE}=${await sealCookie(owner)}`;
    expect((await frontDoor(arrival('POST', '/api/tags', { cookie }), { limiters })).refusal?.code).toBe('RATE_LIMITED');
  });

  it('counts by address too, so clients that never keep a cookie are held back', async () => {
    const limiters = small({ writesPerAddress: 2 });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await frontDoor(arrival('POST', '/api/gan/samples'), { limiters }));
    expect(answers.map((a) => a.refusal?.code)).toEqual([undefined, undefined, 'RATE_LIMITED']);
    expect(answers[2].refusal?.message).toContain('this network address');
    expect(header(answers[2], 'retry-after')).toHaveLength(1);
    expect((await frontDoor(arrival('POST', '/api/gan/samples', {}, { client: '203.0.113.8' }), { limiters })).refusal).toBeUndefined();
  });

  it('keeps reads, model-running reads and tokens in budgets of their own', async () => {
    const limiters = small({ readsPerAddress: 2, tokensPerAddress: 1, writesPerAddress: 2 });
    const codes = async (method: string, path: string, n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) out.push((await frontDoor(arrival(method, path, {}, { client: `192.0.2.${path.length}` }), { limiters })).refusal?.code);
      return out;
    };
    expect(await codes('GET', '/api/blobs/abc', 3)).toEqual([undefined, undefined, 'RATE_LIMITED']);
    expect(await codes('POST', '/api/tokens', 2)).toEqual([undefined, 'RATE_LIMITED']);
    expect(await codes('GET', '/api/uploads/u1/similar', 3)).toEqual([undefined, undefined, 'RATE_LIMITED']);
    // Pages are not counted.
    expect(await codes('GET', '/gallery', 5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('sorts requests into their budgets as docs/security.md says', () => {
    expect(budgetsFor('POST', '/api/uploads')).toEqual({ owner: 'writesPerOwner', address: 'writesPerAddress' });
    expect(budgetsFor('DELETE', '/api/jobs/j1')).toEqual({ owner: 'writesPerOwner', address: 'writesPerAddress' });
    expect(budgetsFor('GET', '/api/uploads/u1/similar')).toEqual({ owner: 'writesPerOwner', address: 'writesPerAddress' });
    expect(budgetsFor('POST', '/api/tokens')).toEqual({ address: 'tokensPerAddress' });
    expect(budgetsFor('GET', '/api/jobs/j1/events')).toEqual({ address: 'readsPerAddress' });
    expect(budgetsFor('GET', '/oneshot')).toBeUndefined();
  });

  it('scales with RATE_LIMIT_SCALE, and 0 turns them off', () => {
    expect(createLimiters(0)).toBeNull();
    expect(createLimiters(1)!.writesPerOwner.points).toBe(BUDGETS.writesPerOwner.points);
    expect(createLimiters(0.001)!.tokensPerAddress.points).toBe(1);
    expect(createLimiters(2)!.readsPerAddress.points).toBe(2 * BUDGETS.readsPerAddress.points);
  });

  it('leaves normal use well inside the default budgets', () => {
    // A drawing a second for 10 minutes, each with variants, a classification and a cancel.
    expect(3 * 600).toBeLessThan(BUDGETS.writesPerOwner.points);
    // 200 photos uploaded, tagged, their tags edited and their similar photos shown.
    expect(4 * 200).toBeLessThan(BUDGETS.writesPerOwner.points);
    expect(BUDGETS.writesPerAddress.points).toBeGreaterThanOrEqual(BUDGETS.writesPerOwner.points);
  });
});

describe('the client address', () => {
  it('is the connection peer, or with TRUST_PROXY=n the n-th X-Forwarded-For hop from the right', () => {
    const chain = '6.6.6.6, 198.51.100.1, 10.0.0.2';
    expect(clientAddress('10.0.0.9', chain, 0)).toBe('10.0.0.9');
    expect(clientAddress('10.0.0.9', chain, 1)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.9', chain, 2)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.9', ['6.6.6.6', '198.51.100.1, 10.0.0.2'], 2)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.9', '198.51.100.1', 3)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.9', 'not-an-address', 1)).toBe('10.0.0.9');
    expect(clientAddress('10.0.0.9', undefined, 1)).toBe('10.0.0.9');
  });

  it('is set by the server in a header of its own, whatever the client sent', () => {
    const req = (headers: Record<string, string>) => ({ headers, socket: { remoteAddress: '192.0.2.5' } }) as unknown as IncomingMessage;
    const spoofed = req({ 'x-latent-client': '1.2.3.4', 'x-latent-proto': 'https', 'x-latent-front-door': '1', 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https' });
    markClient(spoofed, 0);
    expect(spoofed.headers).toMatchObject({ 'x-latent-client': '192.0.2.5', 'x-latent-proto': 'http' });
    expect(spoofed.headers['x-latent-front-door']).toBeUndefined();
    const proxied = req({ 'x-forwarded-for': '1.2.3.4, 198.51.100.1', 'x-forwarded-proto': 'https' });
    markClient(proxied, 1);
    expect(proxied.headers).toMatchObject({ 'x-latent-client': '198.51.100.1', 'x-latent-proto': 'https' });
    expect(clientOf(new Headers({ 'x-latent-client': '192.0.2.5', 'x-forwarded-for': '1.2.3.4' }))).toBe('192.0.2.5');
    expect(clientOf(new Headers({ 'x-forwarded-for': '1.2.3.4, 127.0.0.1' }))).toBe('127.0.0.1');
    expect(clientOf(new Headers())).toBe('unknown');
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped one as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('headers', () => {
  const csp = (verdict: { responseHeaders: [string, string][] }) => header(verdict, 'content-security-policy')[0];
  const directive = (policy: string, name: string) => policy.split('; ').find((d) => d.startsWith(`${name} `));

  it("gives every page a policy with a fresh nonce, strict-dynamic and no 'unsafe-inline' scripts, and tells Next the nonce", async () => {
    const one = await frontDoor(arrival('GET', '/oneshot'), NO_LIMITS);
    const two = await frontDoor(arrival('GET', '/oneshot'), NO_LIMITS);
    const script = directive(csp(one), 'script-src')!;
    expect(script).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'$/);
    expect(script).not.toContain('unsafe');
    expect(csp(one)).not.toBe(csp(two));
    expect(one.requestHeaders['content-security-policy']).toBe(csp(one));
    for (const d of ["object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'", "connect-src 'self'", "img-src 'self' data: blob:"]) expect(csp(one)).toContain(d);
    expect(directive((await frontDoor(arrival('GET', '/'), { ...NO_LIMITS, dev: true })).responseHeaders.find(([n]) => n === 'content-security-policy')![1], 'script-src')).toContain("'unsafe-eval'");
  });

  it('locks API answers and stored images down, and gives every answer nosniff, DENY and a referrer policy', async () => {
    for (const [method, path] of [
      ['GET', '/api/blobs/' + 'a'.repeat(64)],
      ['GET', '/api/health'],
      ['POST', '/api/uploads'],
    ]) {
      const verdict = await frontDoor(arrival(method, path), NO_LIMITS);
      expect(csp(verdict), path).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
      expect(verdict.requestHeaders['content-security-policy']).toBeUndefined();
    }
    for (const path of ['/', '/api/health']) {
      const verdict = await frontDoor(arrival('GET', path), NO_LIMITS);
      expect(header(verdict, 'x-content-type-options')).toEqual(['nosniff']);
      expect(header(verdict, 'x-frame-options')).toEqual(['DENY']);
      expect(header(verdict, 'referrer-policy')).toEqual(['same-origin']);
    }
    // Refusals carry them too.
    const refused = await frontDoor(arrival('POST', '/api/uploads', { origin: 'https://evil.example' }), NO_LIMITS);
    expect(header(refused, 'x-content-type-options')).toEqual(['nosniff']);
    expect(csp(refused)).toBe(API_CSP);
  });

  it("serves public/'s icon with no owner cookie and the locked-down policy (an SVG opened on its own runs nothing)", async () => {
    for (const path of ['/favicon.ico', '/icon.svg']) {
      const verdict = await frontDoor(arrival('GET', path), NO_LIMITS);
      expect(verdict.refusal, path).toBeUndefined();
      expect(header(verdict, 'set-cookie'), path).toEqual([]);
      expect(verdict.requestHeaders, path).toEqual({});
      expect(csp(verdict), path).toBe(API_CSP);
      expect(header(verdict, 'x-content-type-options'), path).toEqual(['nosniff']);
    }
  });
});

describe('the Node front door (lib/http/server.ts)', () => {
  let port = 0;
  let handled = 0;
  const server = createAppServer((req, res) => {
    handled++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ cookie: req.headers.cookie ?? null, client: req.headers['x-latent-client'], passed: req.headers['x-latent-front-door'] ?? null }));
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses a cross-site POST before Next sees it, and passes a same-origin one with a new owner cookie', async () => {
    const base = `http://127.0.0.1:${port}`;
    const before = handled;
    const refused = await fetch(`${base}/api/uploads`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('CROSS_ORIGIN');
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    expect(refused.headers.get('content-security-policy')).toBe(API_CSP);
    expect(handled).toBe(before);

    const passed = await fetch(`${base}/api/uploads`, { method: 'POST', headers: { origin: base, 'x-latent-client': '1.2.3.4', 'content-type': 'application/json' }, body: '{}' });
    expect(passed.status).toBe(200);
    const seen = await passed.json();
    expect(seen.client).toBe('127.0.0.1');
    expect(seen.passed).toBe('1');
    expect(seen.cookie).toContain(`${OWNER_COOKIE}=`);
    expect(passed.headers.get('set-cookie')).toContain('HttpOnly');
    expect(passed.headers.get('x-frame-options')).toBe('DENY');

    // A read is left to Next's proxy: marked with the client, not passed.
    const read = await (await fetch(`${base}/api/uploads`, { headers: { 'x-latent-front-door': '1' } })).json();
    expect(read).toMatchObject({ client: '127.0.0.1', passed: null, cookie: null });
  });

  it("puts the static headers on the server's own early errors", async () => {
    const early = await fetch(`http://127.0.0.1:${port}/api/health`, { method: 'DELETE' });
    expect(early.status).toBe(405);
    expect(early.headers.get('x-content-type-options')).toBe('nosniff');
    expect(early.headers.get('x-frame-options')).toBe('DENY');
    expect(early.headers.get('referrer-policy')).toBe('same-origin');
    expect(early.headers.get('content-security-policy')).toBe(API_CSP);
  });
});

describe("what answers say of the server's files", () => {
  it('names a missing dataset inside DATA_DIR, never by its path on the server', async () => {
    const missing = new AppError('DATASET_MISSING', 'Dataset file not found: /srv/latent/data/mnist/t10k.gz. Set DATA_DIR …; DATA_DIR is /srv/latent/data.', {
      details: { path: '/srv/latent/data/mnist/t10k.gz', dataDir: '/srv/latent/data' },
    });
    const answer = await errorResponse(missing).json();
    expect(answer.error).toEqual({ code: 'DATASET_MISSING', message: 'The dataset file mnist/t10k.gz is not installed on this server.' });
    const bare = await errorResponse(new AppError('DATASET_MISSING', 'Dataset file not found: /srv/latent/data/x.')).json();
    expect(bare.error.message).not.toContain('/srv');
  });

  it('takes absolute paths out of messages and keeps URLs', () => {
    expect(withoutPaths("EACCES: permission denied, access '/srv/latent/blobs'")).toBe("EACCES: permission denied, access '…'");
    expect(withoutPaths('Cannot find module /srv/a.js imported from file:///srv/b.js')).toBe('Cannot find module … imported from …');
    expect(withoutPaths('fetch http://127.0.0.1:3100/health failed: ECONNREFUSED 127.0.0.1:3100')).toBe('fetch http://127.0.0.1:3100/health failed: ECONNREFUSED 127.0.0.1:3100');
    expect(withoutPaths('C:\\latent\\data missing; 1/2 done')).toBe('… missing; 1/2 done');
  });
});

/**
 * Owners through the production server as browsers and API clients meet it: each person gets an
 * owner cookie on their first request, an API client a token from POST /api/tokens, and the
 * routes apply the ownership rules (lib/owners) to what they send — a stranger's PUT, PATCH and
 * DELETE are refused, the owner's accepted; a private photo is not listed, found, or served as a
 * blob to anyone else; the administrator (ADMIN_TOKEN) sees and changes everything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from './app';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
const photo = (id: string) => fs.readFileSync(path.resolve('../shared/data/corel5k/images', `${id}.jpg`));

/** Someone using the app: a browser (its owner cookie) or an API client (its bearer token). */
interface Person {
  headers: Record<string, string>;
}

describe('owners through the server', () => {
  let app: AppProcess;
  let alice: Person;
  let bob: Person;
  let script: Person;
  const admin: Person = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

  const call = (who: Person, method: string, route: string, body?: unknown) =>
    fetch(`${app.url}${route}`, {
      method,
      headers: { ...who.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const upload = async (who: Person, id: string) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(photo(id))], { type: 'image/jpeg' }), `${id}.jpg`);
    const response = await fetch(`${app.url}/api/uploads`, { method: 'POST', headers: who.headers, body: form });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; sha256: string; url: string; similar: { id: string }[] };
  };
  /** A browser's first visit: the owner cookie it is given. */
  const browser = async (): Promise<Person> => {
    const response = await fetch(`${app.url}/gallery`);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('latent_owner='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    return { headers: { cookie: cookie!.split(';')[0] } };
  };

  beforeAll(async () => {
    app = await startApp({ env: { ADMIN_TOKEN } });
    alice = await browser();
    bob = await browser();
    const issued = await call({ headers: {} }, 'POST', '/api/tokens');
    expect(issued.status).toBe(201);
    script = { headers: { authorization: `Bearer ${((await issued.json()) as { token: string }).token}` } };
  });

  afterAll(async () => {
    await app?.kill();
  });

  it('lets only the owner change tags, share and delete; a stranger gets 404 for a private photo, 403 for a shared one', async () => {
    const mine = await upload(alice, '100000');
    const body = { added: ['my bear'] };
    expect((await call(bob, 'PUT', `/api/uploads/${mine.id}/tags`, body)).status).toBe(404);
    expect((await call(bob, 'DELETE', `/api/uploads/${mine.id}`)).status).toBe(404);
    expect((await call(script, 'PATCH', `/api/uploads/${mine.id}`, { visibility: 'public' })).status).toBe(404);
    expect((await call(alice, 'PUT', `/api/uploads/${mine.id}/tags`, body)).status).toBe(200);

    expect((await call(alice, 'PATCH', `/api/uploads/${mine.id}`, { visibility: 'public' })).status).toBe(200);
    const refused = await call(bob, 'PUT', `/api/uploads/${mine.id}/tags`, { removed: ['my bear'] });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('NOT_YOURS');
    expect((await call(bob, 'DELETE', `/api/uploads/${mine.id}`)).status).toBe(403);
    const tags = (await (await call(bob, 'GET', `/api/uploads/${mine.id}/tags`)).json()) as { tags: { word: string }[] };
    expect(tags.tags.map((t) => t.word)).toEqual(['my bear']);

    expect((await call(alice, 'DELETE', `/api/uploads/${mine.id}`)).status).toBe(200);
    expect((await call(alice, 'GET', `/api/uploads/${mine.id}`)).status).toBe(404);
    expect((await call(alice, 'GET', mine.url)).status).toBe(404);
  });

  it('shows nobody else a private photo: not in the list, similar photos, tag search or as a blob', async () => {
    const secret = await upload(alice, '1000');
    const bobs = await upload(bob, '1001');
    const scripts = await upload(script, '1002');
    await call(alice, 'PUT', `/api/uploads/${secret.id}/tags`, { added: ['sunset'] });

    for (const stranger of [bob, script, { headers: {} }]) {
      const listed = (await (await call(stranger, 'GET', '/api/uploads?limit=200')).json()) as { uploads: { id: string }[] };
      expect(listed.uploads.map((u) => u.id)).not.toContain(secret.id);
      expect((await call(stranger, 'GET', secret.url)).status).toBe(404);
      expect((await call(stranger, 'GET', `${secret.url}?w=160`)).status).toBe(404);
      expect((await call(stranger, 'GET', `/api/uploads/${secret.id}/similar`)).status).toBe(404);
    }
    const similar = (await (await call(bob, 'GET', `/api/uploads/${bobs.id}/similar?k=50`)).json()) as { similar: { id: string }[] };
    expect(similar.similar.map((s) => s.id)).not.toContain(secret.id);
    expect(bobs.similar.map((s) => s.id)).not.toContain(secret.id);
    expect(scripts.similar.map((s) => s.id)).not.toContain(secret.id);
    const search = async (who: Person) =>
      ((await (await call(who, 'POST', '/api/tags/search', { tags: ['sunset'], limit: 100 })).json()) as { results: { id: string }[] }).results.map((r) => r.id);
    expect(await search(bob)).not.toContain(secret.id);
    expect(await search(alice)).toContain(secret.id);

    expect((await call(alice, 'GET', secret.url)).status).toBe(200);
    const listed = (await (await call(admin, 'GET', '/api/uploads?limit=200')).json()) as { uploads: { id: string }[] };
    expect(listed.uploads.map((u) => u.id)).toEqual(expect.arrayContaining([secret.id, bobs.id, scripts.id]));
    expect((await call(admin, 'PUT', `/api/uploads/${secret.id}/tags`, { added: ['checked'] })).status).toBe(200);
  });

  it('keeps a person’s drawings theirs, and their jobs', async () => {
    const drawn = await call(alice, 'POST', '/api/gan/samples', { count: 4, seed: 3 });
    expect(drawn.status).toBe(200);
    const { generationId } = (await drawn.json()) as { generationId: string };
    expect((await call(bob, 'GET', `/api/generations/${generationId}`)).status).toBe(404);
    expect((await call(bob, 'DELETE', `/api/generations/${generationId}`)).status).toBe(404);
    const seen = (await (await call(alice, 'GET', `/api/generations/${generationId}`)).json()) as { images: { url: string }[] };
    expect((await call(bob, 'GET', seen.images[0].url)).status).toBe(404);
    expect((await call(alice, 'GET', seen.images[0].url)).status).toBe(200);

    const started = await call(alice, 'POST', '/api/caption', { caption: 'the digit 3 is at the top', samples: 1, seed: 1 });
    expect(started.status).toBe(202);
    const { job } = (await started.json()) as { job: { id: string } };
    expect((await call(bob, 'GET', `/api/jobs/${job.id}`)).status).toBe(404);
    expect((await call(bob, 'DELETE', `/api/jobs/${job.id}`)).status).toBe(404);
    expect((await call(alice, 'GET', `/api/jobs/${job.id}`)).status).toBe(200);

    expect((await call(alice, 'DELETE', `/api/generations/${generationId}`)).status).toBe(200);
    expect((await call(alice, 'GET', seen.images[0].url)).status).toBe(404);
  });

  it('refuses a token that is not one of this server’s', async () => {
    const response = await call({ headers: { authorization: 'Bearer Fe26.2**forged' } }, 'GET', '/api/uploads');
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_TOKEN');
  });
});

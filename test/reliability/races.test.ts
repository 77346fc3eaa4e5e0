/**
 * The same photo uploaded twice at once while one of the two callers goes away (closes the tab,
 * loses the connection, is turned away): every photo the app acknowledged must stay served.
 * `npx tsx test/bench/load.ts --scenario races --races 1000` runs the same race 1,000 times.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from './app';

const CORELS = path.resolve('../shared/data/corel5k/images');
const RACES = 100;

/** A browser's first visit: its owner cookie (photos are private to their owner). */
async function browserCookie(app: AppProcess): Promise<string> {
  const response = await fetch(`${app.url}/gallery`);
  return response.headers.getSetCookie().find((c) => c.startsWith('latent_owner='))!.split(';')[0];
}

function upload(app: AppProcess, cookie: string, file: string, signal?: AbortSignal) {
  const form = new FormData();
  form.set('file', new Blob([fs.readFileSync(path.join(CORELS, file))], { type: 'image/jpeg' }), file);
  return fetch(`${app.url}/api/uploads`, { method: 'POST', headers: { cookie }, body: form, signal }).then(
    async (response) => ({ status: response.status, body: (await response.json()) as { url?: string } }),
    () => ({ status: 499, body: {} as { url?: string } }),
  );
}

describe('uploading the same photo twice at once, one caller aborting', () => {
  let app: AppProcess;

  beforeAll(async () => {
    app = await startApp();
  });

  afterAll(async () => {
    await app?.kill();
  });

  it(`loses no acknowledged photo in ${RACES} races`, async () => {
    const files = fs.readdirSync(CORELS).filter((f) => f.endsWith('.jpg')).sort().slice(1000, 1000 + RACES);
    // One person in two tabs: the same photo twice at once into the same gallery.
    const cookie = await browserCookie(app);
    let acknowledged = 0;
    const lost: string[] = [];
    for (const [i, file] of files.entries()) {
      const leaving = new AbortController();
      const timer = setTimeout(() => leaving.abort(), i % 40);
      const pair = await Promise.all([upload(app, cookie, file), upload(app, cookie, file, leaving.signal)]);
      clearTimeout(timer);
      for (const answer of pair) {
        if (answer.status !== 200 && answer.status !== 201) continue;
        acknowledged++;
        const served = await fetch(`${app.url}${answer.body.url}`, { headers: { cookie } });
        if (served.status !== 200) lost.push(file);
      }
    }
    expect(acknowledged).toBeGreaterThanOrEqual(RACES);
    expect(lost).toEqual([]);
  });
});

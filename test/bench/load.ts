/**
 * The app under load, as people and attackers meet it: the production build started on fresh data
 * (test/reliability/app.ts), then one scenario.
 *
 *   npx tsx test/bench/load.ts --scenario burst  [--requests 400]             GAN requests all at once
 *   npx tsx test/bench/load.ts --scenario steady [--clients 50 --seconds 60]  GAN clients in a loop
 *   npx tsx test/bench/load.ts --scenario soak   [--clients 50 --seconds 600] every page's requests, RSS
 *   npx tsx test/bench/load.ts --scenario races  [--races 1000]               same photo twice, one aborts
 *
 * Prints a table per scenario (`--json` for machines). Figures depend on the machine and on what
 * else runs: compare runs of one day, with nothing else running.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createDb } from '@/lib/db';
import { startApp, type AppProcess } from '../reliability/app';
import { argValue, intArg, JSON_MODE, percentile, round, table } from './common';

const CORELS = path.resolve('../shared/data/corel5k/images');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A duration for a table cell: whole milliseconds, or a dash when there were none. */
const ms = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—');

/** Resident memory of the app's process (its worker threads included), MB. */
function rssMb(app: AppProcess): number {
  const status = fs.readFileSync(`/proc/${app.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

interface Answer {
  status: number;
  ms: number;
  retryAfter: number | null;
  body: unknown;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const t0 = performance.now();
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text (every API answer should be JSON; the tables count those that are not)
    }
    const retry = response.headers.get('retry-after');
    return { status: response.status, ms: performance.now() - t0, retryAfter: retry === null ? null : Number(retry), body };
  } catch (error) {
    return { status: (error as Error).name === 'AbortError' ? 499 : 0, ms: performance.now() - t0, retryAfter: null, body: String(error) };
  }
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function photoForm(file: string): RequestInit {
  const form = new FormData();
  form.set('file', new Blob([fs.readFileSync(path.join(CORELS, file))], { type: 'image/jpeg' }), file);
  return { method: 'POST', body: form };
}

const corelFiles = () => fs.readdirSync(CORELS).filter((f) => f.endsWith('.jpg')).sort();

function statusCounts(answers: Answer[]): string {
  const counts = new Map<number, number>();
  for (const a of answers) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
}

/** A light request that has nothing to do with the models, timed every 100 ms while `during` runs. */
async function probe<T>(app: AppProcess, during: Promise<T>): Promise<{ result: T; probeMs: number[] }> {
  const probeMs: number[] = [];
  let done = false;
  const loop = (async () => {
    while (!done) {
      probeMs.push((await call(`${app.url}/api/caption/examples`)).ms);
      await sleep(100);
    }
  })();
  const result = await during;
  done = true;
  await loop;
  return { result, probeMs };
}

async function warm(app: AppProcess) {
  for (let i = 0; i < 3; i++) await call(`${app.url}/api/gan/samples`, json({ count: 64, seed: i }));
  await call(`${app.url}/api/caption/examples`);
}

async function burst(app: AppProcess) {
  const requests = intArg('requests', 400);
  await warm(app);
  // The server's own pace: as many of the lightest requests at once, for comparison.
  const light = await Promise.all(Array.from({ length: requests }, () => call(`${app.url}/api/health`)));
  const db = createDb(`file:${path.join(app.dir, 'app.db')}`);
  const rowsBefore = await db.generation.count();
  const t0 = performance.now();
  const { result: answers, probeMs } = await probe(app, Promise.all(Array.from({ length: requests }, (_, i) => call(`${app.url}/api/gan/samples`, json({ count: 64, seed: 1000 + i })))));
  const drainedMs = performance.now() - t0;
  const rowsWritten = (await db.generation.count()) - rowsBefore;
  await db.$disconnect();
  const ok = answers.filter((a) => a.status === 200);
  const busy = answers.filter((a) => a.status === 503);
  const retry = busy.map((a) => a.retryAfter ?? NaN);
  return {
    rows: [
      ['measure', 'value'],
      ['requests (64 samples each, all at once)', String(requests)],
      ['answers', statusCounts(answers)],
      ['answered 200: p50 ms', ms(percentile(ok.map((a) => a.ms), 50))],
      ['answered 200: max ms (the backlog drained)', ms(Math.max(...ok.map((a) => a.ms)))],
      ['turned away 503: p50 ms', ms(percentile(busy.map((a) => a.ms), 50))],
      ['turned away 503: max ms', ms(Math.max(...busy.map((a) => a.ms)))],
      ['Retry-After s: min / max', busy.length ? `${Math.min(...retry)} / ${Math.max(...retry)}` : '—'],
      ['generation rows written', String(rowsWritten)],
      ['rows for requests turned away', String(rowsWritten - ok.length)],
      ['unrelated GET during the burst: p50 / max ms', `${round(percentile(probeMs, 50), 0)} / ${round(Math.max(...probeMs), 0)}`],
      [`for comparison, ${requests} GET /api/health at once: p50 / max ms`, `${ms(percentile(light.map((a) => a.ms), 50))} / ${ms(Math.max(...light.map((a) => a.ms)))}`],
      ['whole burst, s', (drainedMs / 1000).toFixed(1)],
    ],
  };
}

async function steady(app: AppProcess) {
  const clients = intArg('clients', 50);
  const seconds = intArg('seconds', 60);
  await warm(app);
  const answers: Answer[] = [];
  const until = performance.now() + seconds * 1000;
  const { probeMs } = await probe(
    app,
    Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; performance.now() < until; i++) {
          const answer = await call(`${app.url}/api/gan/samples`, json({ count: 16, seed: c * 100_000 + i }));
          answers.push(answer);
          if (answer.status === 503) await sleep((answer.retryAfter ?? 1) * 1000);
        }
      }),
    ),
  );
  const ok = answers.filter((a) => a.status === 200);
  return {
    rows: [
      ['measure', 'value'],
      ['clients (16 samples a request, in a loop)', String(clients)],
      ['seconds', String(seconds)],
      ['answers', statusCounts(answers)],
      ['answered 200 per second', (ok.length / seconds).toFixed(1)],
      ['answered 200: p50 / p95 ms', `${round(percentile(ok.map((a) => a.ms), 50), 0)} / ${round(percentile(ok.map((a) => a.ms), 95), 0)}`],
      ['turned away 503: p50 ms', ms(percentile(answers.filter((a) => a.status === 503).map((a) => a.ms), 50))],
      ['unrelated GET: p50 / max ms', `${round(percentile(probeMs, 50), 0)} / ${round(Math.max(...probeMs), 0)}`],
    ],
  };
}

/** Every kind of request a page makes, in proportion, by `clients` clients, with RSS sampled. */
async function soak(app: AppProcess) {
  const clients = intArg('clients', 50);
  const seconds = intArg('seconds', 600);
  const files = corelFiles();
  const strokes = [[[20, 20, 0], [80, 20, 100], [80, 80, 200]], [[20, 80, 300], [50, 50, 400]]];
  const requests: [string, (i: number) => Promise<Answer>][] = [
    ['gan samples', (i) => call(`${app.url}/api/gan/samples`, json({ count: 16, seed: i }))],
    ['gan walk', (i) => call(`${app.url}/api/gan/interpolate`, json({ from: i, to: i + 1, steps: 8 }))],
    ['upload', (i) => call(`${app.url}/api/uploads`, photoForm(files[i % 400]))],
    ['photo → tags', (i) => call(`${app.url}/api/tags`, photoForm(files[400 + (i % 400)]))],
    ['tags → photos', () => call(`${app.url}/api/tags/search`, json({ tags: ['sky', 'water'] }))],
    ['one-shot variants', (i) => call(`${app.url}/api/oneshot/variants`, json({ strokes, count: 9, seed: i }))],
    ['which character', () => call(`${app.url}/api/oneshot/classify`, json({ strokes, run: 1 }))],
    ['caption', (i) => call(`${app.url}/api/caption`, json({ caption: 'the digit 3 is on the left of the digit 5', samples: 4, seed: i }))],
    ['gallery page', () => call(`${app.url}/gallery`)],
  ];
  for (const [, send] of requests) await send(0);
  const samples: { t: number; rss: number }[] = [];
  const answers = new Map<string, Answer[]>(requests.map(([name]) => [name, []]));
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  const sampler = setInterval(() => samples.push({ t: (performance.now() - t0) / 1000, rss: rssMb(app) }), 5000);
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < until; i++) {
        const [name, send] = requests[(c + i) % requests.length];
        const answer = await send(c * 10_000 + i);
        answers.get(name)!.push(answer);
        if (answer.status === 503) await sleep((answer.retryAfter ?? 1) * 1000);
      }
    }),
  );
  clearInterval(sampler);
  // Warm: the first minute's highest; the rest is compared with it.
  const warmRss = Math.max(...samples.filter((s) => s.t <= 60).map((s) => s.rss));
  const later = samples.filter((s) => s.t > 60);
  const peak = Math.max(...later.map((s) => s.rss));
  const all = [...answers.values()].flat();
  return {
    rows: [
      ['request', 'count', 'answers', 'p50 ms', 'p95 ms', '5xx (not 503)'],
      ...[...answers.entries()].map(([name, list]) => [
        name,
        list.length,
        statusCounts(list),
        round(percentile(list.filter((a) => a.status < 300).map((a) => a.ms), 50), 0),
        round(percentile(list.filter((a) => a.status < 300).map((a) => a.ms), 95), 0),
        list.filter((a) => a.status >= 500 && a.status !== 503).length,
      ]),
      ['all', all.length, statusCounts(all), round(percentile(all.map((a) => a.ms), 50), 0), round(percentile(all.map((a) => a.ms), 95), 0), all.filter((a) => a.status >= 500 && a.status !== 503).length],
    ],
    memory: [
      ['clients', 'seconds', 'RSS warm MB (first minute)', 'RSS peak MB (after)', 'RSS at end MB', 'peak / warm'],
      [clients, seconds, round(warmRss, 0), round(peak, 0), round(samples.at(-1)!.rss, 0), round(peak / warmRss, 2)],
    ],
  };
}

/** The same photo uploaded twice at once, one caller aborting: is every acknowledged photo stored? */
async function races(app: AppProcess) {
  const count = intArg('races', 1000);
  const files = corelFiles();
  if (files.length < count) throw new Error(`--races ${count}: only ${files.length} photos to race with`);
  let acknowledged = 0;
  let lost = 0;
  let aborted = 0;
  const outcomes: Answer[] = [];
  for (let i = 0; i < count; i++) {
    const leaving = new AbortController();
    const timer = setTimeout(() => leaving.abort(), i % 40);
    const pair = await Promise.all([call(`${app.url}/api/uploads`, photoForm(files[i])), call(`${app.url}/api/uploads`, { ...photoForm(files[i]), signal: leaving.signal })]);
    clearTimeout(timer);
    outcomes.push(...pair);
    for (const answer of pair) {
      if (answer.status === 499) aborted++;
      if (answer.status !== 200 && answer.status !== 201) continue;
      acknowledged++;
      const { url } = answer.body as { url: string };
      if ((await call(`${app.url}${url}`)).status !== 200) lost++;
    }
  }
  // How many aborted uploads the server noticed while their features were being computed.
  const metrics = String((await call(`${app.url}/api/metrics`)).body);
  const cancelled = Number(/model_requests_total\{model="image-features",outcome="cancelled"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  return {
    rows: [
      ['races', 'answers', 'client aborted', 'aborted while the model ran', 'acknowledged', 'acknowledged but not served (lost)'],
      [count, statusCounts(outcomes), aborted, cancelled, acknowledged, lost],
    ],
  };
}

const SCENARIOS = { burst, steady, soak, races };
const name = (argValue('scenario') ?? 'burst') as keyof typeof SCENARIOS;
if (!SCENARIOS[name]) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);
// Measures throughput: the per-address rate limits (docs/security.md#rate-limits) would cap it at
// what one person may send.
const app = await startApp({ env: { MODEL_WORKERS: argValue('workers') ?? '2', RATE_LIMIT_SCALE: '0' } });
try {
  const result = await SCENARIOS[name](app);
  if (JSON_MODE) console.log(JSON.stringify({ scenario: name, ...result }));
  else for (const rows of Object.values(result)) console.log(`\n${table(rows as (string | number)[][])}`);
} finally {
  await app.kill('SIGTERM');
}

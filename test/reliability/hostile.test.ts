/**
 * Hostile input against the production build, as a stranger on the network would send it:
 * malformed JSON to every JSON route (not JSON, truncated, wrong types, deeply nested, huge
 * numbers, nulls, arrays for objects, bodies over the cap with and without Content-Length, 100 MB
 * bodies), bad percent-encodings, unknown paths, unsupported methods, and hostile images through
 * POST /api/uploads and POST /api/tags (malformed, truncated, seeded bit flips of Corel-5k photos,
 * oversized, wrong magic, zero bytes, huge-dimension headers).
 *
 * Every answer must be below 500, every error JSON `{ error: { code, message } }`, and the
 * statuses the ones a person would expect. The tally (inputs by category, statuses, 5xx, peak RSS
 * of the server) is printed and written to test/.tmp/hostile-summary.json for the README.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ROUTES, ROUTE_METHODS, allowedMethods } from '@/lib/http/api-routes';
import { SHARED_DATA, corelPhoto, hugePngHeader, pngChunk, svgWithScript, textFile, truncatedJpeg } from '../e2e/hostile';
import { startApp, type AppProcess } from './app';

const MB = 1024 * 1024;
const UPLOAD_MAX_BYTES = 10 * MB;
const COREL_IMAGES = path.join(SHARED_DATA, 'corel5k', 'images');
const haveCorel = fs.existsSync(COREL_IMAGES);

// ---------------------------------------------------------------------------------------------
// The tally

interface Tally {
  inputs: number;
  statuses: Record<string, number>;
  fiveHundreds: string[];
}
const tally: Record<string, Tally> = {};
let peakRssKb = 0;
let testPeakRssKb = 0;
let startRssKb = 0;
/** The server's peak RSS during each test, in MB. */
const peakRssMbByTest: Record<string, number> = {};
const bigBodies: Record<string, unknown>[] = [];

function count(category: string, label: string, status: number | string) {
  const entry = (tally[category] ??= { inputs: 0, statuses: {}, fiveHundreds: [] });
  entry.inputs++;
  entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
  if (typeof status === 'number' && status >= 500) entry.fiveHundreds.push(`${label} → ${status}`);
}

/** The server's resident memory, from /proc. */
function memoryKb(pid: number): { rss: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) };
}

// ---------------------------------------------------------------------------------------------
// Sending

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let app: AppProcess;

/** One request through node:http (which sends any method, unlike fetch), body chunked when `chunks` is given. */
function send(method: string, target: string, options: { headers?: Record<string, string>; body?: Buffer | string; chunks?: Iterable<Buffer> } = {}): Promise<Answer> {
  const url = new URL(app.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, method, path: target, headers: options.headers, agent, timeout: 30_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${target}: no answer in 30 s`)));
    request.on('error', reject);
    if (options.chunks) {
      for (const chunk of options.chunks) request.write(chunk);
      request.end();
    } else request.end(options.body);
  });
}

/**
 * Checks one answer: never 5xx, and an error is JSON with a code and a message. Returns the
 * error code (or undefined for a success).
 */
function judge(category: string, label: string, method: string, answer: Answer): string | undefined {
  count(category, label, answer.status);
  expect(answer.status, `${label}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
  if (answer.status < 400) return undefined;
  expect(answer.headers['content-type'], `${label}: content-type`).toMatch(/^application\/json/);
  if (method === 'HEAD') return undefined;
  let body: { error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw new Error(`${label}: ${answer.status} is not JSON: ${answer.text.slice(0, 200)}`);
  }
  expect(typeof body.error?.code, `${label}: ${answer.text.slice(0, 200)}`).toBe('string');
  expect(typeof body.error?.message, `${label}: ${answer.text.slice(0, 200)}`).toBe('string');
  expect((body.error!.message as string).length, label).toBeGreaterThan(5);
  return body.error!.code as string;
}

interface RawExchange {
  text: string;
  /** ms from the first byte sent to the first byte of the answer. */
  firstByteMs: number;
  /** The server closed with FIN after answering. */
  ended: boolean;
  /** The connection was reset (or a write failed). */
  reset: boolean;
  sentBytes: number;
}

/**
 * A request written straight to a socket: `head`, then `bodyBytes` bytes of body (chunked or not)
 * sent as fast as the server takes them, stopping once an answer has fully arrived (then the client
 * closes its side), or with `keepSending` sending all of it whatever the answer, even after the
 * server has closed its side. Resolves when the connection is closed.
 */
function rawExchange(head: string, bodyBytes: number, options: { chunked?: boolean; keepSending?: boolean; fill?: number } = {}): Promise<RawExchange> {
  const url = new URL(app.url);
  return new Promise((resolve) => {
    const socket = net.connect({ port: Number(url.port), host: url.hostname, allowHalfOpen: options.keepSending === true });
    const started = Date.now();
    const result: RawExchange = { text: '', firstByteMs: -1, ended: false, reset: false, sentBytes: 0 };
    let answered = false;
    socket.on('data', (data) => {
      if (result.firstByteMs < 0) result.firstByteMs = Date.now() - started;
      result.text += data.toString('latin1');
      if (!answered && answerComplete(result.text)) {
        answered = true;
        if (!options.keepSending) socket.end();
      }
    });
    socket.on('end', () => {
      result.ended = true;
      if (result.sentBytes >= bodyBytes) socket.end();
    });
    socket.on('error', () => (result.reset = true));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(result);
    });
    const timer = setTimeout(() => socket.destroy(), 20_000);
    const chunk = Buffer.alloc(64 * 1024, options.fill ?? 0x20);
    const framed = (n: number) => (options.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), chunk.subarray(0, n), Buffer.from('\r\n')]) : chunk.subarray(0, n));
    socket.write(head);
    const pump = () => {
      while (result.sentBytes < bodyBytes && !socket.destroyed && !socket.writableEnded && (!answered || options.keepSending)) {
        const n = Math.min(chunk.length, bodyBytes - result.sentBytes);
        result.sentBytes += n;
        if (!socket.write(framed(n))) return void socket.once('drain', pump);
      }
      if (result.sentBytes >= bodyBytes && !socket.destroyed && !socket.writableEnded) {
        if (options.chunked) socket.write('0\r\n\r\n');
        if (result.ended) socket.end();
      }
    };
    pump();
  });
}

/** True once `text` holds a whole HTTP answer (head and a Content-Length or chunked body). */
function answerComplete(text: string): boolean {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return false;
  const head = text.slice(0, headEnd).toLowerCase();
  const body = text.slice(headEnd + 4);
  const length = /content-length:\s*(\d+)/.exec(head);
  if (length) return body.length >= Number(length[1]);
  if (head.includes('transfer-encoding: chunked')) return body.endsWith('0\r\n\r\n');
  return /^http\/1\.1 (204|304)/.test(head);
}

/** A raw request whose client stops at the answer, judged. */
async function sendRaw(head: string, bodyBytes: number, options: { chunked?: boolean } = {}): Promise<Answer> {
  return parseRaw(await rawExchange(head, bodyBytes, options));
}

function judgeRaw(category: string, label: string, exchange: RawExchange): string | undefined {
  return judge(category, label, 'POST', parseRaw(exchange));
}

function parseRaw(exchange: RawExchange): Answer {
  const headEnd = exchange.text.indexOf('\r\n\r\n');
  expect(headEnd, `no answer (${JSON.stringify(exchange.text.slice(0, 200))})`).toBeGreaterThan(0);
  const head = exchange.text.slice(0, headEnd);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  let body = exchange.text.slice(headEnd + 4);
  if (/transfer-encoding: chunked/i.test(head)) body = dechunk(body);
  const headers: http.IncomingHttpHeaders = {};
  for (const line of head.split('\r\n').slice(1)) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status, headers, text: body };
}

function dechunk(body: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return out;
    const size = parseInt(body.slice(at, lineEnd), 16);
    if (!size) return out;
    out += body.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** Seeded randomness: the same seed flips the same bits. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function flipBits(bytes: Buffer, flips: number, seed: number, within = bytes.length): Buffer {
  const random = mulberry32(seed);
  const out = Buffer.from(bytes);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(random() * Math.min(within, out.length));
    out[at] ^= 1 << Math.floor(random() * 8);
  }
  return out;
}

/** A real PNG (1-bit grey) of width × height: all black, so it compresses to almost nothing. */
function pixelBombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8);
  const row = Buffer.alloc(1 + Math.ceil(width / 8));
  const raw = Buffer.alloc(row.length * height);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A real JPEG whose frame header (SOF) claims width × height. */
function jpegClaiming(width: number, height: number): Buffer {
  const jpeg = Buffer.from(fs.readFileSync(corelPhoto('100000')));
  for (let at = 2; at < jpeg.length - 9; ) {
    const marker = jpeg[at + 1];
    if (jpeg[at] !== 0xff) break;
    if (marker >= 0xc0 && marker <= 0xc3) {
      jpeg.writeUInt16BE(height, at + 5);
      jpeg.writeUInt16BE(width, at + 7);
      return jpeg;
    }
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  throw new Error('no SOF marker');
}

function gifClaiming(width: number, height: number): Buffer {
  const header = Buffer.from('GIF89a');
  const size = Buffer.alloc(4);
  size.writeUInt16LE(width, 0);
  size.writeUInt16LE(height, 2);
  return Buffer.concat([header, size, Buffer.from([0xf0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff]), Buffer.from([0x2c, 0, 0, 0, 0]), size, Buffer.from([0, 2, 2, 0x44, 0x01, 0, 0x3b])]);
}

const BOUNDARY = '----hostile-boundary-7d2a';

function multipart(field: string, filename: string, type: string, bytes: Buffer, boundary = BOUNDARY): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

interface ImageCase {
  name: string;
  bytes: Buffer;
  type?: string;
  /** Statuses a person would expect; any status below 500 when left out (a flipped photo may still decode). */
  expect?: number[];
}

function craftedImages(): ImageCase[] {
  const photo = fs.readFileSync(corelPhoto('100000'));
  const random = mulberry32(7);
  const noise = Buffer.from(Array.from({ length: 4096 }, () => Math.floor(random() * 256)));
  return [
    { name: 'zero bytes', bytes: Buffer.alloc(0), expect: [400] },
    { name: 'one byte', bytes: Buffer.from([0xff]), expect: [415, 422] },
    { name: 'text file named .jpg', bytes: textFile(), expect: [415] },
    { name: 'svg with a script', bytes: svgWithScript(), type: 'image/svg+xml', expect: [415] },
    { name: 'random bytes', bytes: noise, expect: [415] },
    { name: 'JPEG magic, then noise', bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), noise]), expect: [415, 422] },
    { name: 'PNG magic, then a JPEG', bytes: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), photo.subarray(8)]), expect: [415, 422] },
    { name: 'GIF magic only', bytes: Buffer.from('GIF89a'), expect: [415, 422] },
    { name: 'JPEG named .png', bytes: photo, type: 'image/png', expect: [200, 201] },
    { name: 'JPEG cut to 2 bytes', bytes: photo.subarray(0, 2), expect: [415, 422] },
    { name: 'JPEG cut to 100 bytes', bytes: photo.subarray(0, 100), expect: [415, 422] },
    { name: 'JPEG cut to 1,000 bytes', bytes: photo.subarray(0, 1000), expect: [422] },
    { name: 'JPEG cut in half', bytes: truncatedJpeg(), expect: [422] },
    { name: 'JPEG without its last 2 bytes', bytes: photo.subarray(0, photo.length - 2), expect: [200, 201, 422] },
    { name: 'PNG header claiming 100000 × 100000', bytes: hugePngHeader(), type: 'image/png', expect: [413] },
    { name: 'JPEG header claiming 65500 × 65500', bytes: jpegClaiming(65_500, 65_500), expect: [413] },
    { name: 'JPEG header claiming 0 × 0', bytes: jpegClaiming(0, 0), expect: [415, 422] },
    { name: 'GIF header claiming 65535 × 65535', bytes: gifClaiming(65_535, 65_535), type: 'image/gif', expect: [413, 415, 422] },
    { name: 'PNG of 8000 × 8000 black pixels (64 MP in 40 kB)', bytes: pixelBombPng(8000, 8000), type: 'image/png', expect: [413] },
    { name: 'PNG of 1 × 1,000,000 pixels', bytes: pixelBombPng(1, 1_000_000), type: 'image/png', expect: [200, 201, 413, 422] },
    { name: 'file 1 byte over the 10 MB cap', bytes: Buffer.alloc(UPLOAD_MAX_BYTES + 1, 0xff), expect: [413] },
  ];
}

function bitFlippedPhotos(photos: number, perPhoto: number[], seed: number): ImageCase[] {
  const names = fs.readdirSync(COREL_IMAGES).filter((f) => f.endsWith('.jpg')).sort().slice(0, photos);
  const cases: ImageCase[] = [];
  names.forEach((name, i) => {
    const bytes = fs.readFileSync(path.join(COREL_IMAGES, name));
    for (const flips of perPhoto) cases.push({ name: `${name}, ${flips} random bit flips`, bytes: flipBits(bytes, flips, seed + i * 1000 + flips) });
    // Flips in the first 600 bytes hit the headers: quantisation and Huffman tables, the frame size.
    cases.push({ name: `${name}, 4 bit flips in its headers`, bytes: flipBits(bytes, 4, seed + i * 1000 + 7, 600) });
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// The JSON routes, each with a body it would accept (or turn away only for its meaning, never its
// shape) and its byte cap.

interface JsonRoute {
  method: string;
  path: string;
  example: Record<string, unknown>;
  cap: number;
}

let uploadId = '';

function jsonRoutes(): JsonRoute[] {
  // A drawing with too little ink, a caption with unknown words: were a mutated body accepted, it is
  // turned away (422) before any model work, so the suite stays quick.
  const littleInk = [
    [
      [10, 20, 0],
      [12, 21, 10],
    ],
  ];
  return [
    { method: 'POST', path: '/api/caption', example: { caption: 'the digit 3 is next to a cat', samples: 1, seed: 1, model: 'align-draw-mnist' }, cap: 8192 },
    { method: 'POST', path: '/api/foundations/figure', example: { block: 'sparse-coding', figure: 'code', seed: 3 }, cap: 1024 },
    { method: 'POST', path: '/api/gan/samples', example: { model: 'gan-mnist', count: 1, seed: 7 }, cap: 4096 },
    { method: 'POST', path: '/api/gan/interpolate', example: { model: 'gan-mnist', from: 7, to: 12, steps: 2 }, cap: 4096 },
    { method: 'POST', path: '/api/gan/vary', example: { model: 'gan-mnist', latent: 7, count: 2, amount: 0.3 }, cap: 4096 },
    { method: 'POST', path: '/api/oneshot/classify', example: { strokes: littleInk, run: 1 }, cap: 4 * MB },
    { method: 'POST', path: '/api/oneshot/variants', example: { strokes: littleInk, count: 1, seed: 1 }, cap: 4 * MB },
    { method: 'POST', path: '/api/tags', example: { uploadId: 'no-such-upload' }, cap: 4096 },
    // An unknown word: a search would start indexing Corel-5k, minutes of work for the model server.
    { method: 'POST', path: '/api/tags/search', example: { tags: ['zzzz'], limit: 2 }, cap: 16 * 1024 },
    { method: 'POST', path: '/api/uploads/samples', example: { count: 1 }, cap: 1024 },
    { method: 'PUT', path: `/api/uploads/${uploadId}/tags`, example: { accepted: [], removed: [], added: ['my garden'] }, cap: 64 * 1024 },
  ];
}

/** Bodies no JSON route may accept: 400, whatever the route. */
const MALFORMED: [string, string | Buffer][] = [
  ['plain text', 'hello'],
  ['form encoding', 'count=3&seed=1'],
  ['XML', '<request><count>3</count></request>'],
  ['an open brace', '{'],
  ['truncated object', '{"count": 3, "seed": '],
  ['truncated string', '{"caption": "the di'],
  ['truncated array', '[[[10, 20, 0], [50'],
  ['trailing comma', '{"count": 3,}'],
  ['single quotes', "{'count': 3}"],
  ['unquoted keys', '{count: 3}'],
  ['two objects', '{"count": 3}{"count": 4}'],
  ['an extra brace', '{"count": 3}}'],
  ['NaN', '{"count": NaN}'],
  ['Infinity literal', '{"count": Infinity}'],
  ['a comment', '{"count": 3 /* three */}'],
  ['a NUL byte', '\u0000'],
  ['whitespace only', '   \n\t '],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d])],
  ['UTF-16 with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"count":3}', 'utf16le')])],
  ['binary noise', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 256))],
];

/** Whole bodies of the wrong shape: 4xx (or, for a route whose every field has a default, a success). */
const WRONG_SHAPES: [string, string][] = [
  ['null', 'null'],
  ['true', 'true'],
  ['a number', '42'],
  ['a string', '"count"'],
  ['an empty array', '[]'],
  ['an array of objects', '[{"count": 3}]'],
  ['an empty object', '{}'],
  ['prototype pollution', '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'],
  ['duplicate keys', '{"count": 1, "count": "x", "count": null}'],
];

/** Values put in place of each field in turn. */
const WRONG_VALUES: [string, string][] = [
  ['null', 'null'],
  ['true', 'true'],
  ['a string', '"x"'],
  ['an empty string', '""'],
  ['-1', '-1'],
  ['1.5', '1.5'],
  ['1e308', '1e308'],
  ['1e999 (Infinity once parsed)', '1e999'],
  ['a 40-digit integer', '1234567890123456789012345678901234567890'],
  ['-0', '-0'],
  ['an empty array', '[]'],
  ['an object', '{"a": {"b": {}}}'],
  ['an array nested 500 deep', '['.repeat(500) + ']'.repeat(500)],
  ['a 1,000-character string', JSON.stringify('é'.repeat(1000))],
  ['an array of 200 numbers', JSON.stringify(Array.from({ length: 200 }, (_, i) => i))],
];

function withField(example: Record<string, unknown>, key: string, rawValue: string): string {
  const marker = '"__HOSTILE_VALUE__"';
  return JSON.stringify({ ...example, [key]: '__HOSTILE_VALUE__' }).replace(marker, rawValue);
}

// ---------------------------------------------------------------------------------------------

describe('hostile input', () => {
  let sampler: NodeJS.Timeout;

  beforeAll(async () => {
    // Thousands of requests from one address within minutes, far past what a person sends: the
    // rate limits (docs/security.md#rate-limits) would answer most of them 429 before the input
    // reached its route, which is what this suite is about. test/reliability/front-door.test.ts
    // holds the limits themselves.
    app = await startApp({ env: { RATE_LIMIT_SCALE: '1000' } });
    const pid = app.child.pid!;
    startRssKb = memoryKb(pid).rss;
    sampler = setInterval(() => {
      try {
        const { rss } = memoryKb(pid);
        peakRssKb = Math.max(peakRssKb, rss);
        testPeakRssKb = Math.max(testPeakRssKb, rss);
      } catch {
        // the process has exited; the tests say so
      }
    }, 100);
    // One real photo, so the tags routes have something to point at.
    const photo = fs.readFileSync(corelPhoto('100000'));
    const stored = await send('POST', '/api/uploads', { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: multipart('file', '100000.jpg', 'image/jpeg', photo) });
    expect(stored.status, stored.text).toBeLessThan(300);
    uploadId = JSON.parse(stored.text).id;
  });

  beforeEach(() => {
    testPeakRssKb = memoryKb(app.child.pid!).rss;
  });

  afterEach(({ task }) => {
    peakRssMbByTest[task.name] = Math.round(testPeakRssKb / 1024);
  });

  afterAll(async () => {
    clearInterval(sampler);
    agent.destroy();
    const summary = {
      when: new Date().toISOString(),
      inputs: Object.values(tally).reduce((sum, t) => sum + t.inputs, 0),
      fiveHundreds: Object.values(tally).reduce((sum, t) => sum + t.fiveHundreds.length, 0),
      rssMb: { atStart: Math.round(startRssKb / 1024), peak: Math.round(peakRssKb / 1024), peakByTest: peakRssMbByTest },
      categories: Object.fromEntries(Object.entries(tally).map(([name, t]) => [name, { inputs: t.inputs, statuses: t.statuses, fiveHundreds: t.fiveHundreds }])),
      bigBodies,
    };
    fs.mkdirSync('test/.tmp', { recursive: true });
    fs.writeFileSync('test/.tmp/hostile-summary.json', JSON.stringify(summary, null, 2) + '\n');
    const lines = Object.entries(tally).map(
      ([name, t]) =>
        `  ${name.padEnd(28)} ${String(t.inputs).padStart(5)} inputs   ${Object.entries(t.statuses)
          .map(([status, n]) => `${status}×${n}`)
          .join(' ')}   5xx: ${t.fiveHundreds.length}`,
    );
    console.log(
      `\nHostile input: ${summary.inputs} inputs, ${summary.fiveHundreds} answered 5xx; server RSS ${summary.rssMb.atStart} MB at start, ${summary.rssMb.peak} MB at peak\n` +
        `${lines.join('\n')}\n` +
        bigBodies.map((b) => `  ${JSON.stringify(b)}`).join('\n') +
        `\n  peak RSS by test (MB): ${JSON.stringify(peakRssMbByTest)}` +
        '\n(test/.tmp/hostile-summary.json)\n',
    );
    await app?.kill();
  });

  it('refuses 100 MB bodies at once, with or without Content-Length, without the server growing', async () => {
    const category = 'bodies of 100 MB';
    const pid = app.child.pid!;
    const target = `/api/uploads/${uploadId}/tags`;
    const size = 100 * MB;
    const head = (chunked: boolean) => `PUT ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`}\r\n\r\n`;
    const watchPeak = () => {
      const before = memoryKb(pid).rss;
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, memoryKb(pid).rss)), 20);
      return { before, stop: () => (clearInterval(timer), (Math.max(peak, memoryKb(pid).rss) - before) / 1024) };
    };
    // A first round warms the route and the refusal (a fresh server's heap is still growing), so
    // what is measured is what each refusal costs.
    judge(category, 'warm-up', 'PUT', await send('PUT', target, { headers: { 'content-type': 'application/json' }, body: '{"added":["warm"]}' }));
    for (const answer of await Promise.all(Array.from({ length: 10 }, (_, i) => sendRaw(head(i % 2 === 1), size, { chunked: i % 2 === 1 })))) {
      judge(category, 'warm-up, 100 MB', 'PUT', answer);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Clients that stop sending once answered, as browsers and curl do: one of each, then 8 at once.
    const single = watchPeak();
    const declared = await rawExchange(head(false), size);
    const chunked = await rawExchange(head(true), size, { chunked: true });
    const singleGrowthMb = single.stop();
    const together = watchPeak();
    const eight = await Promise.all(Array.from({ length: 8 }, (_, i) => rawExchange(head(i % 2 === 1), size, { chunked: i % 2 === 1 })));
    const togetherGrowthMb = together.stop();
    for (const [label, exchange] of [
      ['Content-Length', declared],
      ['chunked', chunked],
      ...eight.map((e, i) => [`${i + 1} of 8 at once`, e] as const),
    ] as const) {
      expect(judgeRaw(category, `PUT tags, 100 MB, ${label}`, exchange), label).toBe('BODY_TOO_LARGE');
      expect(exchange.firstByteMs, label).toBeLessThan(1000);
      // Reading the body before answering lets the client send all of it; the answer stops it early
      // (a quarter of it here on a quiet machine, up to half while other work loads the cores).
      expect(exchange.sentBytes, `${label}: the client was stopped long before 100 MB`).toBeLessThan(size * 0.75);
      expect(exchange.text.toLowerCase(), label).toContain('connection: close');
      expect(exchange.ended && !exchange.reset, `${label}: closed cleanly`).toBe(true);
    }

    // Clients that push all 100 MB whatever the answer, 8 at once (800 MB): the server drops it as it comes.
    const stubborn = watchPeak();
    const started = Date.now();
    const pushed = await Promise.all(Array.from({ length: 8 }, (_, i) => rawExchange(head(i % 2 === 1), size, { chunked: i % 2 === 1, keepSending: true })));
    const pushedMs = Date.now() - started;
    const stubbornGrowthMb = stubborn.stop();
    pushed.forEach((exchange, i) => {
      expect(judgeRaw(category, `PUT tags, 100 MB pushed whatever the answer, ${i + 1} of 8`, exchange)).toBe('BODY_TOO_LARGE');
      expect(exchange.firstByteMs).toBeLessThan(2000);
      expect(exchange.ended, 'the server closed its side after answering').toBe(true);
    });
    bigBodies.push({
      route: 'PUT /api/uploads/:id/tags (64 KB cap)',
      firstByteMs: { contentLength: declared.firstByteMs, chunked: chunked.firstByteMs, eightAtOnce: Math.max(...eight.map((e) => e.firstByteMs)) },
      rssBeforeMb: Math.round(single.before / 1024),
      rssPeakGrowthMb: {
        oneThenAnother: Number(singleGrowthMb.toFixed(1)),
        eightAtOnce: Number(togetherGrowthMb.toFixed(1)),
        eightPushing800MbWhateverTheAnswer: Number(stubbornGrowthMb.toFixed(1)),
      },
      pushed: { sentMb: Math.round(pushed.reduce((sum, e) => sum + e.sentBytes, 0) / MB), ms: pushedMs, resets: pushed.filter((e) => e.reset).length },
    });
    // Reading a body costs at least its size (8 × 100 MB once grew RSS by 1.1 GB). Refusing it
    // costs a few MB of garbage: bytes already on their way when the answer went out are read and
    // dropped (0–3 MB on a quiet machine, up to 17 MB measured while other work loaded the cores),
    // so the bounds sit well above that noise and far below one body.
    expect(singleGrowthMb, 'RSS growth while refusing 100 MB, then 100 MB more').toBeLessThan(32);
    expect(togetherGrowthMb, 'RSS growth while refusing 8 × 100 MB at once').toBeLessThan(48);
    expect(stubbornGrowthMb, 'RSS growth while 800 MB is pushed and dropped').toBeLessThan(64);
    expect((await send('GET', '/api/health')).status).toBe(200);
  });

  it('closes the connection cleanly after a 413 on a chunked upload, and the next connection is served', async () => {
    const category = 'connection after a 413';
    const head = `POST /api/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n`;
    // The client sends its whole 12 MB, as a browser would, and waits for the server.
    const exchange = await rawExchange(head, 12 * MB, { chunked: true, keepSending: true, fill: 0xff });
    expect(judgeRaw(category, 'POST /api/uploads, 12 MB chunked', exchange)).toBe('FILE_TOO_LARGE');
    expect(exchange.text.toLowerCase()).toContain('connection: close');
    expect(exchange.ended, 'the server closed with FIN').toBe(true);
    expect(exchange.reset, 'no reset').toBe(false);
    const started = Date.now();
    const next = await send('GET', '/api/health');
    count(category, 'the next request', next.status);
    expect(next.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('answers malformed JSON to every JSON route with 400, and bodies over the cap with 413', async () => {
    for (const route of jsonRoutes()) {
      const label = (what: string) => `${route.method} ${route.path}, ${what}`;
      const json = { 'content-type': 'application/json' };
      for (const [what, body] of MALFORMED) {
        const answer = await send(route.method, route.path, { headers: json, body });
        expect(judge('malformed JSON', label(what), route.method, answer), label(what)).toBe('BAD_REQUEST');
      }
      // No body at all: only the sample-photo route has a meaning for it (its default count).
      const empty = await send(route.method, route.path, { headers: json });
      judge('malformed JSON', label('no body'), route.method, empty);
      expect(empty.status, label('no body')).toBe(route.path === '/api/uploads/samples' ? 202 : 400);
      // The route's own example with another content type, or none.
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', undefined]) {
        const answer = await send(route.method, route.path, { headers: type ? { 'content-type': type } : {}, body: JSON.stringify(route.example) });
        const code = judge('malformed JSON', label(`content-type ${type ?? 'missing'}`), route.method, answer);
        expect(answer.status, label(`content-type ${type}`)).toBeGreaterThanOrEqual(400);
        expect(code).toMatch(/^(BAD_REQUEST|NO_FILE)$/);
      }
      // Over the cap by one byte, declared and chunked.
      const over = Buffer.alloc(route.cap + 1, 0x20);
      over.write(JSON.stringify(route.example));
      const declared = await send(route.method, route.path, { headers: json, body: over });
      expect(judge('bodies over the cap', label('cap + 1 byte, Content-Length'), route.method, declared)).toBe('BODY_TOO_LARGE');
      const pieces = Array.from({ length: Math.ceil(over.length / 8192) }, (_, i) => over.subarray(i * 8192, (i + 1) * 8192));
      const chunked = await send(route.method, route.path, { headers: json, chunks: pieces });
      expect(judge('bodies over the cap', label('cap + 1 byte, chunked'), route.method, chunked)).toBe('BODY_TOO_LARGE');
    }
  });

  it('answers wrong types, nulls, nesting and huge numbers in every JSON route with a clear 4xx', async () => {
    for (const route of jsonRoutes()) {
      const label = (what: string) => `${route.method} ${route.path}, ${what}`;
      const json = { 'content-type': 'application/json' };
      for (const [what, body] of WRONG_SHAPES) judge('wrong types and shapes', label(what), route.method, await send(route.method, route.path, { headers: json, body }));
      for (const key of Object.keys(route.example)) {
        for (const [what, value] of WRONG_VALUES) {
          judge('wrong types and shapes', label(`${key} = ${what}`), route.method, await send(route.method, route.path, { headers: json, body: withField(route.example, key, value) }));
        }
      }
      // Nested as deep as the cap allows, and as many wrong values as the cap holds.
      const depth = Math.min(Math.floor((route.cap - 16) / 2), 1_000_000);
      const deep = await send(route.method, route.path, { headers: json, body: '['.repeat(depth) + ']'.repeat(depth) });
      expect(judge('wrong types and shapes', label(`an array nested ${depth} deep`), route.method, deep)).toBe('BAD_REQUEST');
      const deepObject = '{"a":'.repeat(Math.floor(depth / 3)) + '1' + '}'.repeat(Math.floor(depth / 3));
      judge('wrong types and shapes', label('an object nested to the cap'), route.method, await send(route.method, route.path, { headers: json, body: deepObject }));
    }
  });

  it('answers bad percent-encodings with 400 JSON on every kind of path', async () => {
    const targets = [
      '/api/uploads/%E0%A4%A',
      '/api/corel/%',
      '/api/uploads/%',
      '/api/uploads/%zz/tags',
      '/api/uploads/%E0%A4%A/similar',
      '/api/jobs/%C0%AF',
      '/api/jobs/%ff/events',
      '/api/blobs/%G0',
      '/api/oneshot/runs/%',
      '/api/nope/%',
      '/gallery/%E0%A4%A',
      '/%',
    ];
    for (const target of targets) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const answer = await send(method, target, method === 'PUT' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {});
        expect(judge('bad percent-encodings', `${method} ${target}`, method, answer), `${method} ${target}`).toBe('BAD_REQUEST');
      }
    }
    // Valid encodings the routes must still turn away on their own terms.
    for (const target of ['/api/uploads/%25', '/api/uploads/%00', '/api/corel/%31%30%30%30%30%30', '/api/blobs/..%2f..%2fetc%2fpasswd', '/api/uploads?cursor=%E0%A4%A', '/api/uploads/%F0%9F%98%80/tags']) {
      const answer = await send('GET', target);
      judge('bad percent-encodings', `GET ${target} (valid encoding)`, 'GET', answer);
    }
  });

  it('answers unknown API paths with 404 JSON, whatever the method', async () => {
    const targets = ['/api', '/api/nope', '/api/uploads/x/y/z', '/api/gan', '/api/tags/search/more', '/api/health/x', '/api/.env', '/api/uploads/x/tags/x', `/api/${'a'.repeat(2000)}`];
    for (const target of targets) {
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND']) {
        const answer = await send(method, target, method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {});
        judge('unknown API paths', `${method} ${target.slice(0, 60)}`, method, answer);
        expect(answer.status, `${method} ${target.slice(0, 60)}`).toBe(404);
      }
    }
  });

  it('answers methods a route does not have with 405 JSON and its Allow header', async () => {
    const methods = [...ROUTE_METHODS, 'TRACE', 'PROPFIND', 'LOCK', 'MKCOL', 'SEARCH', 'PURGE'];
    for (const pattern of Object.keys(API_ROUTES)) {
      const target = pattern.replace('[sha256]', '0'.repeat(64)).replace('[run]', '1').replace('[id]', 'x');
      const allow = allowedMethods(pattern);
      for (const method of methods.filter((m) => !(allow as string[]).includes(m))) {
        const answer = await send(method, target);
        expect(judge('unsupported methods', `${method} ${target}`, method, answer) ?? 'success', `${method} ${target}`).toBe(method === 'HEAD' ? 'success' : 'METHOD_NOT_ALLOWED');
        expect(answer.status, `${method} ${target}`).toBe(405);
        expect(answer.headers.allow, `${method} ${target}`).toBe(allow.join(', '));
      }
    }
    const connect = await rawExchange('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', 0);
    expect(judgeRaw('unsupported methods', 'CONNECT 127.0.0.1:22', connect)).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers hostile images to POST /api/uploads with the right 4xx, never a 5xx', { timeout: 300_000 }, async () => {
    const upload = (image: ImageCase, filename = 'photo.jpg') =>
      send('POST', '/api/uploads', { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: multipart('file', filename, image.type ?? 'image/jpeg', image.bytes) });
    for (const image of craftedImages()) {
      const answer = await upload(image);
      judge('hostile images: uploads', image.name, 'POST', answer);
      if (image.expect) expect(image.expect, `${image.name}: ${answer.status} ${answer.text.slice(0, 200)}`).toContain(answer.status);
    }
    if (haveCorel) {
      for (const image of bitFlippedPhotos(12, [1, 8, 64, 512], 2026)) {
        const answer = await upload(image);
        judge('hostile images: uploads', image.name, 'POST', answer);
        expect([200, 201, 413, 415, 422], `${image.name}: ${answer.text.slice(0, 200)}`).toContain(answer.status);
      }
    }
    // The envelope itself: not multipart, no boundary, the wrong boundary, cut short, no file, odd names.
    const photo = fs.readFileSync(corelPhoto('100001'));
    const envelopes: [string, Record<string, string>, Buffer, number[]][] = [
      ['a JPEG sent as the raw body', { 'content-type': 'image/jpeg' }, photo, [400]],
      ['multipart without a boundary', { 'content-type': 'multipart/form-data' }, multipart('file', 'a.jpg', 'image/jpeg', photo), [400]],
      ['multipart with another boundary', { 'content-type': 'multipart/form-data; boundary=other' }, multipart('file', 'a.jpg', 'image/jpeg', photo), [400]],
      ['multipart cut in the middle of the file', { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, multipart('file', 'a.jpg', 'image/jpeg', photo).subarray(0, 200 + photo.length / 2), [400, 422]],
      ['the file in another field', { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, multipart('photo', 'a.jpg', 'image/jpeg', photo), [400]],
      ['a 5,000-character file name', { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, multipart('file', `${'a'.repeat(5000)}.jpg`, 'image/jpeg', photo), [200, 201]],
      ['a file name climbing out of the store', { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, multipart('file', '../../../../etc/passwd', 'image/jpeg', photo), [200, 201]],
      ['an empty multipart body', { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, Buffer.alloc(0), [400]],
    ];
    for (const [name, headers, body, statuses] of envelopes) {
      const answer = await send('POST', '/api/uploads', { headers, body });
      judge('hostile images: uploads', name, 'POST', answer);
      expect(statuses, `${name}: ${answer.status} ${answer.text.slice(0, 200)}`).toContain(answer.status);
    }
    // 50 MB with Content-Length, and 12 MB chunked: refused by the cap, not read.
    const fifty = Buffer.alloc(50 * MB, 0xff);
    const big = await send('POST', '/api/uploads', { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: multipart('file', 'big.jpg', 'image/jpeg', fifty) });
    expect(judge('hostile images: uploads', '50 MB file', 'POST', big)).toBe('FILE_TOO_LARGE');
    const pieces = Array.from({ length: 12 }, () => Buffer.alloc(MB, 0xff));
    const chunked = await send('POST', '/api/uploads', { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, chunks: pieces });
    expect(judge('hostile images: uploads', '12 MB chunked', 'POST', chunked)).toBe('FILE_TOO_LARGE');
    expect((await send('GET', '/api/health')).status).toBe(200);
  });

  it('answers hostile images to POST /api/tags the same way', { timeout: 300_000 }, async () => {
    const tag = (image: ImageCase) =>
      send('POST', '/api/tags', { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: multipart('file', 'photo.jpg', image.type ?? 'image/jpeg', image.bytes) });
    const cases = craftedImages().filter((c) => !(c.expect ?? []).some((s) => s < 300));
    for (const image of cases) {
      const answer = await tag(image);
      judge('hostile images: tags', image.name, 'POST', answer);
      if (image.expect) expect(image.expect, `${image.name}: ${answer.status} ${answer.text.slice(0, 200)}`).toContain(answer.status);
    }
    if (haveCorel) {
      for (const image of bitFlippedPhotos(4, [8, 512], 4242)) {
        const answer = await tag(image);
        judge('hostile images: tags', image.name, 'POST', answer);
        expect([202, 413, 415, 422], `${image.name}: ${answer.text.slice(0, 200)}`).toContain(answer.status);
      }
    }
    expect((await send('GET', '/api/health')).status).toBe(200);
  });

  // Last, so that a route that chokes on it does not hold up the others.
  it('answers a body of as many wrong values as its cap holds within 2 s, in a short answer', async () => {
    for (const route of jsonRoutes()) {
      const firstKey = Object.keys(route.example)[0];
      const values = Math.floor((route.cap - 64) / 2);
      const label = `${route.method} ${route.path}, ${firstKey} = ${values.toLocaleString('en-US')} zeros`;
      const started = Date.now();
      const answer = await send(route.method, route.path, { headers: { 'content-type': 'application/json' }, body: withField(route.example, firstKey, `[${Array(values).fill('0').join(',')}]`) });
      const ms = Date.now() - started;
      expect(judge('as many wrong values as fit', label, route.method, answer), label).toBeDefined();
      expect(answer.text.length, `${label}: the answer stays short`).toBeLessThan(8 * 1024);
      expect(ms, `${label}: answered in ${ms} ms`).toBeLessThan(2000);
    }
  });

  it('is still healthy, and never answered 5xx', async () => {
    const health = await send('GET', '/api/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text).ok).toBe(true);
    expect(app.child.exitCode).toBeNull();
    expect(Object.values(tally).flatMap((t) => t.fiveHundreds)).toEqual([]);
  });
});

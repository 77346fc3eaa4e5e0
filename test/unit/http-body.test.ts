import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyTooLarge, formatBytes, readBodyBytes, readJson } from '@/lib/http/body';
import { readUploadedFile } from '@/lib/http/multipart';
import { errorOf } from './helpers';

const URL_ = 'http://localhost/api/test';
const EXAMPLE = '{ "count": 16 }';

/** A body of `chunks` chunks of `chunkBytes` bytes, counting how much was pulled and whether it was cancelled. */
function countingStream(chunks: number, chunkBytes: number, fill = 0x20) {
  const seen = { pulled: 0, cancelled: false };
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === chunks) return controller.close();
      sent++;
      seen.pulled += chunkBytes;
      controller.enqueue(new Uint8Array(chunkBytes).fill(fill));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

function post(body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return new Request(URL_, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
}

describe('readJson', () => {
  it('parses a JSON body', async () => {
    expect(await readJson(post('{"count":3}'), { maxBytes: 1024, example: EXAMPLE })).toEqual({ count: 3 });
    expect(await readJson(post('[1,2]', { 'content-type': 'Application/JSON; charset=utf-8' }), { maxBytes: 1024, example: EXAMPLE })).toEqual([1, 2]);
  });

  it('accepts a body of exactly the cap', async () => {
    const body = `{"a":"${'x'.repeat(1000 - 8)}"}`;
    expect(body.length).toBe(1000);
    expect(await readJson(post(body), { maxBytes: 1000, example: EXAMPLE })).toEqual({ a: 'x'.repeat(992) });
  });

  it('refuses a declared Content-Length over the cap with 413 before reading a byte', async () => {
    const { stream, seen } = countingStream(100, 1024);
    const error = await errorOf(readJson(post(stream, { 'content-type': 'application/json', 'content-length': String(100 * 1024) }), { maxBytes: 4096, example: EXAMPLE }));
    expect(error.code).toBe('BODY_TOO_LARGE');
    expect(error.status).toBe(413);
    expect(error.message).toContain('4 KB');
    expect(seen.pulled).toBeLessThanOrEqual(1024); // at most what the stream buffered ahead on its own
  });

  it('refuses a body without Content-Length while reading it, and cancels the rest', async () => {
    const { stream, seen } = countingStream(100_000, 16 * 1024); // 1.6 GB if read to the end
    const started = Date.now();
    const error = await errorOf(readJson(post(stream), { maxBytes: 64 * 1024, example: EXAMPLE }));
    expect(error.code).toBe('BODY_TOO_LARGE');
    expect(seen.pulled).toBeLessThanOrEqual(64 * 1024 + 3 * 16 * 1024);
    expect(Date.now() - started).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen.cancelled).toBe(true);
  });

  it('answers 400 with the example for malformed JSON, wrong content-type, bad UTF-8 and an empty body', async () => {
    for (const body of ['{"count":', 'not json', '{"a":1}}', "{'a':1}", '']) {
      const error = await errorOf(readJson(post(body), { maxBytes: 1024, example: EXAMPLE }));
      expect(error.code, body).toBe('BAD_REQUEST');
      expect(error.message, body).toContain(EXAMPLE);
    }
    const wrongType = await errorOf(readJson(post('{"count":3}', { 'content-type': 'text/plain' }), { maxBytes: 1024, example: EXAMPLE }));
    expect(wrongType.code).toBe('BAD_REQUEST');
    expect(wrongType.message).toContain('application/json');
    const noType = await errorOf(readJson(post('{"count":3}', {}), { maxBytes: 1024, example: EXAMPLE }));
    expect(noType.code).toBe('BAD_REQUEST');
    const badUtf8 = await errorOf(readJson(post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), { maxBytes: 1024, example: EXAMPLE }));
    expect(badUtf8.code).toBe('BAD_REQUEST');
    expect(badUtf8.message).toContain('UTF-8');
  });

  it('gives `whenEmpty` for an empty body when the route accepts one', async () => {
    expect(await readJson(post(''), { maxBytes: 1024, example: EXAMPLE, whenEmpty: {} })).toEqual({});
    expect(await readJson(post(null, {}), { maxBytes: 1024, example: EXAMPLE, whenEmpty: {} })).toEqual({});
    expect(await readJson(post('{"count":5}'), { maxBytes: 1024, example: EXAMPLE, whenEmpty: {} })).toEqual({ count: 5 });
    expect((await errorOf(readJson(post('{"count":'), { maxBytes: 1024, example: EXAMPLE, whenEmpty: {} }))).code).toBe('BAD_REQUEST');
    expect((await errorOf(readJson(post('count=5', { 'content-type': 'text/plain' }), { maxBytes: 1024, example: EXAMPLE, whenEmpty: {} }))).code).toBe('BAD_REQUEST');
  });

  it('parses deeply nested and huge-number JSON without throwing anything but values', async () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    expect(Array.isArray(await readJson(post(deep), { maxBytes: 200_000, example: EXAMPLE }))).toBe(true);
    expect(await readJson(post('{"count":1e999}'), { maxBytes: 1024, example: EXAMPLE })).toEqual({ count: Infinity });
  });
});

describe('readBodyBytes', () => {
  it('answers a body cut off mid-way with 400, not an unexpected error', async () => {
    let sent = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error('socket hang up'));
        sent = true;
        controller.enqueue(new Uint8Array(10));
      },
    });
    const error = await errorOf(readBodyBytes(post(stream), 1024));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('cut off');
  });

  it('uses the caller’s error past the cap', async () => {
    const error = await errorOf(readBodyBytes(post('x'.repeat(11)), 10, () => bodyTooLarge(10)));
    expect(error.code).toBe('BODY_TOO_LARGE');
    expect(error.message).toContain('10 bytes');
  });

  it('states caps as people read them', () => {
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(16 * 1024)).toBe('16 KB');
    expect(formatBytes(4 * 1024 * 1024)).toBe('4 MB');
    expect(formatBytes(1536 * 1024)).toBe('1.5 MB');
    expect(formatBytes(100)).toBe('100 bytes');
  });
});

describe('readUploadedFile', () => {
  it('refuses a chunked upload past the cap while reading, with FILE_TOO_LARGE', async () => {
    const { stream, seen } = countingStream(10_000, 64 * 1024); // 640 MB if read to the end
    const request = post(stream, { 'content-type': 'multipart/form-data; boundary=x' });
    const error = await errorOf(readUploadedFile(request, 'file', 1024 * 1024));
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.status).toBe(413);
    expect(seen.pulled).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024 + 3 * 64 * 1024);
  });

  it('refuses a declared length past the cap before reading', async () => {
    const { stream, seen } = countingStream(10_000, 64 * 1024);
    const request = post(stream, { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(50 * 1024 * 1024) });
    expect((await errorOf(readUploadedFile(request, 'file', 1024 * 1024))).code).toBe('FILE_TOO_LARGE');
    expect(seen.pulled).toBeLessThanOrEqual(64 * 1024);
  });

  it('reads a file within the cap', async () => {
    const form = new FormData();
    form.append('file', new File([new Uint8Array([1, 2, 3])], 'a.jpg'));
    const { bytes, name } = await readUploadedFile(new Request(URL_, { method: 'POST', body: form }), 'file', 1024);
    expect([...bytes]).toEqual([1, 2, 3]);
    expect(name).toBe('a.jpg');
  });
});

/** Every route.ts under app/api, by its path there. */
function routeFiles(dir = 'app/api'): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(file);
    return entry.name === 'route.ts' ? [file] : [];
  });
}

/** Every TypeScript file of lib/ but the generated database clients. */
function libFiles(dir = 'lib'): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return file === path.join('lib', 'db', 'generated') ? [] : libFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

describe('the API routes', () => {
  it('read a body only through readJson or readUploadedFile, never the whole of it unbounded', () => {
    for (const file of routeFiles()) {
      const source = fs.readFileSync(file, 'utf8');
      expect(source, file).not.toMatch(/request\.(json|text|formData|arrayBuffer|blob)\(|request\.body\b/);
    }
  });

  it('check a JSON body with the feature’s zod schema in the route, and hand the service only what was checked', () => {
    for (const file of routeFiles()) {
      const source = fs.readFileSync(file, 'utf8');
      const reads = source.match(/readJson\(/g)?.length ?? 0;
      const checks = source.match(/parse\(\w+, (await readJson\(|json\b)/g)?.length ?? 0;
      expect(checks, `${file}: each readJson result goes through parse(schema, …)`).toBe(reads);
    }
    for (const file of libFiles()) {
      expect(fs.readFileSync(file, 'utf8'), `${file}: a service takes a checked request, not any JSON`).not.toMatch(/\(body: unknown\b/);
    }
  });

  // The JSON routes, with their caps; every one is refused as soon as its body passes the cap.
  const JSON_ROUTES: { path: string; method: 'POST' | 'PUT' | 'PATCH'; cap: number; params?: Record<string, string> }[] = [
    { path: 'caption', method: 'POST', cap: 8192 },
    { path: 'foundations/figure', method: 'POST', cap: 1024 },
    { path: 'gan/interpolate', method: 'POST', cap: 4096 },
    { path: 'gan/samples', method: 'POST', cap: 4096 },
    { path: 'gan/vary', method: 'POST', cap: 4096 },
    { path: 'generations/[id]', method: 'PATCH', cap: 1024, params: { id: 'some-drawing' } },
    { path: 'oneshot/classify', method: 'POST', cap: 4 * 1024 * 1024 },
    { path: 'oneshot/variants', method: 'POST', cap: 4 * 1024 * 1024 },
    { path: 'tags', method: 'POST', cap: 4096 },
    { path: 'tags/batch', method: 'POST', cap: 64 * 1024 },
    { path: 'tags/export', method: 'POST', cap: 64 * 1024 },
    { path: 'tags/search', method: 'POST', cap: 16 * 1024 },
    { path: 'uploads/[id]', method: 'PATCH', cap: 1024, params: { id: 'some-photo' } },
    { path: 'uploads/[id]/tags', method: 'PUT', cap: 64 * 1024, params: { id: 'some-photo' } },
    { path: 'uploads/samples', method: 'POST', cap: 1024 },
  ];

  it('lists every route that reads JSON', () => {
    const reading = routeFiles()
      .filter((file) => fs.readFileSync(file, 'utf8').includes('readJson('))
      .map((file) => path.relative('app/api', path.dirname(file)).split(path.sep).join('/'))
      .sort();
    expect(reading).toEqual(JSON_ROUTES.map((route) => route.path).sort());
  });

  it.each(JSON_ROUTES.map((route) => [route.path, route] as const))('/api/%s refuses a 100 MB JSON body with 413 BODY_TOO_LARGE, reading no more than its cap', async (route, { method, cap, params }) => {
    const handlers = (await import(path.resolve('app/api', route, 'route.ts'))) as Record<string, (request: Request, context: { params: Promise<unknown> }) => Promise<Response>>;
    const context = { params: Promise.resolve(params ?? {}) };
    // Chunked: counted while it arrives, the rest cancelled.
    const { stream, seen } = countingStream(1600, 64 * 1024);
    const chunked = await handlers[method](new Request(`http://localhost/api/${route}`, { method, body: stream, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit), context);
    expect(chunked.status).toBe(413);
    const { error } = await chunked.json();
    expect(error.code).toBe('BODY_TOO_LARGE');
    expect(error.message).toContain(formatBytes(cap));
    expect(seen.pulled).toBeLessThanOrEqual(cap + 3 * 64 * 1024);
    // Declared: refused before a byte is read.
    const declared = countingStream(1600, 64 * 1024);
    const headers = { 'content-type': 'application/json', 'content-length': String(100 * 1024 * 1024) };
    const refused = await handlers[method](new Request(`http://localhost/api/${route}`, { method, body: declared.stream, headers, duplex: 'half' } as RequestInit), context);
    expect(refused.status).toBe(413);
    expect((await refused.json()).error.code).toBe('BODY_TOO_LARGE');
    expect(declared.seen.pulled).toBeLessThanOrEqual(64 * 1024);
  });
});


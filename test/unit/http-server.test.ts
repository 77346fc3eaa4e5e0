import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, allowedMethods, matchApiRoute } from '@/lib/http/api-routes';
import { readJson } from '@/lib/http/body';
import { errorResponse } from '@/lib/http/respond';
import { answerBeforeNext, createAppServer } from '@/lib/http/server';

/** Every app/api route.ts as its pattern and the methods it exports. */
function routesOnDisk(): Record<string, string[]> {
  const routes: Record<string, string[]> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'route.ts') {
        const pattern = '/' + path.relative('app', dir).split(path.sep).join('/');
        if (pattern.includes('[[...')) continue; // the catch-all 404
        const source = fs.readFileSync(full, 'utf8');
        const methods = [...source.matchAll(/export\s+(?:const|async\s+function|function)\s+(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\b/g)].map((m) => m[1]);
        routes[pattern] = methods.sort();
      }
    }
  };
  walk('app/api');
  return routes;
}

describe('the API route table', () => {
  it('lists every route in app/api with the methods it exports', () => {
    const table = Object.fromEntries(Object.entries(API_ROUTES).map(([pattern, methods]) => [pattern, [...methods].sort()]));
    expect(table).toEqual(routesOnDisk());
  });

  it('matches paths as Next routes them: a literal segment beats a parameter', () => {
    expect(matchApiRoute('/api/uploads/samples')).toBe('/api/uploads/samples');
    expect(matchApiRoute('/api/uploads/abc')).toBe('/api/uploads/[id]');
    expect(matchApiRoute('/api/uploads/abc/tags')).toBe('/api/uploads/[id]/tags');
    expect(matchApiRoute('/api/uploads/abc/nope')).toBeUndefined();
    expect(matchApiRoute('/api/uploads/')).toBeUndefined();
    expect(allowedMethods('/api/uploads')).toEqual(['GET', 'HEAD', 'POST', 'OPTIONS']);
    expect(allowedMethods('/api/tags')).toEqual(['POST', 'OPTIONS']);
  });
});

describe('answerBeforeNext', () => {
  it('answers bad percent-encoding with 400 on any path', () => {
    for (const target of ['/api/uploads/%E0%A4%A', '/api/corel/%', '/gallery/%zz', '/api/uploads/%E0%A4%A/tags?x=1']) {
      const answer = answerBeforeNext('GET', target);
      expect(answer?.error.status, target).toBe(400);
      expect(answer?.error.code).toBe('BAD_REQUEST');
    }
    expect(answerBeforeNext('GET', '/api/uploads/caf%C3%A9')).toBeUndefined();
    expect(answerBeforeNext('GET', '/api/uploads?cursor=%E0%A4%A')).toBeUndefined(); // the query is the route's to read
  });

  it('answers methods a route does not have with 405 and Allow', () => {
    expect(answerBeforeNext('TRACE', '/api/health')).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' }, allow: ['GET', 'HEAD', 'OPTIONS'] });
    expect(answerBeforeNext('DELETE', '/api/uploads')).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' }, allow: ['GET', 'HEAD', 'POST', 'OPTIONS'] });
    expect(answerBeforeNext('GET', '/api/uploads/samples')).toMatchObject({ allow: ['POST', 'OPTIONS'] });
    expect(answerBeforeNext('PROPFIND', '/gallery')).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' }, allow: ['GET', 'HEAD'] });
    for (const [method, target] of [
      ['GET', '/api/health'],
      ['HEAD', '/api/health'],
      ['OPTIONS', '/api/health'],
      ['POST', '/api/uploads'],
      ['PUT', '/api/uploads/abc/tags'],
      ['DELETE', '/api/jobs/abc'],
      ['GET', '/gallery'],
      ['GET', 'http://localhost/api/health'],
    ]) {
      expect(answerBeforeNext(method, target), `${method} ${target}`).toBeUndefined();
    }
  });

  it('leaves unknown API paths to Next’s catch-all 404, except for methods Next cannot represent', () => {
    expect(answerBeforeNext('GET', '/api/nope')).toBeUndefined();
    expect(answerBeforeNext('TRACE', '/api/nope')?.error.code).toBe('NOT_FOUND');
  });
});

/** A stand-in for Next: the request handed to fetch's Request as Next does, read with a 1 KB cap. */
async function likeNext(req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url }));
  const request = new Request(`http://localhost${req.url}`, { method: req.method, headers: req.headers as HeadersInit, body: req.method === 'GET' ? null : (req as unknown as BodyInit), duplex: 'half' } as RequestInit);
  let response: Response;
  try {
    response = Response.json(await readJson(request, { maxBytes: 1024, example: '{}' }));
  } catch (error) {
    response = errorResponse(error);
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

interface Exchange {
  text: string;
  ended: boolean;
  reset: boolean;
}

/** Sends `head` then `bodyBytes` bytes of body, reads until the server closes (or `waitMs`); a reset sets `reset`. */
function exchange(port: number, head: string, bodyBytes: number, options: { chunked?: boolean; waitMs?: number } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const result: Exchange = { text: '', ended: false, reset: false };
    socket.on('data', (d) => (result.text += d));
    socket.on('end', () => (result.ended = true));
    socket.on('error', () => (result.reset = true));
    socket.on('close', () => resolve(result));
    setTimeout(() => {
      socket.destroy();
    }, options.waitMs ?? 3000);
    socket.write(head);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < bodyBytes && !socket.destroyed) {
        const n = Math.min(chunk.length, bodyBytes - sent);
        sent += n;
        const ok = socket.write(options.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), chunk.subarray(0, n), Buffer.from('\r\n')]) : chunk.subarray(0, n));
        if (!ok) return void socket.once('drain', pump);
      }
      if (socket.destroyed) return;
      if (options.chunked) socket.write('0\r\n\r\n');
    };
    pump();
  });
}

describe('createAppServer', () => {
  let port = 0;
  const server = createAppServer(likeNext);
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const second = 'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n';

  it('after a 413 on a chunked body, sends the whole answer with Connection: close and closes cleanly', async () => {
    const result = await exchange(port, 'PUT /api/uploads/a/tags HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', 4 * 1024 * 1024, {
      chunked: true,
    });
    expect(result.text).toMatch(/^HTTP\/1.1 413 /);
    expect(result.text.toLowerCase()).toContain('connection: close');
    expect(result.text).toContain('"code":"BODY_TOO_LARGE"');
    expect(result.ended).toBe(true);
    expect(result.reset).toBe(false);
  });

  it('after a 413 on a declared Content-Length, the same', async () => {
    const size = 4 * 1024 * 1024;
    const result = await exchange(port, `PUT /api/uploads/a/tags HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`, size);
    expect(result.text).toMatch(/^HTTP\/1.1 413 /);
    expect(result.text.toLowerCase()).toContain('connection: close');
    expect(result.ended).toBe(true);
    expect(result.reset).toBe(false);
  });

  it('keeps a connection whose body was read for the next request', async () => {
    const body = '{"a":1}';
    const result = await exchange(port, `PUT /api/uploads/a/tags HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}${second}`, 0, { waitMs: 1000 });
    expect(result.text.match(/HTTP\/1.1 200 /g)).toHaveLength(2);
    expect(result.text.toLowerCase()).not.toContain('connection: close');
  });

  it('answers the early errors as JSON, with Allow on 405', async () => {
    const base = `http://127.0.0.1:${port}`;
    const bad = await fetch(`${base}/api/corel/%`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('BAD_REQUEST');
    const wrong = await fetch(`${base}/api/health`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect((await wrong.json()).error.code).toBe('METHOD_NOT_ALLOWED');
    const trace = await exchange(port, 'TRACE /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 0);
    expect(trace.text).toMatch(/^HTTP\/1.1 405 /);
    expect(trace.text).toContain('"code":"METHOD_NOT_ALLOWED"');
  });

  it('answers CONNECT, OPTIONS * and absolute-form targets as a web server, not a proxy', async () => {
    const connect = await exchange(port, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', 0);
    expect(connect.text).toMatch(/^HTTP\/1.1 405 /);
    expect(connect.text).toContain('"code":"METHOD_NOT_ALLOWED"');
    const star = await exchange(port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 0);
    expect(star.text).toMatch(/^HTTP\/1.1 204 /);
    expect(star.text.toLowerCase()).toContain('allow: get, head, post, put, patch, delete, options');
    const absolute = await exchange(port, 'GET http://elsewhere.example/api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 0);
    expect(absolute.text).toMatch(/^HTTP\/1.1 200 /);
    expect(absolute.text).toContain('{"url":"/api/health"}');
  });

  it('answers a request Node cannot parse with JSON', async () => {
    const garbage = await exchange(port, 'NOT-HTTP\r\n\r\n', 0);
    expect(garbage.text).toMatch(/^HTTP\/1.1 400 /);
    expect(garbage.text).toContain('"code":"BAD_REQUEST"');
    const huge = await exchange(port, `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 0);
    expect(huge.text).toMatch(/^HTTP\/1.1 431 /);
    expect(huge.text).toContain('"code":"HEADERS_TOO_LARGE"');
  });
});

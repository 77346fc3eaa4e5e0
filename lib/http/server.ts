/**
 * The production server's front door: Node's HTTP server with Next's request handler behind it
 * (scripts/serve.mjs starts it). It answers, as JSON `{ error: { code, message } }`, what Next
 * would answer with a bare text 500, an HTML page or an empty body:
 * - a path that is not valid percent-encoding → 400 (Next fails while decoding route parameters);
 * - a method Next cannot represent (TRACE, PROPFIND, …) or one an API route does not export → 405
 *   with `Allow` (Next: a 500, or an empty 405 without `Allow`);
 * - a request Node cannot parse → 400, 431 for oversized headers, 408 for a client too slow to send
 *   one; CONNECT → 405 (Node would drop the connection without a word); `OPTIONS *` → 204 with Allow.
 * An API path no route serves reaches Next, whose catch-all route app/api/[[...path]] answers 404.
 *
 * It tells the front door (lib/http/front-door.ts) who is asking: the client's address in
 * `x-latent-client` (the connection's peer, or with TRUST_PROXY=n the n-th X-Forwarded-For hop from
 * the right) and `x-latent-proto`, any copies a client sent being deleted first. Every answer gets
 * the front door's static security headers, its own early JSON errors included. A request with a
 * body (any method but GET and HEAD) passes the front door here rather than in Next's proxy, which
 * would read the whole body into memory before the route could refuse it.
 *
 * It also closes, cleanly, the connection of a request whose body was still arriving when its
 * answer went out (a 413 from a body cap, or any error found before the body was read): the answer
 * says `Connection: close`, the rest of the body is read and dropped for at most LINGER_MS, then the
 * socket closes. Left alone, the unread body stalls the connection: the client's next request on it
 * hangs until the keep-alive timeout resets it. Closing at once instead would reset a connection
 * with bytes still in flight, which can destroy the answer before the client reads it.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError, toAppError } from '@/lib/errors';
import { env } from '@/lib/env';
import { ROUTE_METHODS, allowedMethods, matchApiRoute, type RouteMethod } from './api-routes';
import { API_CSP, CLIENT_HEADER, NEEDS_NODE_DOOR, PASSED_HEADER, PROTO_HEADER, STATIC_HEADERS, clientAddress, frontDoor } from './front-door';

/** How long a refused body may keep arriving before its connection is cut. */
export const LINGER_MS = 5_000;

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface EarlyAnswer {
  error: AppError;
  /** The `Allow` header of a 405. */
  allow?: readonly string[];
}

/** Pages answer only these; API routes say theirs in lib/http/api-routes.ts. */
const PAGE_METHODS = ['GET', 'HEAD'];

/** The path of a request target (`/a/b?c`, `http://host/a/b`); undefined when it has none. */
function pathOf(target: string): string | undefined {
  if (target.startsWith('/')) return target.split(/[?#]/, 1)[0];
  try {
    return new URL(target).pathname;
  } catch {
    return undefined;
  }
}

/** What the server answers itself, before Next sees the request; undefined to let Next answer. */
export function answerBeforeNext(method: string, target: string): EarlyAnswer | undefined {
  const pathname = pathOf(target);
  if (pathname === undefined) return { error: new AppError('BAD_REQUEST', 'The request does not name a path on this server.') };
  for (const segment of pathname.split('/')) {
    try {
      decodeURIComponent(segment);
    } catch {
      return { error: new AppError('BAD_REQUEST', `The address is not valid percent-encoding: "${segment.slice(0, 100)}". Encode "%" itself as %25.`) };
    }
  }
  const known = (ROUTE_METHODS as readonly string[]).includes(method);
  const isApi = pathname === '/api' || pathname.startsWith('/api/');
  if (!isApi) {
    if (known) return undefined;
    return { error: new AppError('METHOD_NOT_ALLOWED', `Pages answer ${PAGE_METHODS.join(' and ')}, not ${method}.`), allow: PAGE_METHODS };
  }
  const route = matchApiRoute(pathname);
  if (!route) {
    // Next's catch-all route answers the methods it knows; the others never reach it.
    if (known) return undefined;
    return { error: new AppError('NOT_FOUND', `There is no API at ${pathname.slice(0, 200)}.`) };
  }
  const allow = allowedMethods(route);
  if (allow.includes(method as RouteMethod)) return undefined;
  return { error: new AppError('METHOD_NOT_ALLOWED', `${route} answers ${allow.join(', ')}, not ${method}.`), allow };
}

/** The headers of a JSON error this server writes itself. */
const ERROR_HEADERS = { ...STATIC_HEADERS, 'content-security-policy': API_CSP };

function sendError(res: ServerResponse, { error, allow }: EarlyAnswer): void {
  const body = JSON.stringify({ error: error.toJSON() });
  res.writeHead(error.status, {
    ...ERROR_HEADERS,
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...(allow ? { allow: allow.join(', ') } : {}),
    ...(error.retryAfter !== undefined ? { 'retry-after': String(error.retryAfter) } : {}),
  });
  res.end(body);
}

/** The first of a header's values, or the `trustProxy`-th from the right when a proxy appended to it. */
function forwarded(value: string | string[] | undefined, trustProxy: number): string | undefined {
  if (value === undefined || trustProxy === 0) return undefined;
  const hops = (Array.isArray(value) ? value.join(',') : value).split(',').map((hop) => hop.trim()).filter(Boolean);
  return hops[hops.length - trustProxy] ?? hops[0];
}

/** Says who is asking, in headers only this server sets. */
export function markClient(req: IncomingMessage, trustProxy = env.TRUST_PROXY): void {
  for (const name of [CLIENT_HEADER, PROTO_HEADER, PASSED_HEADER]) delete req.headers[name];
  req.headers[CLIENT_HEADER] = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy);
  const tls = (req.socket as Socket & { encrypted?: boolean }).encrypted === true;
  req.headers[PROTO_HEADER] = tls || forwarded(req.headers['x-forwarded-proto'], trustProxy)?.toLowerCase() === 'https' ? 'https' : 'http';
}

/**
 * Passes a request with a body through the front door: true when it may go on to Next (marked so
 * that Next's proxy skips it), false when it was answered here.
 */
async function passFrontDoor(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const verdict = await frontDoor({
    method: req.method ?? 'GET',
    pathname,
    headers,
    protocol: req.headers[PROTO_HEADER] === 'https' ? 'https' : 'http',
    client: String(req.headers[CLIENT_HEADER]),
  });
  for (const [name, value] of verdict.responseHeaders) {
    if (name === 'set-cookie') res.appendHeader(name, value);
    else res.setHeader(name, value);
  }
  if (verdict.refusal) {
    sendError(res, { error: verdict.refusal });
    return false;
  }
  for (const [name, value] of Object.entries(verdict.requestHeaders)) req.headers[name] = value;
  req.headers[PASSED_HEADER] = '1';
  return true;
}

/**
 * When the answer's headers go out before the request's body has fully arrived, the answer says
 * `Connection: close` and the connection lingers to drop the rest of the body before closing.
 */
export function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  if (!bodyStillArriving(req)) return;
  const socket = req.socket;
  // Next gives the request to fetch's Request as an async iterable; a route that stops reading (a
  // body cap) cancels it, and Node's default iterator then destroys the request, stranding the
  // rest of the body on the socket. Kept whole, the request can be drained.
  req[Symbol.asyncIterator] = () => req.iterator({ destroyOnReturn: false });
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    if (bodyStillArriving(req) && !res.headersSent) {
      res.setHeader('connection', 'close');
      lingerBeforeClosing(req, socket);
    }
    return writeHead(...args);
  }) as ServerResponse['writeHead'];
}

/** A request declares a body by Content-Length or Transfer-Encoding; `complete` once all of it was parsed. */
function bodyStillArriving(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}

function lingerBeforeClosing(req: IncomingMessage, socket: Socket): void {
  // Node calls destroySoon once a `Connection: close` answer is sent; its own version destroys the
  // socket as soon as the answer is written, unread bytes and all.
  socket.destroySoon = () => {
    socket.end();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
    };
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    if (req.complete || req.destroyed) return close();
    req.once('end', close);
    req.once('error', close);
    socket.once('end', close);
    socket.once('close', close);
    // Whoever was reading the body has stopped; read the rest and drop it.
    req.removeAllListeners('readable');
    req.removeAllListeners('data');
    req.on('data', () => undefined);
    req.resume();
  };
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** A JSON error written straight to a socket that has no ServerResponse, then the socket closed. */
function answerOnSocket(socket: Duplex, error: AppError, headers = ''): void {
  const body = JSON.stringify({ error: error.toJSON() });
  const security = Object.entries(ERROR_HEADERS)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${error.status} ${REASONS[error.status] ?? 'Error'}\r\ncontent-type: application/json\r\ncache-control: no-store\r\n${security}${headers}` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  socket.once('finish', () => socket.destroy());
}

/** A request Node could not parse, answered in JSON as Node's own handler would in text. */
function answerUnparsable(error: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  answerOnSocket(
    socket,
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('HEADERS_TOO_LARGE', 'The request headers are too large.')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('REQUEST_TIMEOUT', 'The request took too long to arrive.')
        : new AppError('BAD_REQUEST', 'This is not an HTTP request the server can read.'),
  );
}

/** Node's HTTP server answering through `handle` (Next's request handler), behind the checks above. */
export function createAppServer(handle: NodeHandler): http.Server {
  const server = http.createServer((req, res) => {
    closeIfBodyUnread(req, res);
    for (const [name, value] of Object.entries(STATIC_HEADERS)) res.setHeader(name, value);
    if (req.url === '*' && req.method === 'OPTIONS') return void res.writeHead(204, { allow: ROUTE_METHODS.join(', ') }).end();
    const early = answerBeforeNext(req.method ?? 'GET', req.url ?? '/');
    if (early) return sendError(res, early);
    // A target in absolute form (http://host/path) is served by its path: Next would redirect to its host.
    if (req.url && !req.url.startsWith('/')) {
      const url = new URL(req.url);
      req.url = url.pathname + url.search;
    }
    markClient(req);
    const method = req.method ?? 'GET';
    Promise.resolve()
      .then(() => (NEEDS_NODE_DOOR(method) ? passFrontDoor(req, res, (req.url ?? '/').split('?', 1)[0]) : true))
      .then((pass) => pass && handle(req, res))
      .catch((error: unknown) => {
        const appError = toAppError(error);
        console.error('[latent-studio] request failed before an answer:', error);
        if (res.headersSent) res.destroy();
        else sendError(res, { error: appError });
      });
  });
  server.on('clientError', answerUnparsable);
  // Without a listener Node drops a CONNECT without a word; this server is no proxy.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) =>
    answerOnSocket(socket, new AppError('METHOD_NOT_ALLOWED', 'This server is not a proxy: CONNECT is not supported.'), `allow: ${ROUTE_METHODS.join(', ')}\r\n`),
  );
  return server;
}

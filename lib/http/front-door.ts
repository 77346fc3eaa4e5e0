/**
 * What every request meets before a page or route sees it: who is asking, whether a
 * state-changing request came from this app's own pages, whether the asker is over a rate limit,
 * and the security headers of the answer. One function, `frontDoor`, decides; two thin adapters
 * apply its verdict: proxy.ts (Next's proxy, for pages and reads) and lib/http/server.ts (for
 * requests with a body, in `npm start`; see `NEEDS_NODE_DOOR`).
 *
 * - Identity: a request with neither `Authorization` nor a valid owner cookie gets a new owner
 *   (lib/owners), sealed in the `latent_owner` cookie, which is both added to the request passed on
 *   (so the route or page sees it on this very request) and set on the answer. A bearer token that
 *   is not valid is a 401 INVALID_TOKEN on /api.
 * - Cross-site requests: POST, PUT, PATCH and DELETE to /api are refused (403 CROSS_ORIGIN) when
 *   their `Origin` is not this server's own, or when the browser says (`Sec-Fetch-Site`) that
 *   another site sent them. Requests with neither header (curl, scripts) pass: a browser always
 *   sends `Origin` with a cross-site POST.
 * - Rate limits (rate-limiter-flexible, in this process's memory): see `BUDGETS`.
 * - Headers: a Content-Security-Policy with a fresh nonce for pages, a locked-down one for API
 *   answers and stored images, and `nosniff`, `DENY` framing and a `same-origin` referrer policy
 *   on every answer.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { env } from '@/lib/env';
import { AppError, isAppError } from '@/lib/errors';
import { OWNER_COOKIE, OWNER_COOKIE_MAX_AGE, newOwnerId, sealCookie, viewerOf, type Viewer } from '@/lib/owners';

/** Set by lib/http/server.ts (any copy a client sends is deleted): the client's address. */
export const CLIENT_HEADER = 'x-latent-client';
/** Set by lib/http/server.ts: `https` when the request came over TLS (or, behind TRUST_PROXY proxies, X-Forwarded-Proto says so). */
export const PROTO_HEADER = 'x-latent-proto';
/**
 * Set by lib/http/server.ts on a request it has already passed through the front door, so that
 * Next's proxy skips it (proxy.ts's matcher says `missing` this header).
 */
export const PASSED_HEADER = 'x-latent-front-door';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Requests whose body Next's proxy would read whole into memory before the route runs (it clones
 * the body of every request but GET and HEAD, truncating it silently past 10 MB): in `npm start`
 * lib/http/server.ts passes these through the front door itself, so uploads stream to their
 * route and a body over its cap is refused without being read.
 */
export const NEEDS_NODE_DOOR = (method: string) => method !== 'GET' && method !== 'HEAD';

// ---------------------------------------------------------------------------------------------
// Headers

export type AnswerKind = 'page' | 'api' | 'asset';

/**
 * The files of public/, served as they are: the site's icon. Like Next's static files they need no
 * identity (no owner cookie is minted for them); an SVG opened on its own could run script, so they
 * carry the locked-down policy of API answers. proxy.ts's matcher lets them through for that.
 */
export const PUBLIC_FILES: ReadonlySet<string> = new Set(['/favicon.ico', '/icon.svg']);

export function kindOf(pathname: string): AnswerKind {
  if (pathname === '/api' || pathname.startsWith('/api/')) return 'api';
  if (pathname.startsWith('/_next/static/') || pathname.startsWith('/_next/image') || PUBLIC_FILES.has(pathname)) return 'asset';
  return 'page';
}

/**
 * On every answer. `same-origin` is stricter than `strict-origin-when-cross-origin`: another site
 * learns nothing, not even this origin, when a person follows a link out (a photo's page address
 * could be a share link). It is not `no-referrer`, under which browsers send `Origin: null` on the
 * app's own POSTs, which the cross-site check would refuse.
 */
export const STATIC_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

/**
 * API answers and stored images are data, never a document: nothing may load from them, nothing
 * may frame them, and opened on their own they run in a sandbox (an image posing as HTML could not
 * script this origin).
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

/**
 * A page's policy. Scripts run only with this answer's nonce (Next puts it on its own scripts when
 * the page renders per request) and what those load ('strict-dynamic'); styles may be inline
 * because React writes `style` attributes; images may be data: and blob: URLs (canvases, previews
 * of a photo before it is sent). `unsafe-eval` only under `next dev`, whose error overlay needs it.
 */
export function pageCsp(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const newNonce = () => randomBytes(16).toString('base64');

// ---------------------------------------------------------------------------------------------
// Cross-site requests

/** This server's own origin as the browser addressed it: the protocol and the Host header. */
export function ownOrigin(headers: Headers, protocol: 'http' | 'https'): string | undefined {
  const host = (env.TRUST_PROXY > 0 ? headers.get('x-forwarded-host')?.split(',')[0]?.trim() : undefined) || headers.get('host');
  return host ? `${protocol}://${host.toLowerCase()}` : undefined;
}

/** The refusal of a state-changing /api request another site sent; undefined when it may pass. */
export function crossSiteRefusal(method: string, pathname: string, headers: Headers, protocol: 'http' | 'https'): AppError | undefined {
  if (!STATE_CHANGING.has(method) || kindOf(pathname) !== 'api') return undefined;
  const site = headers.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') {
    return new AppError('CROSS_ORIGIN', `This request was sent by another site (Sec-Fetch-Site: ${site}); ${method} requests are accepted only from this app's own pages.`);
  }
  const origin = headers.get('origin');
  if (origin === null) return undefined;
  const own = ownOrigin(headers, protocol);
  if (own !== undefined && origin.toLowerCase() === own) return undefined;
  return new AppError('CROSS_ORIGIN', `This request comes from ${JSON.stringify(origin.slice(0, 200))}, not from this app (${own ?? 'unknown'}); ${method} requests are accepted only from this app's own pages.`);
}

// ---------------------------------------------------------------------------------------------
// Client address

/** The key an address is counted under: an IPv4 address, or an IPv6 address's /64 (one household or host). */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (net.isIPv6(address)) {
    const [head, tail = ''] = address.split('::');
    const left = head ? head.split(':') : [];
    const right = tail ? tail.split(':') : [];
    const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
    return `${groups.slice(0, 4).map((g) => parseInt(g || '0', 16).toString(16)).join(':')}::/64`;
  }
  return address;
}

/**
 * The client's address as lib/http/server.ts finds it: the connection's peer, or, behind
 * `trustProxy` reverse proxies that each append to X-Forwarded-For, the address the outermost of
 * them saw (the trustProxy-th from the right; what a client wrote to the left of it is not trusted).
 */
export function clientAddress(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: number): string {
  if (trustProxy > 0 && forwardedFor !== undefined) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean);
    const hop = hops[hops.length - trustProxy] ?? hops[0];
    if (hop && net.isIP(hop)) return hop;
  }
  return remoteAddress ?? 'unknown';
}

/** The client address a request carries: lib/http/server.ts's header, else (under `next dev`) the last X-Forwarded-For hop. */
export function clientOf(headers: Headers): string {
  const trusted = headers.get(CLIENT_HEADER);
  if (trusted) return trusted;
  const hops = headers.get('x-forwarded-for')?.split(',').map((hop) => hop.trim()).filter(Boolean);
  return hops?.at(-1) ?? 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Rate limits

export interface Budget {
  points: number;
  /** Seconds. */
  duration: number;
}

/**
 * The limits at RATE_LIMIT_SCALE 1, per instance (each process counts on its own). The heaviest
 * normal use, counted from what the pages send: a drawing a second on /oneshot sends at most 3
 * state-changing requests (variants, classify, the previous job's cancel), 1,800 in 10 minutes; a
 * batch of 200 photos uploaded, tagged and their tags edited is 600, with their similar photos 800.
 * A person therefore has 3,000 per 10 minutes (5 a second, sustained); an address twice that, for
 * two such people behind one NAT or a classroom of lighter ones. Reads: a gallery of 200 photos is
 * 200 thumbnails; 3,000 a minute is 50 a second.
 */
export const BUDGETS = {
  /** State-changing and model-running requests, per owner. */
  writesPerOwner: { points: 3_000, duration: 600 },
  /** The same, per client address. */
  writesPerAddress: { points: 6_000, duration: 600 },
  /** POST /api/tokens, per client address. */
  tokensPerAddress: { points: 30, duration: 3_600 },
  /** Every other /api request (reads, stored images, job events), per client address. */
  readsPerAddress: { points: 3_000, duration: 60 },
} as const satisfies Record<string, Budget>;

export type BudgetName = keyof typeof BUDGETS;

const WHAT: Record<BudgetName, string> = {
  writesPerOwner: 'uploads, tag runs, drawings and other changes from this browser (or token)',
  writesPerAddress: 'uploads, tag runs, drawings and other changes from this network address',
  tokensPerAddress: 'API tokens asked for from this network address',
  readsPerAddress: 'API reads and images from this network address',
};

export type Limiters = Record<BudgetName, RateLimiterMemory> | null;

/** Limiters for `budgets` scaled by `scale` (0: none). */
export function createLimiters(scale: number, budgets: Record<BudgetName, Budget> = BUDGETS): Limiters {
  if (scale <= 0) return null;
  const made = {} as Record<BudgetName, RateLimiterMemory>;
  for (const [name, { points, duration }] of Object.entries(budgets) as [BudgetName, Budget][]) {
    made[name] = new RateLimiterMemory({ keyPrefix: name, points: Math.max(1, Math.round(points * scale)), duration });
  }
  return made;
}

// One set per process, on globalThis: proxy.ts (bundled by Next) and lib/http/server.ts (loaded
// by tsx) are two copies of this module in the same process, and must count together.
const SHARED = Symbol.for('latent-studio.rate-limiters');
function sharedLimiters(): Limiters {
  const holder = globalThis as { [SHARED]?: Limiters };
  if (!(SHARED in holder)) holder[SHARED] = createLimiters(env.RATE_LIMIT_SCALE);
  return holder[SHARED]!;
}

/** The budgets a request counts against: by owner (when it has one of its own) and by address. */
export function budgetsFor(method: string, pathname: string): { owner?: BudgetName; address: BudgetName } | undefined {
  if (kindOf(pathname) !== 'api') return undefined;
  if (method === 'POST' && pathname === '/api/tokens') return { address: 'tokensPerAddress' };
  const modelRunningRead = method === 'GET' && /^\/api\/uploads\/[^/]+\/similar$/.test(pathname);
  if (STATE_CHANGING.has(method) || modelRunningRead) return { owner: 'writesPerOwner', address: 'writesPerAddress' };
  return { address: 'readsPerAddress' };
}

function wait(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.ceil(seconds / 60)} min`;
  return `${Math.ceil(seconds / 3600)} h`;
}

/** Counts the request against its budgets; a RATE_LIMITED error (with retryAfter) when one is spent. */
export async function checkRateLimits(
  limiters: Limiters,
  method: string,
  pathname: string,
  who: { ownerId: string | null; client: string },
): Promise<AppError | undefined> {
  if (!limiters) return undefined;
  const budgets = budgetsFor(method, pathname);
  if (!budgets) return undefined;
  const checks: [BudgetName, string][] = [[budgets.address, `a:${addressKey(who.client)}`]];
  if (budgets.owner && who.ownerId) checks.push([budgets.owner, `o:${who.ownerId}`]);
  const refusals: [BudgetName, RateLimiterRes][] = [];
  await Promise.all(
    checks.map(([name, key]) =>
      limiters[name].consume(key).catch((error: unknown) => {
        // A refusal is a RateLimiterRes; not checked with instanceof, since the bundled proxy and
        // tsx-loaded server may each hold their own copy of the class.
        if (error !== null && typeof error === 'object' && typeof (error as RateLimiterRes).msBeforeNext === 'number') refusals.push([name, error as RateLimiterRes]);
        else throw error;
      }),
    ),
  );
  if (refusals.length === 0) return undefined;
  const [name, res] = refusals.reduce((a, b) => (b[1].msBeforeNext > a[1].msBeforeNext ? b : a));
  const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  const limiter = limiters[name];
  return new AppError(
    'RATE_LIMITED',
    `Too many requests: at most ${limiter.points.toLocaleString('en-US')} ${WHAT[name]} per ${wait(limiter.duration)}. Try again in ${wait(retryAfter)}.`,
    { retryAfter, details: { limit: name, points: limiter.points, seconds: limiter.duration } },
  );
}

/**
 * Counts `points` more against an owner's write budget, for a request that does the work of many
 * (a batch of photos counts each photo, not one request); RATE_LIMITED, with nothing spent, when
 * the budget cannot cover them.
 */
export async function spendOwnerBudget(ownerId: string, points: number, limiters: Limiters = sharedLimiters()): Promise<void> {
  if (!limiters || points <= 0) return;
  const limiter = limiters.writesPerOwner;
  const key = `o:${ownerId}`;
  const used = (await limiter.get(key))?.consumedPoints ?? 0;
  if (used + points <= limiter.points) return void (await limiter.consume(key, points).catch(() => undefined));
  const res = await limiter.get(key);
  const retryAfter = Math.max(1, Math.ceil((res?.msBeforeNext ?? limiter.duration * 1000) / 1000));
  throw new AppError(
    'RATE_LIMITED',
    `This batch would take ${points.toLocaleString('en-US')} of the ${limiter.points.toLocaleString('en-US')} ${WHAT.writesPerOwner} allowed per ${wait(limiter.duration)}, and ${Math.max(0, limiter.points - used).toLocaleString('en-US')} are left. Send fewer photos, or try again in ${wait(retryAfter)}.`,
    { retryAfter, details: { limit: 'writesPerOwner', points: limiter.points, seconds: limiter.duration } },
  );
}

// ---------------------------------------------------------------------------------------------
// Identity

/** The Set-Cookie value that gives a browser its owner cookie. */
export function ownerSetCookie(sealed: string, secure: boolean): string {
  return `${OWNER_COOKIE}=${sealed}; Path=/; Max-Age=${OWNER_COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** A Cookie header with every `name` cookie taken out and `name=value` put in. */
export function withCookie(header: string | null, name: string, value: string): string {
  const kept = (header ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part && part.slice(0, Math.max(0, part.indexOf('='))).trim() !== name);
  return [...kept, `${name}=${value}`].join('; ');
}

// ---------------------------------------------------------------------------------------------
// The verdict

export interface Arrival {
  method: string;
  pathname: string;
  headers: Headers;
  /** How the request reached this server (lib/http/server.ts's PROTO_HEADER, or the URL's under `next dev`). */
  protocol: 'http' | 'https';
  /** The client's address (lib/http/server.ts's CLIENT_HEADER, see `clientOf`). */
  client: string;
}

export interface Verdict {
  /** Set when the request is refused: the JSON error answered instead of the page or route. */
  refusal?: AppError;
  /** Request headers to change before the page or route sees the request. */
  requestHeaders: Record<string, string>;
  /** Headers of the answer, whether refused or not (`set-cookie` possibly among them). */
  responseHeaders: [string, string][];
  viewer: Viewer;
}

export interface FrontDoorOptions {
  /** The rate limiters to count against; the process's own (RATE_LIMIT_SCALE) by default. */
  limiters?: Limiters;
  dev?: boolean;
}

export async function frontDoor(arrival: Arrival, options: FrontDoorOptions = {}): Promise<Verdict> {
  const { method, pathname, headers, protocol } = arrival;
  const kind = kindOf(pathname);
  const responseHeaders: [string, string][] = Object.entries(STATIC_HEADERS);
  const requestHeaders: Record<string, string> = {};
  if (kind === 'page') {
    const csp = pageCsp(newNonce(), options.dev ?? env.NODE_ENV === 'development');
    // Next reads the nonce from the request's policy and puts it on the page's scripts.
    requestHeaders['content-security-policy'] = csp;
    responseHeaders.push(['content-security-policy', csp]);
  } else if (kind === 'api') {
    responseHeaders.push(['content-security-policy', API_CSP], ['cross-origin-resource-policy', 'same-origin']);
  } else if (PUBLIC_FILES.has(pathname)) {
    responseHeaders.push(['content-security-policy', API_CSP]);
  }
  const refuse = (refusal: AppError, viewer: Viewer = { ownerId: null, admin: false, via: 'none' }): Verdict => {
    if (refusal.retryAfter !== undefined) responseHeaders.push(['retry-after', String(refusal.retryAfter)]);
    return { refusal, requestHeaders, responseHeaders, viewer };
  };

  const crossSite = crossSiteRefusal(method, pathname, headers, protocol);
  if (crossSite) return refuse(crossSite);

  let viewer: Viewer;
  let minted = false;
  try {
    viewer = await viewerOf(headers);
  } catch (error) {
    if (!isAppError(error)) throw error;
    // A page has no JSON to answer with; it is shown as to a new browser (the route it calls says why).
    if (kind === 'api') return refuse(error);
    const { authorization: _, ...rest } = Object.fromEntries(headers);
    viewer = await viewerOf(new Headers(rest));
  }
  if (viewer.via === 'none' && !headers.has('authorization') && kind !== 'asset') {
    const ownerId = newOwnerId();
    const sealed = await sealCookie(ownerId);
    requestHeaders.cookie = withCookie(headers.get('cookie'), OWNER_COOKIE, sealed);
    responseHeaders.push(['set-cookie', ownerSetCookie(sealed, protocol === 'https')]);
    viewer = { ownerId, admin: false, via: 'cookie' };
    minted = true;
  }

  // A new owner has nothing to count yet; the address's budget holds clients that never keep a cookie.
  const limited = await checkRateLimits(options.limiters === undefined ? sharedLimiters() : options.limiters, method, pathname, {
    ownerId: minted ? null : viewer.ownerId,
    client: arrival.client,
  });
  if (limited) return refuse(limited, viewer);
  return { requestHeaders, responseHeaders, viewer };
}

/** The JSON body of a refusal, as every route's errors are. */
export const refusalBody = (refusal: AppError) => JSON.stringify({ error: refusal.toJSON() });

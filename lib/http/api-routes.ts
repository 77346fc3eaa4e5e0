/**
 * Every API route and the methods its route.ts exports, so the server can answer a method a route
 * does not have with a JSON 405 and its `Allow` header (Next answers an empty 405, and a 500 for
 * methods it cannot represent such as TRACE). test/unit/http-server.test.ts checks this table
 * against app/api, so a new route or method fails the unit tests until it is listed here.
 */

/** The methods a route.ts can export. HEAD comes with GET, OPTIONS with every route. */
export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

export const API_ROUTES: Record<string, readonly RouteMethod[]> = {
  '/api/blobs/[sha256]': ['GET'],
  '/api/caption': ['POST'],
  '/api/caption/examples': ['GET'],
  '/api/corel/[id]': ['GET'],
  '/api/foundations/figure': ['POST'],
  '/api/gan/interpolate': ['POST'],
  '/api/gan/samples': ['POST'],
  '/api/gan/vary': ['POST'],
  '/api/generations/[id]': ['GET', 'PATCH', 'DELETE'],
  '/api/generations/[id]/zip': ['GET'],
  '/api/health': ['GET'],
  '/api/jobs/[id]': ['GET', 'DELETE'],
  '/api/jobs/[id]/events': ['GET'],
  '/api/metrics': ['GET'],
  '/api/oneshot/classify': ['POST'],
  '/api/oneshot/runs/[run]': ['GET'],
  '/api/oneshot/variants': ['POST'],
  '/api/tags': ['POST'],
  '/api/tags/batch': ['POST'],
  '/api/tags/export': ['POST'],
  '/api/tags/search': ['POST'],
  '/api/tags/vocabulary': ['GET'],
  '/api/tokens': ['POST'],
  '/api/uploads': ['GET', 'POST'],
  '/api/uploads/[id]': ['GET', 'PATCH', 'DELETE'],
  '/api/uploads/[id]/similar': ['GET'],
  '/api/uploads/[id]/tags': ['GET', 'PUT'],
  '/api/uploads/samples': ['POST'],
};

const isDynamic = (segment: string) => segment.startsWith('[') && segment.endsWith(']');

/**
 * The route pattern Next serves `pathname` with, as Next chooses it: at each segment a literal
 * beats a `[param]`. Undefined when no route of the table matches.
 */
export function matchApiRoute(pathname: string): string | undefined {
  const segments = pathname.split('/');
  let best: { pattern: string; rank: number[] } | undefined;
  for (const pattern of Object.keys(API_ROUTES)) {
    const parts = pattern.split('/');
    if (parts.length !== segments.length) continue;
    const matches = parts.every((part, i) => (isDynamic(part) ? segments[i].length > 0 : part === segments[i]));
    if (!matches) continue;
    const rank = parts.map((part) => (isDynamic(part) ? 0 : 1));
    if (!best || outranks(rank, best.rank)) best = { pattern, rank };
  }
  return best?.pattern;
}

function outranks(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/** What the route answers, as an `Allow` header lists it: its own methods, HEAD with GET, and OPTIONS. */
export function allowedMethods(pattern: string): RouteMethod[] {
  const own = new Set<RouteMethod>(API_ROUTES[pattern] ?? []);
  if (own.has('GET')) own.add('HEAD');
  own.add('OPTIONS');
  return ROUTE_METHODS.filter((method) => own.has(method));
}

/**
 * Next's proxy: every page and API request passes lib/http/front-door.ts (identity cookie,
 * cross-site check, rate limits, security headers) before it is rendered or routed. Under
 * `npm start`, requests with a body pass it in lib/http/server.ts instead, which marks them so
 * that this proxy skips them: Next would otherwise read their whole body into memory first.
 * Under `next dev` (no Node server in front) nothing deletes the x-latent-* headers a client sends:
 * a development server trusts its client.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { CLIENT_HEADER, PROTO_HEADER, clientOf, frontDoor, refusalBody } from '@/lib/http/front-door';

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const protocol = request.headers.get(PROTO_HEADER) === 'https' || (!request.headers.has(CLIENT_HEADER) && request.nextUrl.protocol === 'https:') ? 'https' : 'http';
  const verdict = await frontDoor({
    method: request.method,
    pathname: request.nextUrl.pathname,
    headers: request.headers,
    protocol,
    client: clientOf(request.headers),
  });
  let response: NextResponse;
  if (verdict.refusal) {
    response = new NextResponse(refusalBody(verdict.refusal), {
      status: verdict.refusal.status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  } else {
    const headers = new Headers(request.headers);
    for (const [name, value] of Object.entries(verdict.requestHeaders)) headers.set(name, value);
    response = NextResponse.next({ request: { headers } });
  }
  for (const [name, value] of verdict.responseHeaders) {
    if (name === 'set-cookie') response.headers.append(name, value);
    else response.headers.set(name, value);
  }
  return response;
}

export const config = {
  matcher: [
    {
      // Next's static files carry the same headers from lib/http/server.ts; they need no identity.
      // public/'s files (the icon) come through, for their locked-down policy (front-door.ts's PUBLIC_FILES).
      source: '/((?!_next/static|_next/image).*)',
      missing: [{ type: 'header', key: 'x-latent-front-door' }],
    },
  ],
};

import { handler } from '@/lib/http/respond';
import { newOwnerId, sealToken, viewerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * A bearer token for an API client → 201 `{ token, owner }`, shown this once (the server keeps no
 * copy). Asked from a browser (with its owner cookie), it acts for the same owner, so a script sees
 * that person's photos; asked with a token, for that token's owner; asked with nothing, for a new
 * owner. Send it as `Authorization: Bearer <token>`; it lasts until SESSION_SECRET changes.
 */
export const POST = handler(async (request: Request) => {
  const viewer = await viewerOf(request.headers);
  const ownerId = viewer.ownerId ?? newOwnerId();
  return Response.json({ token: await sealToken(ownerId), owner: ownerId }, { status: 201, headers: { 'cache-control': 'no-store' } });
});

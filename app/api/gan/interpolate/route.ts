import { getGanService, interpolateRequest } from '@/lib/gan';
import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { ownerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * The walk between two latents, on the great circle through them: JSON `{ model?, from, to,
 * steps?: 2–16 (8) }`, each end a latent seed or `{ seed, nudges: [{ seed, amount }] }` → the same
 * answer as /api/gan/samples, ends first and last.
 */
export const POST = handler(async (request: Request) => {
  const body = parse(interpolateRequest, await readJson(request, { maxBytes: 4096, example: '{ "model": "gan-mnist", "from": 7, "to": 12, "steps": 8 }' }));
  return Response.json(await getGanService().interpolate(await ownerOf(request.headers), body, request.signal));
});

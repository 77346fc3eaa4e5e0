import { getGanService, varyRequest } from '@/lib/gan';
import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { ownerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Small steps away from one latent ("vary this one"): JSON `{ model?, latent, count?: 1–64 (8),
 * amount?: 0.05–1 (0.3), seed? }` → the same answer as /api/gan/samples, each image's latent the
 * given one with one more nudge.
 */
export const POST = handler(async (request: Request) => {
  const body = parse(varyRequest, await readJson(request, { maxBytes: 4096, example: '{ "model": "gan-mnist", "latent": 7, "count": 8, "amount": 0.3 }' }));
  return Response.json(await getGanService().vary(await ownerOf(request.headers), body, request.signal));
});

import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { getOneShotService, variantsRequest } from '@/lib/oneshot';
import { ownerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Strokes (40 × 2,000 points at most) or a 2 MB PNG as base64, with room to spare. */
const MAX_BODY_CHARS = 4 * 1024 * 1024;

/**
 * New drawings of a character: JSON `{ strokes: [[[x, y, t], …], …] | png: "<base64 or data: URL>",
 * count?: 1–16 (9), seed?: 0–2³¹−1 }` → 202 `{ job, generationId, count, seed, source, drawing }`.
 * Follow the job at /api/jobs/:id/events: a `progress` event per variant (`preview.bitmap`: base64
 * of a packed 105×105 bitmap), then `end` with `result.generation` (the drawing and its variants,
 * stored in the gallery). DELETE /api/jobs/:id stops it.
 */
export const POST = handler(async (request: Request) => {
  const body = parse(variantsRequest, await readJson(request, { maxBytes: MAX_BODY_CHARS, example: '{ "strokes": [[[10, 20, 0], [50, 60, 120]]], "count": 9, "seed": 1 }' }));
  const oneshot = getOneShotService();
  const started = await oneshot.startVariants(await ownerOf(request.headers), await oneshot.prepareVariants(body));
  return Response.json(started, { status: 202 });
});

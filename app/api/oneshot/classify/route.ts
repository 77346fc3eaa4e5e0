import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { classifyRequest, getOneShotService } from '@/lib/oneshot';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const MAX_BODY_CHARS = 4 * 1024 * 1024;

/**
 * Which character is it: JSON `{ strokes | png, run: 1–20 }` → `{ run, modelVersion, source,
 * ranking: [{ index, name, logScore, probability }] (all 20, most probable first), ms }`.
 */
export const POST = handler(async (request: Request) => {
  const body = parse(classifyRequest, await readJson(request, { maxBytes: MAX_BODY_CHARS, example: '{ "strokes": [[[10, 20, 0], [50, 60, 120]]], "run": 1 }' }));
  return Response.json(await getOneShotService().classify(body));
});

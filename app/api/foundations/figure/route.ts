import { figureRequest, getFoundationsService } from '@/lib/foundations';
import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * One figure of a foundations block, drawn from its checkpoint: JSON `{ block, figure, seed? }`
 * → `{ block, name, seed, caption, panels: [{ title, columns, note?, pictures: [{ image (PNG data
 * URL), width, height, label? }] }], facts: [{ label, value }], modelVersion }`.
 */
export const POST = handler(async (request: Request) => {
  const body = parse(figureRequest, await readJson(request, { maxBytes: 1024, example: '{ "block": "sparse-coding", "figure": "code", "seed": 3 }' }));
  return Response.json(await getFoundationsService().figure(body));
});

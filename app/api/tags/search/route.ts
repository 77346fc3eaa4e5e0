import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { getTagService } from '@/lib/tags';
import { searchRequest } from '@/lib/tags/requests';
import { viewerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * `{ tags: ["water", "sky"] | "water sky", limit, model? }` → the nearest photos under that tagger's
 * vocabulary: the photos the person may see (their own and the public ones), and Corel-5k's training photos for the Corel-5k tagger.
 */
export const POST = handler(async (request: Request) => {
  const json = await readJson(request, { maxBytes: 16 * 1024, example: '{ "tags": ["water", "sky"], "limit": 24 }' });
  const { tags, limit, model } = parse(searchRequest, json);
  return Response.json(await getTagService().search(await viewerOf(request.headers), tags, { limit, model, signal: request.signal }));
});

import { z } from 'zod';
import { handler, parse } from '@/lib/http/respond';
import { getTagService, taggerIdSchema } from '@/lib/tags';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const query = z.object({ model: taggerIdSchema.optional() });

/** The words a tagger knows (`?model=`, the default tagger otherwise), in its own order, and what it learned from. */
export const GET = handler(async (request: Request) => {
  const { model } = parse(query, Object.fromEntries(new URL(request.url).searchParams));
  const service = getTagService();
  const tagger = service.tagger({ model });
  const { words } = await service.vocabulary({ model: tagger.id });
  return Response.json({ model: tagger.id, label: tagger.label, photos: tagger.photos, count: words.length, words });
});

import { z } from 'zod';
import { readJson } from '@/lib/http/body';
import { handler, params, parse } from '@/lib/http/respond';
import { getTagService } from '@/lib/tags';
import { correctionsRequest } from '@/lib/tags/requests';
import { viewerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };
const uploadId = z.object({ id: z.string().min(1).max(64) });

/** The photo's tags (accepted, suggested, removed) and the model's latest suggestions for it. */
export const GET = handler(async (request: Request, context: Context) => {
  const { id } = await params(uploadId, context);
  return Response.json(await getTagService().tagsOf(await viewerOf(request.headers), id));
});

/** Stores corrections `{ accepted, removed, added }` → `{ tags }`, the photo's tags now; the photo's owner only. */
export const PUT = handler(async (request: Request, context: Context) => {
  const { id } = await params(uploadId, context);
  const json = await readJson(request, { maxBytes: 64 * 1024, example: '{ "accepted": ["sky"], "removed": ["tree"], "added": ["my garden"] }' });
  const body = parse(correctionsRequest, json);
  return Response.json({ tags: await getTagService().saveTags(await viewerOf(request.headers), id, body) });
});

import { z } from 'zod';
import { readJson } from '@/lib/http/body';
import { handler, params, parse } from '@/lib/http/respond';
import { getTagService } from '@/lib/tags';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };
const uploadId = z.object({ id: z.string().min(1).max(64) });
const words = z.array(z.string().max(100)).max(100).default([]);
const corrections = z.object({ accepted: words, removed: words, added: words });

/** The photo's tags (accepted, suggested, removed) and the model's latest suggestions for it. */
export const GET = handler(async (_request: Request, context: Context) => {
  const { id } = await params(uploadId, context);
  return Response.json(await getTagService().tagsOf(id));
});

/** Stores corrections `{ accepted, removed, added }` → `{ tags }`, the photo's tags now. */
export const PUT = handler(async (request: Request, context: Context) => {
  const { id } = await params(uploadId, context);
  const json = await readJson(request, { maxBytes: 64 * 1024, example: '{ "accepted": ["sky"], "removed": ["tree"], "added": ["my garden"] }' });
  const body = parse(corrections, json);
  return Response.json({ tags: await getTagService().saveTags(id, body) });
});

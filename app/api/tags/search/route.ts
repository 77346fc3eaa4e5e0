import { z } from 'zod';
import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { getTagService, splitWords, taggerIdSchema } from '@/lib/tags';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const word = z.string().trim().min(1, 'a tag cannot be empty').max(40, 'a tag has at most 40 characters');
const body = z.object({
  tags: z.union([
    z.array(word).min(1, 'give at least one tag').max(10, 'give at most 10 tags'),
    z.string().trim().min(1, 'give at least one tag').max(400).transform(splitWords).pipe(z.array(word).min(1).max(10, 'give at most 10 tags')),
  ]),
  limit: z.number().int().min(1).max(100).default(24),
  model: taggerIdSchema.optional(),
});

/**
 * `{ tags: ["water", "sky"] | "water sky", limit, model? }` → the nearest photos under that tagger's
 * vocabulary: the person's uploads, and Corel-5k's training photos for the Corel-5k tagger.
 */
export const POST = handler(async (request: Request) => {
  const json = await readJson(request, { maxBytes: 16 * 1024, example: '{ "tags": ["water", "sky"], "limit": 24 }' });
  const { tags, limit, model } = parse(body, json);
  return Response.json(await getTagService().search(tags, { limit, model, signal: request.signal }));
});

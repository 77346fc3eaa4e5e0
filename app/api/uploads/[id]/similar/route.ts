import { z } from 'zod';
import { handler, params, parse } from '@/lib/http/respond';
import { getUploadService } from '@/lib/uploads';
import { viewerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The photos the person may see most similar to this one, nearest first (`?k=` how many, default 8). */
export const GET = handler(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await params(z.object({ id: z.string().min(1).max(64) }), context);
  const { k } = parse(z.object({ k: z.coerce.number().int().min(1).max(100).default(8) }), Object.fromEntries(new URL(request.url).searchParams));
  return Response.json({ id, similar: await getUploadService().similar(await viewerOf(request.headers), id, k) });
});

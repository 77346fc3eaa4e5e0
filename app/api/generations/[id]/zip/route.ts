import { z } from 'zod';
import { handler, params } from '@/lib/http/respond';
import { generationArchive, getGenerationService } from '@/lib/generations';
import { viewerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * A generation the person may see as one ZIP: its images as PNGs (`<kind>-<seed>-<n>.png`), the
 * step-by-step film strips where it has them, and `generation.json` (model, version, seed,
 * parameters: enough to make it again).
 */
export const GET = handler(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await params(z.object({ id: z.string().min(1).max(64) }), context);
  const generation = await getGenerationService().get(await viewerOf(request.headers), id);
  const zip = await generationArchive(generation);
  return new Response(new Uint8Array(zip.body), {
    headers: { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${zip.name}"`, 'cache-control': 'private, no-store' },
  });
});

import fs from 'node:fs/promises';
import { z } from 'zod';
import { handler, params } from '@/lib/http/respond';
import { getTagService } from '@/lib/tags';

export const runtime = 'nodejs';

/** A Corel-5k photo from DATA_DIR, by its dataset id (404 for any other id). */
export const GET = handler(async (_request: Request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await params(z.object({ id: z.string().regex(/^\d{1,9}$/, 'must be a Corel-5k photo id') }), context);
  const photo = await getTagService().corel.photo(id);
  const data = await fs.readFile(photo.file);
  return new Response(new Uint8Array(data), { headers: { 'content-type': 'image/jpeg', 'cache-control': 'public, max-age=86400' } });
});

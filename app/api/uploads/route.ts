import { z } from 'zod';
import { env } from '@/lib/env';
import { handler, parse } from '@/lib/http/respond';
import { readUploadedFile } from '@/lib/http/multipart';
import { ownerOf, viewerOf } from '@/lib/owners';
import { getUploadService } from '@/lib/uploads';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Upload a photo (multipart/form-data, field `file`) → the stored photo, the person's own and
 * private until they share it, and the most similar photos they may see.
 */
export const POST = handler(async (request: Request) => {
  const owner = await ownerOf(request.headers);
  const { bytes, name } = await readUploadedFile(request, 'file', env.UPLOAD_MAX_BYTES);
  const result = await getUploadService().create(owner, bytes, name, { signal: request.signal });
  const { upload, similar, created } = result;
  return Response.json(
    { id: upload.id, sha256: upload.sha256, width: upload.width, height: upload.height, url: upload.url, visibility: upload.visibility, created, similar },
    { status: created ? 201 : 200 },
  );
});

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(48),
  cursor: z.string().min(1).max(64).optional(),
  /** `mine=1`: the person's own photos only. */
  mine: z.enum(['0', '1', 'true', 'false']).optional(),
});

/** The photos the person may see (their own and the public ones), newest first; `?cursor=` from the previous page's `nextCursor`. */
export const GET = handler(async (request: Request) => {
  const query = parse(listQuery, Object.fromEntries(new URL(request.url).searchParams));
  const viewer = await viewerOf(request.headers);
  return Response.json(await getUploadService().list(viewer, { limit: query.limit, cursor: query.cursor, mine: query.mine === '1' || query.mine === 'true' }));
});

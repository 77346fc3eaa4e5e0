import { z } from 'zod';
import { env } from '@/lib/env';
import { handler, parse } from '@/lib/http/respond';
import { readUploadedFile } from '@/lib/http/multipart';
import { getUploadService } from '@/lib/uploads';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Upload a photo (multipart/form-data, field `file`) → the stored photo and its most similar photos. */
export const POST = handler(async (request: Request) => {
  const { bytes, name } = await readUploadedFile(request, 'file', env.UPLOAD_MAX_BYTES);
  const result = await getUploadService().create(bytes, name, { signal: request.signal });
  const { upload, similar, created } = result;
  return Response.json(
    { id: upload.id, sha256: upload.sha256, width: upload.width, height: upload.height, url: upload.url, created, similar },
    { status: created ? 201 : 200 },
  );
});

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(48),
  cursor: z.string().min(1).max(64).optional(),
});

/** Uploads, newest first; `?cursor=` from the previous page's `nextCursor`. */
export const GET = handler(async (request: Request) => {
  const query = parse(listQuery, Object.fromEntries(new URL(request.url).searchParams));
  return Response.json(await getUploadService().list(query));
});

import { z } from 'zod';
import { env } from '@/lib/env';
import { readJson } from '@/lib/http/body';
import { readUploadedFile } from '@/lib/http/multipart';
import { handler, parse } from '@/lib/http/respond';
import { getJobs } from '@/lib/jobs';
import { getTagService, type PhotoSource } from '@/lib/tags';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const existing = z.object({ uploadId: z.string().min(1).max(64) });

/**
 * Tags a photo: `multipart/form-data` with the photo in `file` (checked like POST /api/uploads), or
 * JSON `{ uploadId }` for a stored one → 202 { job, upload }. Follow the job at
 * /api/jobs/:id/events: a `progress` event per mean-field step with the current top tags, then `end`.
 */
export const POST = handler(async (request: Request) => {
  const tags = getTagService();
  let source: PhotoSource;
  if ((request.headers.get('content-type') ?? '').startsWith('application/json')) {
    const json = await readJson(request, { maxBytes: 4096, example: '{ "uploadId": "…" }, or a photo as multipart/form-data (field "file")' });
    source = parse(existing, json);
  } else {
    const { bytes, name } = await readUploadedFile(request, 'file', env.UPLOAD_MAX_BYTES);
    source = { bytes, name };
  }
  const upload = await tags.preparePhoto(source, { signal: request.signal });
  const job = getJobs().start('tags', (report, signal) => tags.suggest({ uploadId: upload.id }, { signal, onProgress: report }));
  return Response.json({ job, upload }, { status: 202 });
});

import { env } from '@/lib/env';
import { readJson } from '@/lib/http/body';
import { readUploadedFile } from '@/lib/http/multipart';
import { handler, parse } from '@/lib/http/respond';
import { getJobs } from '@/lib/jobs';
import { getTagService, type PhotoSource, type Tagger } from '@/lib/tags';
import { tagStoredPhotoRequest, tagUploadFields } from '@/lib/tags/requests';
import { ownerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Tags a photo: `multipart/form-data` with the photo in `file` (checked like POST /api/uploads), or
 * JSON `{ uploadId }` for a stored one → 202 { job, upload, model }. An optional `model` (form field
 * or JSON) picks the tagger: `multimodal-dbm-flickr` (everyday photos, the default) or
 * `multimodal-dbm-corel`. Follow the job at /api/jobs/:id/events: a `progress` event per mean-field
 * step with the current top tags, then `end`.
 */
export const POST = handler(async (request: Request) => {
  let source: PhotoSource;
  let model: Tagger['id'] | undefined;
  if ((request.headers.get('content-type') ?? '').startsWith('application/json')) {
    const json = await readJson(request, { maxBytes: 4096, example: '{ "uploadId": "…", "model": "multimodal-dbm-flickr" }, or a photo as multipart/form-data (field "file")' });
    const { uploadId, model: chosen } = parse(tagStoredPhotoRequest, json);
    source = { uploadId };
    model = chosen;
  } else {
    const { bytes, name, fields } = await readUploadedFile(request, 'file', env.UPLOAD_MAX_BYTES);
    model = parse(tagUploadFields, { model: fields.model || undefined }).model;
    source = { bytes, name };
  }
  const owner = await ownerOf(request.headers);
  const tags = getTagService();
  const tagger = tags.tagger({ model });
  const upload = await tags.preparePhoto(owner, source, { signal: request.signal, model: tagger.id });
  const job = getJobs().start('tags', (report, signal) => tags.suggest(owner, { uploadId: upload.id }, { signal, onProgress: report, model: tagger.id }), {
    ownerId: owner.ownerId,
  });
  return Response.json({ job, upload, model: tagger.id }, { status: 202 });
});

import { AppError } from '@/lib/errors';
import { readJson } from '@/lib/http/body';
import { spendOwnerBudget } from '@/lib/http/front-door';
import { readUploadedFiles } from '@/lib/http/multipart';
import { handler, parse } from '@/lib/http/respond';
import { getJobs } from '@/lib/jobs';
import { ownerOf } from '@/lib/owners';
import { getTagService, type Tagger } from '@/lib/tags';
import { BATCH_MAX_BYTES, BATCH_MAX_PHOTOS, checkBatch, tagBatch, tagStoredBatchRequest, type BatchPhoto, type RefusedPhoto } from '@/lib/tags/batch';
import { tagUploadFields } from '@/lib/tags/requests';
import { getUploadService } from '@/lib/uploads';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Tags many photos in one job: `multipart/form-data` with photos (or ZIPs of them) in `file`
 * fields and an optional `model`, or JSON `{ uploadIds, model? }` for the person's stored photos
 * (to tag again, or resume a batch) → 202 `{ job, model, photos: [{ name }], refused: [{ name,
 * code, message }] }`. Everything is checked before the job starts: at most 500 photos and 200 MB;
 * each photo refused (too large, not an image, a bad path in a ZIP, not yours) is named with its
 * reason while the rest go on. Each photo counts against the person's rate limit as a request of
 * its own would (RATE_LIMITED, 429, when the batch would pass it). Follow the job at /api/jobs/:id/events: a `progress` event per photo
 * (`preview: { index, photo: { name, status, uploadId, url, tags, error } }`), then `end`.
 */
export const POST = handler(async (request: Request) => {
  let photos: BatchPhoto[];
  let refused: RefusedPhoto[] = [];
  let model: Tagger['id'] | undefined;
  if ((request.headers.get('content-type') ?? '').startsWith('application/json')) {
    const json = await readJson(request, { maxBytes: 64 * 1024, example: '{ "uploadIds": ["…", "…"], "model": "multimodal-dbm-flickr" }' });
    const body = parse(tagStoredBatchRequest, json);
    const owner = await ownerOf(request.headers);
    const uploads = getUploadService();
    photos = [];
    for (const id of new Set(body.uploadIds)) {
      const upload = await uploads.get(owner, id).catch(() => null);
      if (upload?.yours) photos.push({ name: upload.originalName ?? id, uploadId: id });
      else refused.push({ name: id, code: 'NOT_FOUND', message: 'You have no stored photo with this id.' });
    }
    model = body.model;
  } else {
    const { files, fields } = await readUploadedFiles(request, 'file', { maxTotalBytes: BATCH_MAX_BYTES, maxFiles: BATCH_MAX_PHOTOS });
    model = parse(tagUploadFields, { model: fields.model || undefined }).model;
    ({ photos, refused } = checkBatch(files));
  }
  const owner = await ownerOf(request.headers);
  const tags = getTagService();
  const tagger = tags.tagger({ model });
  if (photos.length === 0) {
    throw new AppError('NO_PHOTOS', `None of the ${refused.length} files can be tagged: ${refused.slice(0, 3).map((r) => `${r.name} (${r.message})`).join('; ')}${refused.length > 3 ? '; …' : ''}`, { details: { refused } });
  }
  // Each photo is stored and tagged: it counts against the person's limits as its own request would.
  await spendOwnerBudget(owner.ownerId, photos.length - 1);
  const job = getJobs().start('tags-batch', (report, signal) => tagBatch(tags, owner, photos, { model: tagger.id, signal, onProgress: report }), { ownerId: owner.ownerId });
  return Response.json({ job, model: tagger.id, photos: photos.map((p) => ({ name: p.name })), refused }, { status: 202 });
});

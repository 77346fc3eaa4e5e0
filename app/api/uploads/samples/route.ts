import { loadCorel5k } from '@/lib/datasets';
import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { getJobs } from '@/lib/jobs';
import { ownerOf } from '@/lib/owners';
import { getUploadService } from '@/lib/uploads';
import { allowedSamples, importSamplePhotos, samplePhotosRequest } from '@/lib/uploads/samples';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Starts adding sample photos from Corel-5k, as the person's own private photos (at most
 * SAMPLE_PHOTOS_PER_OWNER per person; any number for the administrator) → 202 { job, count };
 * follow it at /api/jobs/:id/events.
 */
export const POST = handler(async (request: Request) => {
  const json = await readJson(request, { maxBytes: 1024, example: '{ "count": 24 }', whenEmpty: {} });
  const { count: asked } = parse(samplePhotosRequest, json);
  const owner = await ownerOf(request.headers);
  await loadCorel5k(); // a missing dataset is a clear 404 now, not a failed job later
  const uploads = getUploadService();
  const count = await allowedSamples(uploads, owner, asked);
  const job = getJobs().start('sample-photos', (report, signal) => importSamplePhotos(owner, uploads, count, report, signal), { ownerId: owner.ownerId });
  return Response.json({ job, count }, { status: 202 });
});

import { loadCorel5k } from '@/lib/datasets';
import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { getJobs } from '@/lib/jobs';
import { getUploadService } from '@/lib/uploads';
import { importSamplePhotos, samplePhotosRequest } from '@/lib/uploads/samples';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Starts adding sample photos from Corel-5k → 202 { job }; follow it at /api/jobs/:id/events. */
export const POST = handler(async (request: Request) => {
  const json = await readJson(request, { maxBytes: 1024, example: '{ "count": 24 }', whenEmpty: {} });
  const { count } = parse(samplePhotosRequest, json);
  await loadCorel5k(); // a missing dataset is a clear 404 now, not a failed job later
  const uploads = getUploadService();
  const job = getJobs().start('sample-photos', (report, signal) => importSamplePhotos(uploads, count, report, signal));
  return Response.json({ job }, { status: 202 });
});

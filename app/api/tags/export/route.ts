import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { viewerOf } from '@/lib/owners';
import { getTagService } from '@/lib/tags';
import { exportedPhotos, exportFile, exportRequest } from '@/lib/tags/export';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * The tags of photos the person may see, as a file to download: JSON `{ uploadIds (1–500), format:
 * "txt" | "csv" | "json" }` → a ZIP of `.txt` sidecars (one per photo, named as the photo), CSV
 * (`file,id,tags,tagger,tagger_version`) or JSON, each naming the tagger and its version. Photos
 * the person may not see are left out.
 */
export const POST = handler(async (request: Request) => {
  const body = parse(exportRequest, await readJson(request, { maxBytes: 64 * 1024, example: '{ "uploadIds": ["…"], "format": "csv" }' }));
  const photos = await exportedPhotos(getTagService(), await viewerOf(request.headers), body.uploadIds);
  const file = exportFile(photos, body.format);
  return new Response(new Uint8Array(file.body), {
    headers: { 'content-type': file.type, 'content-disposition': `attachment; filename="${file.name}"`, 'cache-control': 'no-store' },
  });
});

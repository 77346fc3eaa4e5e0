import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { captionRequest, getCaptionService } from '@/lib/caption';
import { ownerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** A caption request is a few hundred bytes. */
const MAX_BODY_BYTES = 8192;

/**
 * Draws a caption: JSON `{ caption, samples?, seed?, model? }` → 202 `{ job, generationId, caption,
 * samples, seed, model, words, reading }`. Follow the job at /api/jobs/:id/events: a `progress`
 * event per drawing step (`preview.canvases` as base64 bytes), then `end` with
 * `result.generation` (the stored images, alignments and write boxes). DELETE /api/jobs/:id stops it.
 */
export const POST = handler(async (request: Request) => {
  const body = parse(captionRequest, await readJson(request, { maxBytes: MAX_BODY_BYTES, example: '{ "caption": "…", "samples": 4, "seed": 123, "model": "align-draw-mnist" }' }));
  const captions = getCaptionService();
  const owner = await ownerOf(request.headers);
  const started = await captions.start(owner, await captions.prepare(body));
  return Response.json(started, { status: 202 });
});

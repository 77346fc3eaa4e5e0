import { AppError } from '@/lib/errors';
import { handler } from '@/lib/http/respond';
import { getCaptionService } from '@/lib/caption';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const MAX_BODY_CHARS = 8192;

/**
 * Draws a caption: JSON `{ caption, samples?, seed?, model? }` → 202 `{ job, generationId, caption,
 * samples, seed, model, words, reading }`. Follow the job at /api/jobs/:id/events: a `progress`
 * event per drawing step (`preview.canvases` as base64 bytes), then `end` with
 * `result.generation` (the stored images, alignments and write boxes). DELETE /api/jobs/:id stops it.
 */
export const POST = handler(async (request: Request) => {
  if (!(request.headers.get('content-type') ?? '').startsWith('application/json')) {
    throw new AppError('BAD_REQUEST', 'Send JSON: { "caption": "…", "samples": 4, "seed": 123, "model": "align-draw-mnist" }.');
  }
  const text = await request.text();
  if (text.length > MAX_BODY_CHARS) throw new AppError('BAD_REQUEST', `The request is too long: a caption request is a few hundred characters.`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'The request body is not valid JSON. Send { "caption": "…", "samples": 4 }.');
  }
  const captions = getCaptionService();
  const started = await captions.start(await captions.prepare(body));
  return Response.json(started, { status: 202 });
});

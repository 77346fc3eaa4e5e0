import { z } from 'zod';
import { readJson } from '@/lib/http/body';
import { handler, params, parse } from '@/lib/http/respond';
import { viewerOf } from '@/lib/owners';
import { getUploadService } from '@/lib/uploads';
import { visibilityRequest } from '@/lib/uploads/requests';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };
const uploadId = z.object({ id: z.string().min(1).max(64) });

/** A photo the person may see; 404 for an unknown id and for someone else's private photo alike. */
export const GET = handler(async (request: Request, context: Context) => {
  const { id } = await params(uploadId, context);
  return Response.json(await getUploadService().get(await viewerOf(request.headers), id));
});

/** `{ visibility: "public" | "private" }`: shares the photo with everyone or makes it private again; its owner only. */
export const PATCH = handler(async (request: Request, context: Context) => {
  const { id } = await params(uploadId, context);
  const body = parse(visibilityRequest, await readJson(request, { maxBytes: 1024, example: '{ "visibility": "public" }' }));
  return Response.json(await getUploadService().setVisibility(await viewerOf(request.headers), id, body.visibility));
});

/** Deletes the photo with its tags and tag runs; its owner only. */
export const DELETE = handler(async (request: Request, context: Context) => {
  const { id } = await params(uploadId, context);
  return Response.json(await getUploadService().remove(await viewerOf(request.headers), id));
});

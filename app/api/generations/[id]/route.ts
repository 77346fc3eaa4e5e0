import { z } from 'zod';
import { readJson } from '@/lib/http/body';
import { handler, params, parse } from '@/lib/http/respond';
import { getGenerationService } from '@/lib/generations';
import { viewerOf } from '@/lib/owners';
import { visibilityRequest } from '@/lib/uploads/requests';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };
const generationId = z.object({ id: z.string().min(1).max(64) });

/** A drawing, one-shot variants, GAN samples or a tag run the person may see: what made it and its images. */
export const GET = handler(async (request: Request, context: Context) => {
  const { id } = await params(generationId, context);
  return Response.json(await getGenerationService().get(await viewerOf(request.headers), id));
});

/** `{ visibility: "public" | "private" }`: shares it with everyone or makes it private again; its owner only. */
export const PATCH = handler(async (request: Request, context: Context) => {
  const { id } = await params(generationId, context);
  const body = parse(visibilityRequest, await readJson(request, { maxBytes: 1024, example: '{ "visibility": "public" }' }));
  return Response.json(await getGenerationService().setVisibility(await viewerOf(request.headers), id, body.visibility));
});

/** Deletes it; its owner only. */
export const DELETE = handler(async (request: Request, context: Context) => {
  const { id } = await params(generationId, context);
  return Response.json(await getGenerationService().remove(await viewerOf(request.headers), id));
});

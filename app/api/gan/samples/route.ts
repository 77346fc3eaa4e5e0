import { getGanService, samplesRequest } from '@/lib/gan';
import { readJson } from '@/lib/http/body';
import { handler, parse } from '@/lib/http/respond';
import { ownerOf } from '@/lib/owners';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * A grid of GAN samples: JSON `{ model?: "gan-mnist" | "gan-omniglot", count?: 1–64 (16), seed? }`
 * → `{ task, model, modelVersion, seed, images: [{ image (PNG data URL), latent: { seed } }],
 * generationId }`. Sample i comes from latent seed `seed + i`.
 */
export const POST = handler(async (request: Request) => {
  const body = parse(samplesRequest, await readJson(request, { maxBytes: 4096, example: '{ "model": "gan-mnist", "count": 16, "seed": 7 }' }));
  return Response.json(await getGanService().samples(await ownerOf(request.headers), body, request.signal));
});

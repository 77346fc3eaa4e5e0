import { handler, parse } from '@/lib/http/respond';
import { getOneShotService, runNumber } from '@/lib/oneshot';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** One-shot run `run` (1–20): its 20 characters, `{ run, characters: [{ index, name, image }] }`, images as PNG data URLs. */
export const GET = handler(async (_request: Request, context: { params: Promise<{ run: string }> }) => {
  const run = parse(runNumber, (await context.params).run);
  return Response.json(await getOneShotService().runCharacters(run), { headers: { 'cache-control': 'public, max-age=3600' } });
});

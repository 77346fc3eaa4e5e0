import { handler } from '@/lib/http/respond';
import { EXAMPLE_CAPTIONS, getCaptionService } from '@/lib/caption';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The caption models served here (with the words each knows, when it has a word list) and example captions for them. */
export const GET = handler(async () => {
  const models = await getCaptionService().servedModels();
  const served = new Set(models.map((m) => m.name));
  return Response.json({
    models: models.map(({ name, label, description, grammar, vocabulary }) => ({ name, label, description, grammar, vocabulary })),
    examples: EXAMPLE_CAPTIONS.filter((e) => served.has(e.model)),
  });
});

import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { GenerationViewer } from '@/app/caption/GenerationViewer';
import { getCaptionService, type CaptionGeneration } from '@/lib/caption';
import { isAppError } from '@/lib/errors';
import { getGenerationService } from '@/lib/generations';
import { GENERATION_KIND as ONESHOT_KIND, type OneShotGeneration } from '@/lib/oneshot';
import { SavedVariants } from '@/app/oneshot/SavedVariants';
import { SavedGan } from '@/app/gan/SavedGan';
import { GENERATION_KIND as GAN_KIND, type GanGeneration } from '@/lib/gan';
import { GenerationFacts } from '@/app/gallery/GenerationFacts';
import { pageViewer } from '@/lib/owners/page';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Generated · Latent Studio' };

const READING: Record<string, string> = {
  seen: 'seen — a scene of the kind drawn in training',
  novel: 'novel — this scene was held out of training',
  'outside-grammar': 'outside the training grammar',
};

/** The address of /caption that draws this generation again: same caption, number of images, seed, temperature and model. */
function drawAgainHref(generation: CaptionGeneration): string {
  const query = new URLSearchParams({
    caption: generation.params.caption,
    samples: String(generation.params.samples),
    seed: String(generation.seed ?? ''),
    temperature: String(generation.params.temperature ?? 1),
    model: generation.params.model ?? generation.modelName,
  });
  return `/caption?${query}`;
}

export default async function GenerationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const viewer = await pageViewer();
  const found = await getGenerationService()
    .get(viewer, id)
    .catch((error) => {
      if (isAppError(error) && error.code === 'NOT_FOUND') notFound();
      throw error;
    });
  if (found.kind === ONESHOT_KIND) return <SavedVariants generation={found as unknown as OneShotGeneration} />;
  if (found.kind === GAN_KIND) return <SavedGan generation={found as unknown as GanGeneration} />;
  const generation = await getCaptionService()
    .generation(viewer, id)
    .catch((error) => {
      if (isAppError(error) && error.code === 'NOT_FOUND') notFound();
      throw error;
    });
  const reading = generation.result?.reading.kind;
  return (
    <>
      <p>
        <Link href="/gallery#generated">← Gallery</Link>
      </p>
      <h1 data-testid="generation-caption">“{generation.params.caption}”</h1>
      <GenerationFacts generation={generation}>
        <dt>temperature</dt>
        <dd data-testid="generation-temperature">{generation.params.temperature ?? 1}</dd>
        <dt>images</dt>
        <dd>
          {generation.params.samples}
          {generation.canvas ? `, ${generation.canvas.width}×${generation.canvas.height} ${generation.canvas.channels === 1 ? 'grey' : 'colour'}` : ''}
          {generation.result ? `, drawn in ${generation.result.steps} steps` : ''}
        </dd>
        {reading && READING[reading] && (
          <>
            <dt>caption</dt>
            <dd>{READING[reading]}</dd>
          </>
        )}
      </GenerationFacts>
      <p>
        <Link href={drawAgainHref(generation)} className="button" data-testid="draw-again">
          Draw again
        </Link>{' '}
        <span className="muted">with the same caption, number of images, seed, temperature and model: the same images.</span>
      </p>
      {generation.status === 'done' ? (
        <GenerationViewer generation={generation} initialSample={0} />
      ) : (
        <p className="empty">This drawing did not finish ({generation.status}); nothing was stored.</p>
      )}
    </>
  );
}

import type { Metadata } from 'next';
import Link from 'next/link';
import { z } from 'zod';
import { queryField, type SearchParams } from '@/lib/http/query';
import { toAppError } from '@/lib/errors';
import { DEFAULT_AMOUNT, DEFAULT_MODEL, DEFAULT_SAMPLES, DEFAULT_STEPS, GAN_MODELS, getGanService, MAX_SAMPLES, MAX_SEED, MAX_STEPS, type ServedGan } from '@/lib/gan';
import { GanStudio } from './GanStudio';
import { TrainingGame } from './TrainingGame';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { RecentRuns } from '@/app/components/RecentRuns';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'GAN · Latent Studio' };

const FIELDS = {
  model: z.enum(GAN_MODELS),
  seed: z.coerce.number().int().min(0).max(MAX_SEED),
  count: z.coerce.number().int().min(1).max(MAX_SAMPLES),
};


export default async function GanPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const query = await searchParams;
  const served = await getGanService()
    .servedModels()
    .then(
      (models) => ({ models, error: null }),
      (error) => ({ models: [] as ServedGan[], error: toAppError(error).toJSON() }),
    );
  const wanted = queryField(FIELDS.model, query.model) ?? DEFAULT_MODEL;
  const model = served.models.some((m) => m.name === wanted) ? wanted : (served.models[0]?.name ?? DEFAULT_MODEL);
  const chosen = served.models.find((m) => m.name === model);
  const unavailable = served.error ?? (served.models.length === 0 ? { code: 'MODEL_UNAVAILABLE', message: 'No GAN is trained on this server yet, so there is nothing to sample. Train one with models/gan/train.ts.' } : null);

  return (
    <>
      <h1>GAN</h1>
      <p className="lead">
        A generative adversarial network (Goodfellow et al., 2014) learns to draw by playing a game: a generator turns random vectors into images,
        a discriminator learns to tell them from real ones, and the generator learns to fool it — no likelihood, no Markov chain, no explicit density.
        Sample a grid, click two samples to walk between their latent vectors, or vary one a little. Samples are saved in the{' '}
        <Link href="/gallery#generated">gallery</Link> with their seeds and model version; sample i of a grid comes from latent seed seed + i.
      </p>
      {unavailable && (
        <ErrorNotice error={unavailable} testId="model-unavailable" />
      )}
      {served.models.length > 0 && (
        <GanStudio
          models={served.models.map(({ name, label, description, epochs }) => ({ name, label, description, epochs }))}
          initial={{ model, seed: String(queryField(FIELDS.seed, query.seed) ?? ''), count: queryField(FIELDS.count, query.count) ?? DEFAULT_SAMPLES }}
          limits={{ maxSamples: MAX_SAMPLES, maxSteps: MAX_STEPS, defaultSteps: DEFAULT_STEPS, defaultAmount: DEFAULT_AMOUNT, maxSeed: MAX_SEED }}
        />
      )}
      <RecentRuns kind="gan" />
      {chosen && <TrainingGame key={chosen.name} model={chosen} />}
    </>
  );
}

import type { Metadata } from 'next';
import Link from 'next/link';
import { z } from 'zod';
import { queryField, type SearchParams } from '@/lib/http/query';
import {
  CAPTION_MODELS,
  DEFAULT_CAPTION_MODEL,
  DEFAULT_SAMPLES,
  EXAMPLE_CAPTIONS,
  getCaptionService,
  MAX_CAPTION_CHARS,
  MAX_SAMPLES,
  MAX_SEED,
  type ServedCaptionModel,
} from '@/lib/caption';
import { toAppError } from '@/lib/errors';
import { CaptionDrawer, type DrawSettings } from './CaptionDrawer';
import { ErrorNotice } from '@/app/components/ErrorNotice';
import { RecentRuns } from '@/app/components/RecentRuns';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Caption → images · Latent Studio' };

/** The address's fields, each checked on its own (queryField). */
const FIELDS = {
  caption: z.string().max(MAX_CAPTION_CHARS),
  samples: z.coerce.number().int().min(1).max(MAX_SAMPLES),
  seed: z.coerce.number().int().min(0).max(MAX_SEED),
  temperature: z.coerce.number().min(0).max(1),
  model: z.enum(CAPTION_MODELS),
};


export default async function CaptionPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const query = await searchParams;
  const served = await getCaptionService()
    .servedModels()
    .then(
      (models) => ({ models }),
      (error) => ({ models: [] as ServedCaptionModel[], error: toAppError(error).toJSON() }),
    );
  const models = served.models.map(({ name, label, description, vocabulary, defaultTemperature, grammar, freeText }) => ({
    name,
    label,
    description,
    vocabulary,
    defaultTemperature,
    grammar: grammar === 'mnist',
    freeText,
  }));
  const names = new Set(models.map((m) => m.name));
  const examples = EXAMPLE_CAPTIONS.filter((e) => names.has(e.model));
  const wanted = queryField(FIELDS.model, query.model) ?? DEFAULT_CAPTION_MODEL;
  const model = names.has(wanted) ? wanted : (models[0]?.name ?? DEFAULT_CAPTION_MODEL);
  const initial: DrawSettings = {
    caption: queryField(FIELDS.caption, query.caption) ?? examples.find((e) => e.model === model)?.caption ?? '',
    samples: queryField(FIELDS.samples, query.samples) ?? DEFAULT_SAMPLES,
    seed: String(queryField(FIELDS.seed, query.seed) ?? ''),
    temperature: String(queryField(FIELDS.temperature, query.temperature) ?? models.find((m) => m.name === model)?.defaultTemperature ?? 1),
    model,
  };
  const unavailable =
    'error' in served && served.error
      ? served.error
      : models.length === 0
        ? { code: 'MODEL_UNAVAILABLE', message: 'No caption model is served here yet, so captions cannot be drawn. Please try again later.' }
        : null;

  return (
    <>
      <h1>Caption → images</h1>
      <p className="lead">
        alignDRAW (Mansimov, Parisotto, Ba &amp; Salakhutdinov, 2016) draws an image from a caption over a number of steps, each adding to the
        canvas through a small attention window, and at each step it decides which words to attend to. Type a caption, watch the images form, then
        click one to see which words each step looked at. Drawings are saved in the <Link href="/gallery#generated">gallery</Link> with their seed,
        so they can be drawn again exactly.
      </p>
      {unavailable && (
        <ErrorNotice error={unavailable} testId="model-unavailable" />
      )}
      <CaptionDrawer models={models} examples={examples} initial={initial} maxChars={MAX_CAPTION_CHARS} maxSamples={MAX_SAMPLES} />
      <RecentRuns kind="caption" />
    </>
  );
}

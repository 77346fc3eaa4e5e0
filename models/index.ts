/**
 * Every model of the app, in the order a reader meets them: the one list the model server's
 * registry, the model cards, the navigation, the home page and the `eval:*` commands are made from.
 * Adding a model is one folder with an `index.ts` manifest (see models/manifest.ts) and one line
 * here. Free of TensorFlow.js: the web process and the pages load it.
 */
import type { Servable } from '@/lib/model-server/servable';
import { manifest as alignDraw } from './align-draw';
import { manifest as autoencoder } from './autoencoder';
import { manifest as boltzmannMnist } from './boltzmann-mnist';
import { manifest as dbn } from './dbn';
import { manifest as foundations } from './foundations';
import { manifest as gan } from './gan';
import { manifest as imageFeatures } from './image-features';
import { manifest as iwae } from './iwae';
import { manifest as learnedFeatures } from './learned-features';
import type { EvaluationEntry, ModelManifest, PageIntro } from './manifest';
import { manifest as multimodalDbm } from './multimodal-dbm';
import { manifest as oneshot } from './oneshot';
import { manifest as semanticHashing } from './semantic-hashing';
import { manifest as sparseCoding } from './sparse-coding';

export type { EvaluationEntry, ModelManifest, PageIntro } from './manifest';

export const MODELS: readonly ModelManifest[] = [
  learnedFeatures,
  multimodalDbm,
  alignDraw,
  oneshot,
  gan,
  foundations,
  sparseCoding,
  autoencoder,
  semanticHashing,
  dbn,
  iwae,
  boltzmannMnist,
  imageFeatures,
];

/** Everything the model server serves, in manifest order. */
export const SERVABLES: readonly Servable<never, unknown>[] = MODELS.flatMap((m) => m.servables);

/** A page that models serve, as the navigation and the home page introduce it. */
export interface ModelPage extends PageIntro {
  path: string;
  /** The manifests serving it (their cards' evaluations say how it is doing). */
  models: readonly ModelManifest[];
}

/** The pages models serve, in the order of the manifests that introduce them. */
export const MODEL_PAGES: readonly ModelPage[] = MODELS.flatMap((lead) =>
  lead.page && lead.intro ? [{ ...lead.intro, path: lead.page, models: MODELS.filter((m) => m.page === lead.page) }] : [],
);

/** Every `npm run eval:*` command, with the file it runs. */
export const EVALUATIONS: readonly EvaluationEntry[] = MODELS.flatMap((m) => m.evaluations);

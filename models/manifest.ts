/**
 * What a model's front door (`models/<name>/index.ts`) declares: the one description of a model
 * that the rest of the app reads — the model server's registry, the model cards on /models, the
 * checkpoint folder each service loads, the navigation and the home page's cards, and the `eval:*`
 * commands. Free of TensorFlow.js (and of anything else heavy): the web process and the pages'
 * bundles load every manifest.
 */
import type { CatalogEntry } from '@/lib/model-cards/catalog';
import type { Servable } from '@/lib/model-server/servable';

/** How a page that models serve is introduced: in the navigation and as a card on the home page. */
export interface PageIntro {
  /** The navigation's label. */
  nav: string;
  /** The home card's title. */
  title: string;
  /** The home card's text: what a person does there, in their words. */
  summary: string;
}

/** A command that measures the model: `npm run <script>` runs `module`. */
export interface EvaluationEntry {
  /** The npm script, e.g. `eval:tags`. */
  script: string;
  /** The file it runs, relative to the project root. */
  module: string;
  /** What it prints, in a line. */
  what: string;
}

export interface ModelManifest {
  /** The folder under `models/`. */
  id: string;
  /** The page of the app this model serves (e.g. `/tags`), if any. */
  page?: string;
  /** For the model that leads its page: how the page is introduced (one manifest per page has it). */
  intro?: PageIntro;
  /** What the model server serves from this folder (`serve*.ts`), in registry order. */
  servables: readonly Servable<never, unknown>[];
  /** The model cards on /models: one per trained checkpoint (`folder` is this manifest's id). */
  cards: readonly Omit<CatalogEntry, 'folder'>[];
  /** The commands that measure it. */
  evaluations: readonly EvaluationEntry[];
}

/** Checks a manifest's shape at the type level and returns it as declared (keeps servables' types). */
export function defineModel<const M extends ModelManifest>(manifest: M): M {
  return manifest;
}

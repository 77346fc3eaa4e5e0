/**
 * The models this project trains, with the papers they come from, as their manifests
 * (`models/<name>/index.ts`) describe them. A model's folder is `models/<folder>`; its card shows
 * what `checkpoint/meta.json` and `checkpoint/evaluation.json` hold once the model is trained. A
 * trained model folder without a manifest still gets a card (see index.ts), with what its meta.json
 * says about itself.
 */
import { MODELS } from '@/models';

export interface Paper {
  authors: string;
  title: string;
  venue: string;
  url?: string;
}

export interface CatalogEntry {
  /** The folder under `models/` (its manifest's id). */
  folder: string;
  /** The checkpoint folder inside it, when the folder holds more than one model (default `checkpoint`). */
  checkpoint?: string;
  name: string;
  /** What a person does with it, in their words. */
  task: string;
  /** The page where it is used, if it has one. */
  page?: string;
  papers: Paper[];
  architecture: string;
  /** The command that measures it and writes its evaluation.json (e.g. `npm run eval:tags`). */
  evaluate?: string;
}

/** A card's name on the page: the folder, or folder and checkpoint for a second model in one folder. */
export const cardId = (entry: Pick<CatalogEntry, 'folder' | 'checkpoint'>): string =>
  entry.checkpoint ? `${entry.folder}-${entry.checkpoint.replace(/^checkpoint-?/, '')}` : entry.folder;

/** Every model card, in the order of the manifests (`models/index.ts`) and of their cards. */
export const MODEL_CATALOG: readonly CatalogEntry[] = MODELS.flatMap((model) => model.cards.map((card) => ({ folder: model.id, page: model.page, ...card })));

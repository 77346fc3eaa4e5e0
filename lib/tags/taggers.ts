/**
 * The taggers the app offers: the multimodal DBM trained on Flickr8k's everyday photos and their
 * captions (the default), and the one trained on Corel-5k's stock photos and keywords. Each is a
 * model-server model reading one feature model's vectors, with its vocabulary in its checkpoint.
 * The Flickr tagger is offered only where its checkpoint is installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Servable } from '@/lib/model-server/servable';
import { COREL_TAGGER, FLICKR_TAGGER, type MultimodalDbmInput, type MultimodalDbmOutput } from '@/models/multimodal-dbm';

export interface Tagger {
  /** What `POST /api/tags` takes as `model`. */
  id: 'multimodal-dbm-flickr' | 'multimodal-dbm-corel';
  /**
   * What the model server runs (its manifest's servable): `servable.name` is the model server's
   * name, `servable.checkpoint` its folder (vocabulary.json, meta.json).
   */
  servable: Servable<MultimodalDbmInput, MultimodalDbmOutput> & { readonly checkpoint: string };
  /** The feature model whose stored vector it reads. */
  featureModel: 'learned-features' | 'image-features';
  /** How the page names it, and what it learned from. */
  label: string;
  photos: string;
  /** Whether tags → photos also searches the dataset's own training photos. */
  searchesDataset: 'corel5k' | null;
}

export const TAGGERS: readonly Tagger[] = [
  {
    id: 'multimodal-dbm-flickr',
    servable: FLICKR_TAGGER,
    featureModel: 'learned-features',
    label: 'Everyday photos (Flickr8k)',
    photos: "5,500 of Flickr8k's everyday photos of people, animals and places, with words taken from their five captions each",
    searchesDataset: null,
  },
  {
    id: 'multimodal-dbm-corel',
    servable: COREL_TAGGER,
    featureModel: 'image-features',
    label: 'Stock photos (Corel-5k)',
    photos: "Corel-5k's 4,500 stock photos (landscapes, animals, buildings) with their keywords",
    searchesDataset: 'corel5k',
  },
];

export const TAGGER_IDS = TAGGERS.map((t) => t.id) as [Tagger['id'], ...Tagger['id'][]];
export const taggerIdSchema = z.enum(TAGGER_IDS, { message: `model is one of ${TAGGER_IDS.map((id) => `"${id}"`).join(', ')}` });

/** The taggers whose checkpoint is installed under `root`, the default first. */
export function installedTaggers(root: string = process.cwd()): Tagger[] {
  return TAGGERS.filter((t) => fs.existsSync(path.join(root, t.servable.checkpoint, 'vocabulary.json')));
}

export function taggerById(id: Tagger['id']): Tagger {
  return TAGGERS.find((t) => t.id === id)!;
}

/** The tagger used when a request names none: the first installed one (Flickr8k's where present). */
export function defaultTagger(root: string = process.cwd()): Tagger {
  return installedTaggers(root)[0] ?? TAGGERS[TAGGERS.length - 1];
}

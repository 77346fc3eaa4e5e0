/**
 * The foundations lab (/foundations): the tutorial's building blocks, each in its own folder under
 * `models/`, each answering two questions from its committed checkpoint:
 *
 * - what did it learn? — `figures.ts` draws pictures (bases, reconstructions, neighbours, samples);
 * - how well? — `measure.ts` returns the block's numbers as a model-card evaluation
 *   (lib/model-cards/evaluation.ts), with a baseline measured in the same run and the published
 *   figure beside them.
 *
 * The model server serves every block's figures as one model, `foundations` (serve.ts).
 */
import type { Picture } from '@/models/blocks/pictures';

export const BLOCKS = ['sparse-coding', 'autoencoder', 'semantic-hashing', 'dbn', 'iwae'] as const;
export type Block = (typeof BLOCKS)[number];

/** One image of a panel (models/blocks/pictures.ts builds them). */
export type { Picture };

/** A titled grid of pictures. */
export interface Panel {
  title: string;
  /** Pictures per row of the grid. */
  columns: number;
  pictures: Picture[];
  /** One line under the grid. */
  note?: string;
}

export interface Figure {
  block: Block;
  /** One of the block's `FIGURES`. */
  name: string;
  /** What the person is looking at, in a sentence or two. */
  caption: string;
  panels: Panel[];
  /** Numbers about this very figure (e.g. the patch's active coefficients, its reconstruction error). */
  facts: { label: string; value: string }[];
}

/** What every block's `figures.ts` exports as `figures`. */
export interface BlockFigures {
  /** The figures it draws; the first is the one the page shows first. */
  names: readonly string[];
  /** Loads the checkpoint; the version is the checkpoint's hash. */
  load(): Promise<{ version: string }>;
  /** A figure; `seed` picks the examples (the same seed, the same figure). */
  figure(name: string, seed: number): Promise<Figure>;
}

/** What every block's `measure.ts` exports as `measure` (models/blocks/evaluation-report.ts prints and saves it). */
export type { MeasureBlock, MeasureOptions } from '@/models/blocks/evaluation-report';

export interface FigureRequest {
  block: Block;
  figure: string;
  seed: number;
}

export interface FigureResponse {
  figure: Figure;
  /** The checkpoint version of the block that drew it. */
  version: string;
}

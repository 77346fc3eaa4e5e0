/**
 * A model's qualitative figures, for its card: `figures.json` beside its meta.json, written by the
 * model's own figure script (e.g. models/align-draw/scripts/figures-flickr.ts), with PNG strips
 * under `public/figures/`. Each row is one sentence and what the model drew for it; a row may name
 * the nearest training sentence, so a reader sees whether the sentence is new.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const FIGURES_FILE = 'figures.json';

/** Only pictures this project ships under public/figures, as PNG. */
const imagePath = z.string().regex(/^\/figures\/[\w-]+(\/[\w-]+)*\.png$/, 'must be a PNG under /figures/');

export const figuresSchema = z.object({
  command: z.string(),
  date: z.string(),
  modelVersion: z.string().optional(),
  temperature: z.number().optional(),
  groups: z
    .array(
      z.object({
        title: z.string(),
        note: z.string().optional(),
        rows: z
          .array(
            z.object({
              sentence: z.string(),
              image: imagePath,
              alt: z.string(),
              nearest: z.object({ sentence: z.string(), similarity: z.number() }).nullable().optional(),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

export type Figures = z.infer<typeof figuresSchema>;

/**
 * The figures of a checkpoint folder: undefined when it has none; a problem for a person when the
 * file is malformed or names a picture that is not in `publicDir`.
 */
export async function loadFigures(checkpointDir: string, publicDir: string): Promise<{ figures?: Figures; problem?: string }> {
  let text: string;
  try {
    text = await fs.readFile(path.join(checkpointDir, FIGURES_FILE), 'utf8');
  } catch {
    return {};
  }
  let parsed: ReturnType<typeof figuresSchema.safeParse>;
  try {
    parsed = figuresSchema.safeParse(JSON.parse(text));
  } catch {
    return { problem: `${FIGURES_FILE} is not JSON, so its figures are not shown here.` };
  }
  if (!parsed.success) return { problem: `${FIGURES_FILE} is not in the figure format (lib/model-cards/figures.ts), so its figures are not shown here.` };
  const images = parsed.data.groups.flatMap((g) => g.rows.map((r) => r.image));
  const missing: string[] = [];
  for (const image of images) {
    if (!(await fs.stat(path.join(publicDir, image)).then((s) => s.isFile(), () => false))) missing.push(image);
  }
  if (missing.length > 0) return { problem: `${FIGURES_FILE} names pictures that are not in public/: ${missing.join(', ')}.` };
  return { figures: parsed.data };
}

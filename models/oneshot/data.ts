/**
 * The one-shot model's data: Omniglot's two background splits (images and pen strokes; never the
 * evaluation alphabets) for fitting, and Lake's 20 one-shot runs (evaluation alphabets, images
 * only) for measuring. Images without strokes are parsed into pen paths (parse.ts).
 */
import { decodeOmniglotPng, loadOmniglotBackground, loadOneShotRuns, OMNIGLOT_SIZE, type OmniglotCharacter } from '@/lib/datasets';
import { mulberry32, seededShuffle } from '@/lib/random';
import type { Drawing } from '@/lib/strokes';
import { parseImage } from './parse';

/** Both background splits, each character once (Greek and Latin are in both). */
export async function loadBackgroundCharacters(dataDir?: string): Promise<OmniglotCharacter[]> {
  const all = [...(await loadOmniglotBackground('small1', dataDir)), ...(await loadOmniglotBackground('small2', dataDir))];
  const seen = new Set<string>();
  return all.filter((c) => {
    const key = `${c.alphabet}/${c.character}/${c.drawings[0]?.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A 20-way one-shot episode: one exemplar per character, one test drawing each; images and parses. */
export interface Episode {
  name: string;
  exemplars: Drawing[];
  exemplarImages: Float32Array[];
  tests: Drawing[];
  testImages: Float32Array[];
  /** answers[i]: the exemplar test drawing i is of. */
  answers: number[];
}

async function parsed(png: Uint8Array): Promise<{ image: Float32Array; drawing: Drawing }> {
  const image = await decodeOmniglotPng(png);
  return { image, drawing: parseImage(image, OMNIGLOT_SIZE) };
}

/** Lake's 20 runs, parsed from their images. */
export async function loadRunEpisodes(dataDir?: string): Promise<Episode[]> {
  const runs = await loadOneShotRuns(dataDir);
  return Promise.all(
    runs.map(async (run) => {
      const exemplars = await Promise.all(run.training.map((i) => parsed(i.png)));
      const tests = await Promise.all(run.test.map((i) => parsed(i.png)));
      return {
        name: `run ${run.run}`,
        exemplars: exemplars.map((e) => e.drawing),
        exemplarImages: exemplars.map((e) => e.image),
        tests: tests.map((t) => t.drawing),
        testImages: tests.map((t) => t.image),
        answers: run.answers,
      };
    }),
  );
}

/**
 * Episodes built like Lake's runs from the background characters: 20 characters of one alphabet
 * (all of them when it has fewer), one drawer's image as the exemplar and another's as the test,
 * parsed from the images as the runs are. For choosing settings without touching the runs.
 */
export async function backgroundEpisodes(characters: OmniglotCharacter[], count: number, seed: number): Promise<Episode[]> {
  const random = mulberry32(seed);
  const alphabets = [...new Set(characters.map((c) => c.alphabet))];
  const episodes: Episode[] = [];
  for (let e = 0; e < count; e++) {
    const alphabet = alphabets[e % alphabets.length];
    const chosen = seededShuffle(characters.filter((c) => c.alphabet === alphabet), seed + e).slice(0, 20);
    const pairs = await Promise.all(
      chosen.map(async (c) => {
        const [a, b] = seededShuffle(c.drawings, Math.floor(random() * 2 ** 31)).slice(0, 2);
        return { exemplar: await parsed(a.png), test: await parsed(b.png) };
      }),
    );
    const order = seededShuffle(pairs.map((_, i) => i), seed + 100 + e);
    episodes.push({
      name: `${alphabet} ${e + 1}`,
      exemplars: pairs.map((p) => p.exemplar.drawing),
      exemplarImages: pairs.map((p) => p.exemplar.image),
      tests: order.map((i) => pairs[i].test.drawing),
      testImages: order.map((i) => pairs[i].test.image),
      answers: order,
    });
  }
  return episodes;
}

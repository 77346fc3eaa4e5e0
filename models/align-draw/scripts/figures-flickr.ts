/**
 * The paper's qualitative checks (Mansimov et al. §4.2: change one word and the picture follows;
 * ask for a scene the training set never showed) as figures for the Flickr8k model's card:
 *
 * - "One word changed": "a dog on the grass / snow / beach / in the water". Every row draws eight
 *   samples with the same seed, so rows differ only by the sentence.
 * - "Scenes no training photo shows": sentences whose content words no training sentence has all
 *   of (checked here against the 30,000 training sentences: the script stops if one does), each
 *   with the nearest training sentence (TF-IDF cosine over content lemmas) and its similarity.
 *
 * Each row is one PNG strip of 8 drawings (32×32, enlarged 3× without smoothing, 2 px apart) in
 * `--out` (default public/figures/align-draw-flickr/); `figures.json` beside the checkpoint lists
 * the rows with their alt text, for the model card.
 *
 *   npx tsx models/align-draw/scripts/figures-flickr.ts [--checkpoint DIR] [--out DIR] [--seed 3] [--temperature T]
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { parseFlags } from '@/lib/cli/progress';
import { env } from '@/lib/env';
import { FIGURES_FILE, figuresSchema } from '@/lib/model-cards/figures';
import { initBackend } from '@/lib/tfjs/backend';
import { captionLemmas } from '@/lib/text/caption-tags';
import { DEFAULT_TEMPERATURE } from '../contract';
import { FLICKR_CANVAS, FLICKR_CANVAS_SIZE, FLICKR_CHANNELS, loadFlickrCanvases, trainingSentences } from '../flickr-data';
import { SentenceIndex } from '../flickr-judge';
import { loadCaptionModel } from '../serve';
import { FLICKR_CHECKPOINT_DIR } from '../tokenizer';

const FIGURES_URL = '/figures/align-draw-flickr';
const SAMPLES = 8;
/** Each 32×32 drawing is shown at SCALE × 32 pixels (nearest neighbour: the model's own pixels). */
const SCALE = 3;
const GAP = 2;

const GROUPS = [
  {
    title: 'One word changed',
    note: 'The same eight random draws for every row (same seed): the rows differ only by the sentence.',
    sentences: ['a dog on the grass', 'a dog on the snow', 'a dog on the beach', 'a dog in the water'],
    novel: false,
  },
  {
    title: 'Scenes no training photo shows',
    note: 'No training sentence has all the content words of these sentences. Beside each, the nearest of the 30,000 training sentences (TF-IDF cosine over content words).',
    sentences: ['a horse on the beach at night', 'a boat in the snow', 'a snowboarder on the beach', 'a cow in the swimming pool'],
    novel: true,
  },
];

const flags = parseFlags();
const checkpointDir = String(flags.get('checkpoint') ?? FLICKR_CHECKPOINT_DIR);
const outDir = String(flags.get('out') ?? 'public/figures/align-draw-flickr');
const seed = Number(flags.get('seed') ?? 3);
const temperature = Number(flags.get('temperature') ?? DEFAULT_TEMPERATURE['align-draw-flickr']);
const log = (message: string) => process.stderr.write(`${message}\n`);

await initBackend(env.MODEL_BACKEND);
const flickr = await loadFlickrCanvases();
const index = new SentenceIndex(trainingSentences(flickr));
for (const group of GROUPS.filter((g) => g.novel)) {
  for (const sentence of group.sentences) {
    const found = index.containingAll(captionLemmas(sentence));
    if (found.length > 0) throw new Error(`“${sentence}” is not a new scene: ${found.length} training sentence(s) have its words, e.g. “${found[0]}”. Pick another.`);
  }
}

const loaded = await loadCaptionModel(checkpointDir);
await fsp.mkdir(outDir, { recursive: true });
const side = FLICKR_CANVAS * SCALE;
const stripWidth = SAMPLES * side + (SAMPLES - 1) * GAP;

/** Eight drawings side by side, each enlarged SCALE× by repeating pixels, on white. */
function strip(images: Float32Array): Uint8Array {
  const out = new Uint8Array(stripWidth * side * FLICKR_CHANNELS).fill(255);
  for (let s = 0; s < SAMPLES; s++) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const from = s * FLICKR_CANVAS_SIZE + (Math.floor(y / SCALE) * FLICKR_CANVAS + Math.floor(x / SCALE)) * FLICKR_CHANNELS;
        const to = (y * stripWidth + s * (side + GAP) + x) * FLICKR_CHANNELS;
        for (let c = 0; c < FLICKR_CHANNELS; c++) out[to + c] = Math.round(255 * Math.min(1, Math.max(0, images[from + c])));
      }
    }
  }
  return out;
}

/** A rough name for a colour in [0, 1]: "light greyish blue", "dark green", "grey". */
function colourName(r: number, g: number, b: number): string {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const lightness = (max + min) / 2;
  const saturation = max === min ? 0 : (max - min) / (1 - Math.abs(2 * lightness - 1));
  const shade = lightness < 0.3 ? 'dark ' : lightness > 0.65 ? 'light ' : '';
  if (lightness < 0.12) return 'black';
  if (lightness > 0.9 && saturation < 0.3) return 'white';
  if (saturation < 0.08) return `${shade}grey`;
  const hue = ((max === r ? (g - b) / (max - min) + 6 : max === g ? (b - r) / (max - min) + 2 : (r - g) / (max - min) + 4) * 60) % 360;
  const name =
    hue < 20 || hue >= 340 ? 'red' : hue < 45 ? (lightness < 0.5 ? 'brown' : 'orange') : hue < 70 ? (lightness < 0.4 ? 'olive' : 'yellow') : hue < 170 ? 'green' : hue < 260 ? 'blue' : 'purple';
  return `${shade}${saturation < 0.25 ? 'greyish ' : ''}${name}`;
}

/** What the drawings look like, roughly: the colour of their upper and lower halves, averaged over the eight. */
function describe(images: Float32Array): string {
  const half = (top: boolean) => {
    const sum = [0, 0, 0];
    let n = 0;
    for (let s = 0; s < SAMPLES; s++) {
      for (let y = top ? 0 : FLICKR_CANVAS / 2; y < (top ? FLICKR_CANVAS / 2 : FLICKR_CANVAS); y++) {
        for (let x = 0; x < FLICKR_CANVAS; x++) {
          const at = s * FLICKR_CANVAS_SIZE + (y * FLICKR_CANVAS + x) * FLICKR_CHANNELS;
          for (let c = 0; c < 3; c++) sum[c] += images[at + c];
          n++;
        }
      }
    }
    return colourName(sum[0] / n, sum[1] / n, sum[2] / n);
  };
  const [upper, lower] = [half(true), half(false)];
  return `blurry photo-like pictures, on average ${upper === lower ? `${upper} all over` : `${upper} in the upper half and ${lower} in the lower half`}`;
}

const slug = (sentence: string) => sentence.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const groups = [];
for (const group of GROUPS) {
  const rows = [];
  for (const sentence of group.sentences) {
    const { ids, dropped } = await loaded.tokenizer.encode(sentence, { dropUnknown: true });
    if (dropped.length > 0) log(`“${sentence}”: the tokenizer left out ${dropped.join(', ')}`);
    const { images } = await loaded.model.generate({ tokens: ids, samples: SAMPLES, seed, temperature });
    const file = `${slug(sentence)}.png`;
    await sharp(strip(images), { raw: { width: stripWidth, height: side, channels: FLICKR_CHANNELS } })
      .png({ compressionLevel: 9, palette: false })
      .toFile(path.join(outDir, file));
    const { size } = await fsp.stat(path.join(outDir, file));
    const nearest = group.novel ? index.nearest(sentence) : null;
    log(`${file}: ${(size / 1024).toFixed(1)} KB${nearest ? ` · nearest training sentence “${nearest.sentence}” (${nearest.similarity.toFixed(2)})` : ''}`);
    rows.push({
      sentence,
      image: `${FIGURES_URL}/${file}`,
      alt: `Eight drawings by alignDRAW for “${sentence}”, 32×32 pixels each, enlarged: ${describe(images)}.`,
      nearest: nearest && { sentence: nearest.sentence, similarity: Number(nearest.similarity.toFixed(3)) },
    });
  }
  groups.push({ title: group.title, note: group.note, rows });
}
loaded.model.dispose();

// In the format the model card reads (lib/model-cards/figures.ts): checked before it is written.
const figures = figuresSchema.parse({
  command: `npx tsx models/align-draw/scripts/figures-flickr.ts ${process.argv.slice(2).join(' ')}`.trim(),
  date: new Date().toISOString(),
  modelVersion: loaded.version,
  temperature,
  groups,
});
const file = path.join(checkpointDir, FIGURES_FILE);
await fsp.writeFile(file, `${JSON.stringify(figures, null, 2)}\n`);
log(`wrote ${groups.reduce((n, g) => n + g.rows.length, 0)} strips to ${outDir} and ${file}`);

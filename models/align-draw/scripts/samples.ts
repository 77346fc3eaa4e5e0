/**
 * A PNG of drawings to look at: one row per caption, six samples each (the mean canvas σ(c_T),
 * enlarged 3× without smoothing).
 *
 *   npx tsx models/align-draw/scripts/samples.ts [--checkpoint models/align-draw/checkpoint] [--out samples.png]
 *                                        [--seed 3] "the digit 3 is on the left of the digit 5" …
 */
import sharp from 'sharp';
import { parseFlags } from '@/lib/cli/progress';
import { initBackend } from '@/lib/tfjs/backend';
import { loadCaptionModel } from '../serve';
import { MNIST_CHECKPOINT_DIR } from '../tokenizer';

const SAMPLES = 6;
const flags = parseFlags();
const checkpoint = String(flags.get('checkpoint') ?? MNIST_CHECKPOINT_DIR);
const out = String(flags.get('out') ?? 'samples.png');
const seed = Number(flags.get('seed') ?? 3);
const captions = process.argv.slice(2).filter((arg, i, args) => !arg.startsWith('--') && !(args[i - 1]?.startsWith('--') && !args[i - 1].includes('=')));
if (captions.length === 0) throw new Error('Give at least one caption to draw.');

await initBackend('auto');
const { model, tokenizer } = await loadCaptionModel(checkpoint);
const { height, width, channels } = model.config;
const grid = new Uint8Array(captions.length * height * SAMPLES * width * channels);
for (const [row, caption] of captions.entries()) {
  const { ids } = await tokenizer.encode(caption);
  const { images } = await model.generate({ tokens: ids, samples: SAMPLES, seed: seed + row });
  for (let s = 0; s < SAMPLES; s++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width * channels; x++) {
        grid[((row * height + y) * SAMPLES * width + s * width) * channels + x] = Math.round(255 * images[(s * height + y) * width * channels + x]);
      }
    }
  }
}
await sharp(grid, { raw: { width: SAMPLES * width, height: captions.length * height, channels: channels as 1 | 3 } })
  .resize({ width: SAMPLES * width * 3, kernel: 'nearest' })
  .png()
  .toFile(out);
console.log(`wrote ${out}: ${captions.length} captions × ${SAMPLES} samples`);

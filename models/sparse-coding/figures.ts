/**
 * The sparse code's figures for /foundations (models/foundations/contract.ts):
 *
 * - `bases`: every learned atom dₖ as a 12×12 picture (zero at mid-grey) — oriented, localised
 *   edges, the receptive fields of Olshausen & Field's Figure 4;
 * - `code`: one held-out patch (the seed picks the Corel-5k test photo and the place), its lasso
 *   code at the training λ, the reconstruction Dâ, and the atoms with the largest coefficients.
 */
import { mulberry32 } from '@/lib/random';
import type { BlockFigures, Figure, Picture } from '@/models/foundations/contract';
import { greyPicture, rowOf, signedPicture } from '@/models/blocks/pictures';
import { dewhitenPatches, whitenPatches } from '@/models/blocks/whitening';
import { CHECKPOINT_DIR, loadSparseCoding, sparseCodingVersion, type SparseCoding } from './checkpoint';
import { corelPhotos, cutPatch, decodeGrey, type GreyPhoto } from './data';
import { gram, lipschitz, PATCH_SIZE, reconstruct, sparseCodes } from './model';

const NAMES = ['bases', 'code'] as const;
/** Atoms shown beside the reconstruction, by falling |coefficient|. */
const TOP_ATOMS = 8;
/** A patch flatter than this (grey-level standard deviation) is skipped for the next place. */
const MIN_CONTRAST = 0.05;

interface Loaded {
  model: SparseCoding;
  version: string;
  lasso: { g: Float32Array; L: number };
}

let loaded: Promise<Loaded> | null = null;

function load(): Promise<Loaded> {
  loaded ??= (async () => {
    const model = await loadSparseCoding(CHECKPOINT_DIR);
    const g = gram(model.dictionary);
    return { model, version: await sparseCodingVersion(CHECKPOINT_DIR), lasso: { g, L: lipschitz(g, model.dictionary.atoms) } };
  })().catch((error: unknown) => {
    loaded = null;
    throw error;
  });
  return loaded;
}

/** Decoded test photos, the most recent few (a 192×128 photo is 96 kB as floats). */
const decoded = new Map<string, Promise<GreyPhoto>>();
const DECODED_KEPT = 32;

function basesFigure({ model }: Loaded): Figure {
  const { dictionary, meta } = model;
  const pictures = Array.from({ length: dictionary.atoms }, (_, k) => signedPicture(rowOf(dictionary.values, k, dictionary.pixels), PATCH_SIZE, PATCH_SIZE));
  return {
    block: 'sparse-coding',
    name: 'bases',
    caption: `All ${dictionary.atoms} atoms of the dictionary learned on whitened ${PATCH_SIZE}×${PATCH_SIZE} patches of the Corel-5k training photos, each scaled to its largest value (mid-grey = 0). Most are localised, oriented edges and bars at a few scales — the simple-cell-like receptive fields Olshausen & Field found.`,
    panels: [{ title: 'Dictionary atoms', columns: 16, pictures, note: `unit-norm atoms; a patch is coded as a few of them (λ = ${meta.config.lambda})` }],
    facts: [
      { label: 'atoms', value: String(dictionary.atoms) },
      { label: 'patch', value: `${PATCH_SIZE}×${PATCH_SIZE} grey, mean removed, ZCA-whitened (ε = ${meta.config.epsilon})` },
      { label: 'training patches', value: meta.config.trainingPatches.toLocaleString('en') },
      { label: 'training λ', value: String(meta.config.lambda) },
      { label: 'epochs', value: String(meta.epochs) },
    ],
  };
}

async function codeFigure({ model, lasso }: Loaded, seed: number): Promise<Figure> {
  const { dictionary, whitening, meta } = model;
  const photos = (await corelPhotos()).test;
  const random = mulberry32(seed);
  const item = photos[Math.floor(random() * photos.length)];
  if (!decoded.has(item.id)) {
    if (decoded.size >= DECODED_KEPT) decoded.delete(decoded.keys().next().value!);
    decoded.set(
      item.id,
      decodeGrey(item).catch((error: unknown) => {
        decoded.delete(item.id);
        throw new Error(`sparse coding could not decode Corel-5k photo ${item.file} (${error instanceof Error ? error.message : String(error)})`);
      }),
    );
  }
  const photo = await decoded.get(item.id)!;
  // The first place (of up to 20 the seed draws) with some contrast: flat sky codes to nothing.
  let x = 0;
  let y = 0;
  let patch: Float32Array = new Float32Array(0);
  let patchMean = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    x = Math.floor(random() * (photo.width - PATCH_SIZE + 1));
    y = Math.floor(random() * (photo.height - PATCH_SIZE + 1));
    patch = cutPatch(photo, x, y);
    if (Math.sqrt(patch.reduce((s, v) => s + v * v, 0) / patch.length) >= MIN_CONTRAST) break;
  }
  for (let r = 0; r < PATCH_SIZE; r++) for (let c = 0; c < PATCH_SIZE; c++) patchMean += photo.grey[(y + r) * photo.width + x + c] / patch.length;

  const whitened = whitenPatches(whitening, patch);
  const codes = sparseCodes(whitened, dictionary, { lambda: meta.config.lambda, iterations: 400, tolerance: 1e-5, gram: lasso });
  const recon = reconstruct(codes, dictionary);
  const greyRecon = dewhitenPatches(whitening, recon);
  let error = 0;
  let energy = 0;
  let pixelError = 0;
  let pixelEnergy = 0;
  for (let j = 0; j < patch.length; j++) {
    error += (whitened[j] - recon[j]) ** 2;
    energy += whitened[j] ** 2;
    pixelError += (patch[j] - greyRecon[j]) ** 2;
    pixelEnergy += patch[j] ** 2;
  }
  const active = Array.from(codes.keys()).filter((k) => codes[k] !== 0);
  const top = [...active].sort((a, b) => Math.abs(codes[b]) - Math.abs(codes[a])).slice(0, TOP_ATOMS);

  // The whitened patch and its reconstruction on one scale, so they can be compared by eye.
  const largest = Math.max(1e-12, ...Array.from(whitened, Math.abs), ...Array.from(recon, Math.abs));
  const onScale = (v: Float32Array, label: string) => greyPicture(Array.from(v, (u) => 0.5 + u / (2 * largest)), PATCH_SIZE, PATCH_SIZE, label);
  const withMean = (v: Float32Array) => Array.from(v, (u) => u + patchMean);

  const context = Float32Array.from(photo.grey, (v) => 0.35 + 0.45 * v);
  for (let i = 0; i < PATCH_SIZE; i++) {
    for (const [r, c] of [[y - 1, x + i], [y + PATCH_SIZE, x + i], [y + i, x - 1], [y + i, x + PATCH_SIZE], [y - 1, x - 1], [y - 1, x + PATCH_SIZE], [y + PATCH_SIZE, x - 1], [y + PATCH_SIZE, x + PATCH_SIZE]]) {
      if (r >= 0 && r < photo.height && c >= 0 && c < photo.width) context[r * photo.width + c] = 1;
    }
  }
  const pictures: Picture[] = [
    greyPicture(withMean(patch), PATCH_SIZE, PATCH_SIZE, 'patch'),
    greyPicture(withMean(greyRecon), PATCH_SIZE, PATCH_SIZE, 'reconstruction'),
    onScale(whitened, 'whitened'),
    onScale(recon, 'Dâ (whitened)'),
  ];
  const relative = error / Math.max(energy, 1e-12);
  return {
    block: 'sparse-coding',
    name: 'code',
    caption: `A held-out ${PATCH_SIZE}×${PATCH_SIZE} patch of Corel-5k test photo ${item.id}, coded by the lasso with the learned dictionary (λ = ${meta.config.lambda}): ${active.length} of ${dictionary.atoms} coefficients are non-zero. The reconstruction is the sum of the active atoms, weighted by their coefficients; the ${top.length} largest are shown. (The seed draws the photo and the place; near-flat places, grey-level deviation under ${MIN_CONTRAST}, are passed over for the next draw.)`,
    panels: [
      { title: 'Where the patch comes from', columns: 1, pictures: [greyPicture(context, photo.width, photo.height, `photo ${item.id}, (${x}, ${y})`)] },
      { title: 'Patch and reconstruction', columns: 4, pictures, note: 'grey levels (left), and the whitened patch the code describes (right, both on one scale)' },
      {
        title: `The ${top.length} largest coefficients`,
        columns: TOP_ATOMS,
        pictures: top.map((k) => signedPicture(rowOf(dictionary.values, k, dictionary.pixels), PATCH_SIZE, PATCH_SIZE, `${codes[k] >= 0 ? '+' : '−'}${Math.abs(codes[k]).toFixed(2)}`)),
        note: `atoms ${top.map((k) => `#${k}`).join(', ')}`,
      },
    ],
    facts: [
      { label: 'active coefficients', value: `${active.length} of ${dictionary.atoms}` },
      { label: 'relative error (whitened)', value: `${(100 * relative).toFixed(1)}%` },
      { label: 'relative error (grey levels)', value: `${(100 * (pixelError / Math.max(pixelEnergy, 1e-12))).toFixed(1)}%` },
      { label: 'λ', value: String(meta.config.lambda) },
      { label: 'photo', value: `${item.id} (test split), patch at (${x}, ${y})` },
    ],
  };
}

export const figures: BlockFigures = {
  names: NAMES,
  async load() {
    return { version: (await load()).version };
  },
  async figure(name, seed) {
    const model = await load();
    if (name === 'bases') return basesFigure(model);
    if (name === 'code') return codeFigure(model, seed);
    throw new Error(`sparse-coding has no figure "${name}" (it has ${NAMES.join(', ')})`);
  },
};

/**
 * Do "similar photos" make sense with each feature model the gallery can compare? On Corel-5k's
 * 499 test photos, the training photos nearest by Euclidean distance (as lib/similarity ranks
 * them) are checked against the test photo's tags: how often the nearest shares at least one tag,
 * and what share of the 8 nearest (as many as an upload shows) do; "chance" is a training photo
 * drawn at random.
 *
 *   npx tsx models/learned-features/scripts/similar.ts [--json]
 *
 * Vectors are the ones the app stores: `image-features` (GIST+colour, 620 numbers, from the Corel
 * cache `eval:tags` writes) and `learned-features` as `serve.ts` computes them from
 * `toModelInput`'s 128×128 pixels (3,820 numbers), cached in CACHE_DIR by their version.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '@/lib/env';
import { toModelInput } from '@/lib/images';
import { euclidean } from '@/lib/similarity';
import { initBackend } from '@/lib/tfjs/backend';
import { loadCorelFeatures } from '@/models/multimodal-dbm/data';
import { computeJoinedFeatures, loadJoinedFeatures } from '../serve';

const progress = (m: string) => process.stderr.write(`${m}\n`);
const SHOWN = 8;

interface NeighbourScore {
  /** Test photos whose nearest training photo shares a tag (%). */
  nearestSharesTag: number;
  /** Of the `SHOWN` nearest training photos, the share that have a tag in common (%). */
  shownShareTag: number;
}

function score(vectors: Float32Array[], tagIds: number[][], train: number[], test: number[]): NeighbourScore {
  let nearest = 0;
  let shown = 0;
  for (const t of test) {
    const tags = new Set(tagIds[t]);
    const ranked = train.map((r) => ({ r, d: euclidean(vectors[t], vectors[r]) })).sort((a, b) => a.d - b.d);
    const shares = (r: number) => tagIds[r].some((id) => tags.has(id));
    if (shares(ranked[0].r)) nearest++;
    shown += ranked.slice(0, SHOWN).filter(({ r }) => shares(r)).length / SHOWN;
  }
  return { nearestSharesTag: round((100 * nearest) / test.length), shownShareTag: round((100 * shown) / test.length) };
}

const round = (x: number) => Number(x.toFixed(1));

async function servedLearnedFeatures(files: string[]): Promise<{ version: string; vectors: Float32Array[] }> {
  const loaded = await loadJoinedFeatures();
  const cache = path.join(env.CACHE_DIR, `corel5k-served-${loaded.version}.f32`);
  let flat: Float32Array | undefined;
  let dims = 0;
  if (fs.existsSync(cache)) {
    const bytes = await fsp.readFile(cache);
    flat = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    dims = flat.length / files.length;
  }
  if (!flat || !Number.isInteger(dims)) {
    const rows: Float32Array[] = [];
    for (let s = 0; s < files.length; s += 32) {
      const inputs = await Promise.all(files.slice(s, s + 32).map(async (file) => toModelInput(await fsp.readFile(file))));
      rows.push(...computeJoinedFeatures(inputs, loaded));
      if ((s / 32) % 16 === 0) progress(`learned-features ${rows.length}/${files.length}`);
    }
    dims = rows[0].length;
    flat = new Float32Array(rows.length * dims);
    rows.forEach((row, i) => flat!.set(row, i * dims));
    const tmp = `${cache}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, new Uint8Array(flat.buffer));
    await fsp.rename(tmp, cache);
  }
  return { version: loaded.version, vectors: files.map((_, i) => flat!.subarray(i * dims, (i + 1) * dims)) };
}

async function main() {
  const json = process.argv.includes('--json');
  await initBackend('wasm');
  const corel = await loadCorelFeatures({ onProgress: (d, t) => d === t && progress(`GIST+colour ${d}/${t}`) });
  const items = corel.dataset.items;
  const train = items.flatMap((it, i) => (it.split === 'train' ? [i] : []));
  const test = items.flatMap((it, i) => (it.split === 'test' ? [i] : []));
  const tagIds = items.map((it) => it.tagIds);

  const gist = items.map((_, i) => corel.features.subarray(i * corel.dims, (i + 1) * corel.dims));
  const learned = await servedLearnedFeatures(items.map((it) => it.file));

  let chancePairs = 0;
  for (const t of test) {
    const tags = new Set(tagIds[t]);
    chancePairs += train.filter((r) => tagIds[r].some((id) => tags.has(id))).length / train.length;
  }
  const chance = round((100 * chancePairs) / test.length);
  const results = {
    'image-features': { version: corel.featureVersion, dims: corel.dims, ...score(gist, tagIds, train, test) },
    'learned-features': { version: learned.version, dims: learned.vectors[0].length, ...score(learned.vectors, tagIds, train, test) },
    chance,
  };
  if (json) {
    console.log(JSON.stringify(results));
    return;
  }
  console.log(`Corel-5k: ${test.length} test photos against ${train.length} training photos (Euclidean, as the gallery ranks)`);
  console.log('| features | dims | nearest shares a tag | of the 8 nearest, share a tag |');
  console.log('| --- | --- | --- | --- |');
  for (const name of ['image-features', 'learned-features'] as const) {
    const r = results[name];
    console.log(`| ${name} (${r.version}) | ${r.dims} | ${r.nearestSharesTag}% | ${r.shownShareTag}% |`);
  }
  console.log(`| a training photo at random | | ${chance}% | ${chance}% |`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

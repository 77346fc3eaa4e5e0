/**
 * Writes the Corel-5k index that ships with the Corel-5k tagger's checkpoint
 * (lib/tags/shipped-index.ts): every training photo's DBM code, from the codes the app cached in
 * CACHE_DIR when it indexed Corel-5k (run a tags → photos search with the Corel-5k tagger once
 * first), quantised to a byte a value. Measures what the quantisation changes: for 200 searches
 * (each training photo's own code as the query, and each vocabulary word's text code is not needed
 * here), how many of the top 24 photos stay the same.
 *
 *   npx tsx models/multimodal-dbm/scripts/ship-corel-index.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadCorel5k, trainItems } from '@/lib/datasets';
import { env } from '@/lib/env';
import { euclidean } from '@/lib/similarity';
import { dequantise, quantise, SHIPPED_INDEX, type ShippedIndexMeta } from '@/lib/tags/shipped-index';
import { COREL_TAGGER } from '@/models/multimodal-dbm';
import { dbmVersion } from '../version';

const checkpoint = path.resolve(COREL_TAGGER.checkpoint);
const meta = JSON.parse(fs.readFileSync(path.join(checkpoint, 'meta.json'), 'utf8')) as { featureVersion: string };
const modelVersion = dbmVersion(checkpoint);
const cached = path.join(env.CACHE_DIR, `corel5k-dbm-codes-${modelVersion}-${meta.featureVersion}.f32`);
if (!fs.existsSync(cached)) throw new Error(`${cached} is missing: search with the Corel-5k tagger once so the app indexes Corel-5k, then run this again.`);
const items = trainItems(await loadCorel5k());
const bytes = fs.readFileSync(cached);
const codes = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
const dims = codes.length / items.length;
if (!Number.isInteger(dims)) throw new Error(`${cached} does not hold ${items.length} codes`);

const shipped = quantise(codes);
const restored = dequantise(shipped);
const top = (all: Float32Array, query: Float32Array, k: number) =>
  items
    .map((_, r) => ({ r, d: euclidean(query, all.subarray(r * dims, (r + 1) * dims)) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, k)
    .map((x) => x.r);
let same = 0;
let maxError = 0;
for (let i = 0; i < codes.length; i++) maxError = Math.max(maxError, Math.abs(codes[i] - restored[i]));
const QUERIES = 200;
for (let q = 0; q < QUERIES; q++) {
  const r = Math.floor((q * items.length) / QUERIES);
  const query = codes.subarray(r * dims, (r + 1) * dims);
  const exact = new Set(top(codes, query, 24));
  same += top(restored, query, 24).filter((x) => exact.has(x)).length;
}
const record: ShippedIndexMeta = { modelVersion, featureVersion: meta.featureVersion, dims, ids: items.map((i) => i.id), quantisation: 'uint8 / 255' };
fs.writeFileSync(path.join(checkpoint, SHIPPED_INDEX.codes), shipped);
fs.writeFileSync(path.join(checkpoint, SHIPPED_INDEX.meta), JSON.stringify(record) + '\n');
console.log(`${items.length} codes × ${dims} → ${(shipped.byteLength / 1e6).toFixed(2)} MB; largest change ${maxError.toFixed(4)}; top-24 kept: ${((100 * same) / (QUERIES * 24)).toFixed(2)}% over ${QUERIES} searches`);

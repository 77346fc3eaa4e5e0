/**
 * Benchmark: photo → tags with the committed multimodal DBMs, the way /tags does it: decode the
 * photo (prepareUpload: sniff, strict decode, re-encode; then the tagger's feature input from the
 * bytes sent, 128×128 RGB), its features and the DBM's mean-field (the checkpoint's default steps)
 * through the ModelServer on WASM — for the Flickr8k tagger (`learned-features`: learned features
 * ⊕ GIST+colour of the squashed photo) and the Corel-5k tagger (`image-features`: GIST+colour of
 * the centre crop). The target is p50 ≤ 60 ms on one core.
 *
 * 1. Latency, warm, one photo at a time, one worker: each stage and the whole.
 * 2. Throughput at 16 concurrent callers, each tagging photo after photo: one worker (one core)
 *    and two workers (both cores), with the registry's batching settings.
 *
 *   npx tsx test/bench/tags.ts [--json] [--photos 100] [--warmup 5] [--seconds 15]
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { env } from '@/lib/env';
import { prepareUpload } from '@/lib/images';
import { MODELS } from '@/lib/model-server/registry';
import { ModelServer } from '@/lib/model-server/server';
import { FEATURE_SERVABLES, featureInput, type UploadFeatureModel } from '@/lib/uploads';
import type { Servable } from '@/lib/model-server/servable';
import { COREL_TAGGER, FLICKR_TAGGER, type MultimodalDbmInput, type MultimodalDbmOutput } from '@/models/multimodal-dbm';
import { intArg, machine, mean, noiseWarning, note, percentile, report, round, summarise, table, watchCpu, type CpuShare, type Summary } from './common';

const PHOTOS = intArg('photos', 100);
const WARMUP = intArg('warmup', 5);
const SECONDS = intArg('seconds', 15);
const CALLERS = 16;
const TARGET_P50_MS = 60;
const IMAGES_DIR = path.resolve('../shared/data/corel5k/images');
const DEFAULTS = { maxBatch: env.MODEL_MAX_BATCH, maxWaitMs: env.MODEL_MAX_WAIT_MS, queueLimit: 1024, timeoutMs: 120_000 };

interface Timings {
  decodeMs: number;
  featuresMs: number;
  tagsMs: number;
  totalMs: number;
}

/** A tagger as the service calls it: its feature model, then its DBM. */
interface TaggerPath {
  label: string;
  features: UploadFeatureModel;
  dbm: Servable<MultimodalDbmInput, MultimodalDbmOutput>;
}
const TAGGERS: TaggerPath[] = [
  { label: 'Flickr8k tagger', features: 'learned-features', dbm: FLICKR_TAGGER },
  { label: 'Corel-5k tagger', features: 'image-features', dbm: COREL_TAGGER },
];
let tagger: TaggerPath = TAGGERS[0];

/** Tags one photo from its bytes, timing each stage from the caller's side. */
async function tagPhoto(server: ModelServer, bytes: Uint8Array): Promise<Timings> {
  const t0 = performance.now();
  await prepareUpload(bytes);
  const pixels = await featureInput(bytes, tagger.features); // as an upload: from the bytes sent, once checked
  const t1 = performance.now();
  const features = await server.run(FEATURE_SERVABLES[tagger.features], { pixels });
  const t2 = performance.now();
  const tags = await server.run(tagger.dbm, { task: 'tags', features: features.output.vector });
  const t3 = performance.now();
  if (!('tags' in tags.output) || tags.output.tags.length === 0) throw new Error('the tag model answered without tags');
  return { decodeMs: t1 - t0, featuresMs: t2 - t1, tagsMs: t3 - t2, totalMs: t3 - t0 };
}

function startServer(workers: number): ModelServer {
  return new ModelServer({
    models: MODELS.filter((m) => m.name === tagger.features || m.name === tagger.dbm.name),
    workers,
    backend: 'wasm',
    defaults: DEFAULTS,
    root: process.cwd(),
  });
}

async function latency(photos: Uint8Array[], warmup: Uint8Array[]) {
  note(`${tagger.label}: one worker, one photo at a time …`);
  const server = startServer(1);
  try {
    await server.ready(120_000);
    for (const bytes of warmup) await tagPhoto(server, bytes);
    const stopWatch = watchCpu();
    const runs: Timings[] = [];
    for (const bytes of photos) runs.push(await tagPhoto(server, bytes));
    const cpu = stopWatch();
    const stage = (name: string, pick: (t: Timings) => number) => {
      const samples = runs.map(pick);
      return { stage: name, p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)), mean: round(mean(samples)) };
    };
    return {
      stages: [
        stage('tag one photo (whole)', (t) => t.totalMs),
        stage('  decode (prepareUpload + toModelInput)', (t) => t.decodeMs),
        stage(`  ${tagger.features} (model server)`, (t) => t.featuresMs),
        stage('  mean-field tags (model server)', (t) => t.tagsMs),
      ],
      cpu,
    };
  } finally {
    await server.close();
  }
}

interface ThroughputRow {
  workers: number;
  callers: number;
  photos: number;
  perSecond: number;
  latency: Summary;
  cpu: CpuShare | null;
}

/** CALLERS callers, each tagging the photos in turn (from its own offset) until the time is up. */
async function throughput(workers: number, photos: Uint8Array[], warmup: Uint8Array[]): Promise<ThroughputRow> {
  note(`${tagger.label}: ${workers} worker(s), ${CALLERS} concurrent callers for ${SECONDS} s …`);
  const server = startServer(workers);
  try {
    await server.ready(120_000);
    await Promise.all(warmup.map((bytes) => tagPhoto(server, bytes)));
    const times: number[] = [];
    const stopWatch = watchCpu();
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        for (let i = caller; performance.now() < deadline; i += CALLERS) times.push((await tagPhoto(server, photos[i % photos.length])).totalMs);
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return { workers, callers: CALLERS, photos: times.length, perSecond: round(times.length / elapsed, 1), latency: summarise(times), cpu: stopWatch() };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const names = (await fs.readdir(IMAGES_DIR)).filter((n) => /\.jpe?g$/i.test(n)).sort();
  if (names.length < PHOTOS + WARMUP) throw new Error(`need ${PHOTOS + WARMUP} photos in ${IMAGES_DIR}, found ${names.length}`);
  const step = Math.floor(names.length / (PHOTOS + WARMUP));
  const files = await Promise.all(Array.from({ length: PHOTOS + WARMUP }, (_, i) => fs.readFile(path.join(IMAGES_DIR, names[i * step])).then((b) => new Uint8Array(b))));
  const warmup = files.slice(0, WARMUP);
  const photos = files.slice(WARMUP);

  const sections: string[] = [];
  const results: Record<string, unknown>[] = [];
  for (const path of TAGGERS) {
    tagger = path;
    const single = await latency(photos, warmup);
    const rows = [await throughput(1, photos, warmup), await throughput(2, photos, warmup)];
    const whole = single.stages[0];
    sections.push(
      [
        `${tagger.label} (${tagger.features} → ${tagger.dbm}): ${PHOTOS} distinct Corel-5k photos after ${WARMUP} warm-up, WASM, registry batching`,
        table([['stage (1 worker, one photo at a time)', 'p50 ms', 'p99 ms', 'mean ms'], ...single.stages.map((s) => [s.stage, s.p50, s.p99, s.mean])]),
        `p50 to tag one photo: ${whole.p50} ms against the ${TARGET_P50_MS} ms target (${whole.p50 <= TARGET_P50_MS ? 'met' : 'NOT met'})`,
        '',
        table([
          ['workers', 'callers', 'photos tagged', 'photos / s', 'p50 ms', 'p99 ms', 'own cores', 'other cores'],
          ...rows.map((r) => [r.workers, r.callers, r.photos, r.perSecond, r.latency.p50Ms, r.latency.p99Ms, r.cpu?.ownCores ?? Number.NaN, r.cpu?.otherCores ?? Number.NaN]),
        ]),
        `two workers / one: ${round(rows[1].perSecond / rows[0].perSecond, 2)}× the photos a second`,
        ...noiseWarning('latency', single.cpu),
        ...rows.flatMap((r) => noiseWarning(`${r.workers} worker(s), ${CALLERS} callers`, r.cpu)),
      ].join('\n'),
    );
    results.push({ tagger: tagger.label, features: tagger.features, dbm: tagger.dbm.name, latency: single, throughput: rows });
  }
  report('tags', sections.join('\n\n'), { benchmark: 'tags', machine: machine(), photos: PHOTOS, warmup: WARMUP, targetP50Ms: TARGET_P50_MS, taggers: results });
}

await main();

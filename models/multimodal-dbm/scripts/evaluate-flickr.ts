/**
 * Photo → tags on Flickr8k's 1,000 test photos: the baselines a Flickr-trained tagger must beat,
 * with the vocabulary built from the 6,000 training photos only (`lib/text/caption-tags.ts`).
 *
 * - Tag-frequency prior: the 5 commonest vocabulary words (by training photos tagged) for every photo.
 * - kNN label transfer on today's image features (GIST + colour, `models/image-features`), with
 *   the configuration chosen on Corel-5k's validation split (`KNN_CONFIG`); nothing is chosen on
 *   Flickr8k's test photos.
 *
 * Measures (`flickr-eval.ts`): per-word P, R, F1, N+, MAP against the caption-derived tags, and
 * precision@5 against the raw captions.
 *
 *   npx tsx models/multimodal-dbm/scripts/evaluate-flickr.ts          the table (progress on stderr)
 *   npx tsx models/multimodal-dbm/scripts/evaluate-flickr.ts --json   {"knn": {...}, "prior": {...}} only, on stdout
 *
 * The features are computed once (about 3 minutes on one core) and cached in CACHE_DIR.
 */
import { env } from '@/lib/env';
import { MIN_CAPTIONS, MIN_PHOTOS } from '@/lib/text/caption-tags';
import { initBackend } from '@/lib/tfjs/backend';
import { describeKnnConfig, KNN_CONFIG } from '../baselines';
import { loadFlickrFeatures } from '../flickr-data';
import { evaluateFlickrBaselines, FLICKR_GOAL, type FlickrTagMetrics } from '../flickr-eval';

const progress = (message: string) => process.stderr.write(`${message}\n`);

const pct = (x: number) => (100 * x).toFixed(1);
const rounded = (m: FlickrTagMetrics) => ({
  precision: +m.precision.toFixed(4),
  recall: +m.recall.toFixed(4),
  f1: +m.f1.toFixed(4),
  nplus: m.nplus,
  map: +m.map.toFixed(4),
  precisionAt5Captions: +m.precisionAt5Captions.toFixed(4),
});

async function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    progress(`Unknown option ${unknown.join(' ')}. Options: --json.`);
    process.exit(2);
  }
  const json = args.includes('--json');
  const backend = await initBackend(env.MODEL_BACKEND);
  progress(`Loading Flickr8k image features (TensorFlow.js backend ${backend.name})…`);
  const start = performance.now();
  let last = 0;
  const flickr = await loadFlickrFeatures({
    onProgress: (done, total) => {
      if (done === total || done - last >= 1000) {
        last = done;
        progress(`  features ${done}/${total}, ${((performance.now() - start) / 1000).toFixed(0)} s`);
      }
    },
  });
  const result = evaluateFlickrBaselines(flickr, progress);
  if (json) {
    process.stdout.write(`${JSON.stringify({ knn: rounded(result.knn), prior: rounded(result.prior) })}\n`);
    return;
  }
  console.log(
    `Flickr8k photo → tags, ${result.testPhotos} test photos, 5 words per photo, ${result.testWords} test words; vocabulary of ${result.vocabulary.length} words from the ${result.trainPhotos} training photos ` +
      `(a word in ≥ ${MIN_CAPTIONS} of a photo's captions is its tag; ≥ ${MIN_PHOTOS} training photos per word); features ${result.featureVersion}`,
  );
  console.log();
  const header = ['method', 'P %', 'R %', 'F1 %', 'N+', 'MAP %', 'P@5 captions %', '≥1 hit %'];
  const rows = [
    ['kNN label transfer (GIST+colour)', result.knn],
    ['Tag-frequency prior', result.prior],
  ] as const;
  const lines = rows.map(([label, m]) => [label, pct(m.precision), pct(m.recall), pct(m.f1), String(m.nplus), pct(m.map), pct(m.precisionAt5Captions), pct(m.anyHitAt5Captions)]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const fmt = (cells: readonly string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  lines.forEach((l) => console.log(fmt(l)));
  console.log();
  console.log(`kNN: ${describeKnnConfig(KNN_CONFIG)} (chosen on Corel-5k's validation split; nothing chosen on Flickr8k).`);
  console.log(`Prior: ${result.vocabulary.slice(0, 5).join(', ')} for every photo.`);
  const target = Math.max(FLICKR_GOAL.precisionAt5Captions, FLICKR_GOAL.timesPrior * result.prior.precisionAt5Captions);
  console.log(
    `Goal for a Flickr-trained tagger: precision@5 against captions ≥ ${pct(FLICKR_GOAL.precisionAt5Captions)}% and ≥ ${FLICKR_GOAL.timesPrior}× the prior's, i.e. ≥ ${pct(target)}% (kNN: ${pct(result.knn.precisionAt5Captions)}%).`,
  );
}

await main();

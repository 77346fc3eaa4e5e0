/**
 * Chooses when classification says "none of these" (abstention.ts) on background episodes, then
 * measures it on Lake's 20 runs, which play no part in the choice:
 *
 * - background (choosing): `--episodes` 20-way episodes built from the background images like
 *   Lake's runs (data.ts, seed `--seed`, not the seeds train.ts used); each test drawing scored
 *   against its own episode's exemplars ("own": its character is among them) and against the next
 *   episode's, another alphabet's ("other": it is not). The threshold abstains on `--rate` (5%) of
 *   the own drawings; of the two statistics (best score, best share) the one that then abstains on
 *   more of the other drawings is kept;
 * - Lake's runs (measuring): each run's 20 test drawings against their run's 20 exemplars (how often
 *   it abstains on drawings that are among the 20, and the error on the rest), against the next run's
 *   exemplars (drawings of characters not among the 20), and against their own run with their own
 *   character left out (19 exemplars of the same alphabet: the hardest "not among them").
 *
 *   npx tsx models/oneshot/choose-abstention.ts [--episodes 20] [--seed 11] [--rate 0.05] [--json] [--write] [--cache FILE]
 *
 * `--write` saves checkpoint/abstention.json (the choice and both sets of numbers); `--json` prints
 * only the numbers, as JSON, on stdout (the table and progress go to stderr).
 */
import { Console } from 'node:console';
import fs from 'node:fs/promises';
import path from 'node:path';
import { log, parseFlags, ProgressBar } from '@/lib/cli/progress';
import { ABSTENTION_FILE, abstains, chooseAbstention, confidenceOf, type Abstention } from './abstention';
import { argmax } from './classify';
import { backgroundEpisodes, loadBackgroundCharacters, loadRunEpisodes, type Episode } from './data';
import { CHECKPOINT_DIR, loadOneShotModel, oneShotModelVersion } from './model';

const flags = parseFlags();
const dir = String(flags.get('checkpoint') ?? CHECKPOINT_DIR);
const episodeCount = Number(flags.get('episodes') ?? 20);
const seed = Number(flags.get('seed') ?? 11);
const rate = Number(flags.get('rate') ?? 0.05);

const started = Date.now();
const model = await loadOneShotModel(dir);

/**
 * Each test drawing of `tests`' episode scored against `against`'s exemplars: [test][exemplar].
 * With `--cache FILE`, the scores are kept there and read back (choosing again costs no fitting).
 */
const cacheFile = flags.get('cache');
const cache: Record<string, number[][]> = typeof cacheFile === 'string' ? await fs.readFile(cacheFile, 'utf8').then(JSON.parse, () => ({})) : {};
const scored = (tests: Episode, against: Episode) => (cache[`${tests.name} → ${against.name}`] ??= model.scores(tests.tests, against.exemplars));

// Choosing, on background episodes.
const background = await backgroundEpisodes(await loadBackgroundCharacters(), episodeCount, seed);
const own: number[][] = [];
const others: number[][] = [];
const bar = new ProgressBar('background'.padEnd(12), background.length);
background.forEach((episode, e) => {
  own.push(...scored(episode, episode));
  others.push(...scored(background[(e + 1) % background.length], episode));
  bar.update(e + 1);
});
const { chosen, candidates } = chooseAbstention(own, others, rate);
if (typeof cacheFile === 'string') await fs.writeFile(cacheFile, JSON.stringify(cache));
log(`background: ${own.length} own drawings, ${others.length} others; ${candidates.map((c) => `${c.statistic}: threshold ${c.threshold.toFixed(4)}, abstains on ${pct(c.ownRate)} own, ${pct(c.othersRate)} others`).join('; ')}`);

// Measuring, on Lake's runs.
const runs = await loadRunEpisodes();
let runDrawings = 0;
let abstained = 0;
let answered = 0;
let answeredWrong = 0;
let wrongAbstained = 0;
let wrong = 0;
let otherDrawings = 0;
let otherAbstained = 0;
let leftOutDrawings = 0;
let leftOutAbstained = 0;
const runBar = new ProgressBar('Lake\'s runs'.padEnd(12), runs.length);
runs.forEach((run, r) => {
  scored(run, run).forEach((scores, i) => {
    const none = abstains(scores, chosen);
    const right = argmax(scores) === run.answers[i];
    runDrawings++;
    if (!right) wrong++;
    if (none) {
      abstained++;
      if (!right) wrongAbstained++;
    } else {
      answered++;
      if (!right) answeredWrong++;
    }
    // Its own character left out: 19 of the same alphabet.
    leftOutDrawings++;
    if (abstains(scores.filter((_, k) => k !== run.answers[i]), chosen)) leftOutAbstained++;
  });
  scored(runs[(r + 1) % runs.length], run).forEach((scores) => {
    otherDrawings++;
    if (abstains(scores, chosen)) otherAbstained++;
  });
  runBar.update(r + 1);
});

if (typeof cacheFile === 'string') await fs.writeFile(cacheFile, JSON.stringify(cache));
const measured = {
  ownAbstention: abstained / runDrawings,
  errorWhenAnswered: answeredWrong / answered,
  errorWithoutAbstention: wrong / runDrawings,
  mistakesCaught: wrong === 0 ? 0 : wrongAbstained / wrong,
  otherRunAbstention: otherAbstained / otherDrawings,
  ownLeftOutAbstention: leftOutAbstained / leftOutDrawings,
};
const chosenOn = candidates.find((c) => c.statistic === chosen.statistic)!;
console.error(`\n"None of these" (${chosen.statistic} below ${chosen.threshold.toFixed(4)}), chosen on ${background.length} background episodes, measured on Lake's 20 runs`);
// The table goes to stderr with the progress, so that --json prints only the JSON on stdout.
new Console(process.stderr).table([
  { what: `background: drawings of the episode's own characters (${own.length})`, abstains: pct(chosenOn.ownRate) },
  { what: `background: drawings of another alphabet's characters (${others.length})`, abstains: pct(chosenOn.othersRate) },
  { what: `Lake's runs: the run's own test drawings (${runDrawings})`, abstains: pct(measured.ownAbstention) },
  { what: '  error on those it answers (without abstaining: ' + pct(measured.errorWithoutAbstention) + ')', abstains: pct(measured.errorWhenAnswered) },
  { what: '  share of its mistakes it abstains on instead', abstains: pct(measured.mistakesCaught) },
  { what: `Lake's runs: the next run's drawings, not among the 20 (${otherDrawings})`, abstains: pct(measured.otherRunAbstention) },
  { what: `Lake's runs: own drawings with their character left out (19 of the same alphabet, ${leftOutDrawings})`, abstains: pct(measured.ownLeftOutAbstention) },
]);
log(`done in ${Math.round((Date.now() - started) / 1000)} s`);

const result = { ...chosen, background: { episodes: background.length, seed, rate, candidates }, lakeRuns: measured };
if (flags.has('json')) console.log(JSON.stringify(result));
if (flags.has('write')) {
  const file = path.join(dir, ABSTENTION_FILE);
  const saved: Abstention & Record<string, unknown> = {
    ...chosen,
    modelVersion: await oneShotModelVersion(dir),
    date: new Date().toISOString(),
    command: `npx tsx models/oneshot/choose-abstention.ts --episodes ${episodeCount} --seed ${seed} --rate ${rate} --write`,
    chosenOn: `${background.length} background episodes (seed ${seed}; never Lake's runs): the threshold abstains on ${pct(rate)} of drawings of an episode's own characters; the statistic abstains more on drawings of the next episode's (another alphabet's) characters`,
    background: result.background,
    lakeRuns: measured,
  };
  await fs.writeFile(file, `${JSON.stringify(saved, null, 2)}\n`);
  log(`saved ${file}`);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * `npm run eval:<name> [-- flags]`: runs the evaluation a model's manifest lists under that script
 * (models/<name>/index.ts → `evaluations`), passing the flags on. `npm run eval -- --list` lists them.
 *
 * With `--json`, stdout carries only the evaluation's JSON (tables, notes and progress go to
 * stderr), for every evaluation: `npm run -s eval:<name> -- --json | jq` (`-s` hides npm's own
 * "> latent-studio eval:…" banner, which npm writes to stdout).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { jsonOnlyOnStdout } from '@/lib/cli/progress';
import { EVALUATIONS } from '@/models';

const [name, ...flags] = process.argv.slice(2);
if (!name || name === '--list') {
  for (const entry of EVALUATIONS) console.log(`npm run ${entry.script}`.padEnd(32) + entry.what);
  process.exit(name ? 0 : 2);
}
const entry = EVALUATIONS.find((e) => e.script === name || e.script === `eval:${name}`);
if (!entry) {
  console.error(`There is no evaluation called "${name}". Known: ${EVALUATIONS.map((e) => e.script).join(', ')}.`);
  process.exit(2);
}
if (flags.includes('--json')) jsonOnlyOnStdout();
const module = path.resolve(entry.module);
// The evaluation reads its flags from process.argv as if it had been run itself.
process.argv = [process.argv[0], module, ...flags];
await import(pathToFileURL(module).href);

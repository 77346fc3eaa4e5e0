// `npm start`: apply database migrations, build the app if it has not been built (or the sources
// changed since), then serve it (scripts/serve.mjs). `--dev` serves with hot reload instead.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dev = process.argv.includes('--dev');
// This app runs where only package registries can be reached: no telemetry calls.
const childEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { stdio: 'inherit', env: childEnv });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
const bin = (name) => path.join('node_modules', '.bin', name);

run(bin('tsx'), ['scripts/migrate.ts']);

if (!dev && needsBuild()) run(bin('next'), ['build']);

const args = process.argv.slice(2).filter((a) => a !== '--dev');
// Production serves through scripts/serve.mjs (Next behind lib/http/server.ts); development through next dev.
const server = dev ? spawn(bin('next'), ['dev', ...args], { stdio: 'inherit', env: childEnv }) : spawn(process.execPath, ['scripts/serve.mjs', ...args], { stdio: 'inherit', env: childEnv });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));

/** True when there is no production build, or a source file is newer than it. */
function needsBuild() {
  const buildId = path.join('.next', 'BUILD_ID');
  if (!fs.existsSync(buildId)) return true;
  const builtAt = fs.statSync(buildId).mtimeMs;
  const newer = (dir) =>
    fs.existsSync(dir) &&
    fs.readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name !== 'generated' && newer(full);
      return fs.statSync(full).mtimeMs > builtAt;
    });
  return ['app', 'lib', 'models', 'public'].some(newer) || ['next.config.js', 'package.json'].some((f) => fs.statSync(f).mtimeMs > builtAt);
}

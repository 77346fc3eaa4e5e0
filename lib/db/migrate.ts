/** Applies the committed migrations for whichever database DATABASE_URL names. */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function migrateDatabase(databaseUrl?: string): void {
  const cli = require.resolve('prisma/build/index.js');
  const result = spawnSync(process.execPath, [cli, 'migrate', 'deploy'], {
    env: databaseUrl ? { ...process.env, DATABASE_URL: databaseUrl } : process.env,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`Database migration failed:\n${result.stdout}\n${result.stderr}`);
}

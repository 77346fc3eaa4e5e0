// Writes prisma/postgresql/schema.prisma from the SQLite schema, so the two never drift.
// `--check` exits 1 when the committed PostgreSQL schema is out of date.
import fs from 'node:fs';

const source = fs.readFileSync('prisma/sqlite/schema.prisma', 'utf8');
const generated = source
  .replace(/^\/\/ The default database[\s\S]*?run it\.\n/m, '// Generated from prisma/sqlite/schema.prisma by `node scripts/postgres-schema.mjs`. Do not edit.\n')
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace('"file:./data/latent-studio.db"', '"postgresql://localhost/latent_studio"')
  .replace('generated/sqlite', 'generated/postgresql');
const target = 'prisma/postgresql/schema.prisma';
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== generated) {
    console.error(`${target} is out of date: run node scripts/postgres-schema.mjs`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(target, generated);
}

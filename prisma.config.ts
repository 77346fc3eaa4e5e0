import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { createAdapter, databaseKind } from './lib/db/adapter';
import { env } from './lib/env';

// The JS engine with driver adapters: nothing is downloaded, so this works offline.
export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join('prisma', databaseKind(env.DATABASE_URL), 'schema.prisma'),
  adapter: async () => createAdapter(env.DATABASE_URL),
});

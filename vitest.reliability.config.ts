import path from 'node:path';
import { defineConfig } from 'vitest/config';

// The reliability suite: the production build started as its own process (test/reliability/app.ts),
// attacked and crashed on purpose. One file at a time: each starts servers that use both cores.
export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['test/reliability/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});

import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/unit/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // tfjs keeps one global engine per process: forks keep test files from sharing one.
    pool: 'forks',
    env: { DATABASE_URL: 'file:./test/.tmp/unit.db', STORAGE_DIR: './test/.tmp/blobs' },
  },
});

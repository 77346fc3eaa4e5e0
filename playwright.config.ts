import { defineConfig } from '@playwright/test';

// End-to-end tests in a real Chromium — Debian's, never a downloaded one — against the
// production build, on a database and blob store of their own.
const PORT = 3210;

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 90_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  webServer: {
    command: `rm -rf test/.tmp/e2e && node scripts/start.mjs -p ${PORT} -H 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      DATABASE_URL: 'file:./test/.tmp/e2e/app.db',
      STORAGE_DIR: './test/.tmp/e2e/blobs',
      MODEL_WORKERS: '2',
    },
  },
});

import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '@/lib/env';

describe('settings', () => {
  it('has working defaults: SQLite file, 10 MB uploads, WASM-or-better backend', () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toMatch(/^file:/);
    expect(env.UPLOAD_MAX_BYTES).toBe(10 * 1024 * 1024);
    expect(env.UPLOAD_MAX_PIXELS).toBe(40_000_000);
    expect(env.MODEL_BACKEND).toBe('auto');
    expect(env.MODEL_WORKERS).toBeGreaterThanOrEqual(1);
    expect(env.MODEL_SERVER_URL).toBeUndefined();
  });

  it('accepts PostgreSQL URLs and numbers given as strings', () => {
    const env = parseEnv({ DATABASE_URL: 'postgresql://u:p@localhost:5432/db', MODEL_MAX_BATCH: '8', MODEL_BACKEND: 'wasm' });
    expect(env.DATABASE_URL).toBe('postgresql://u:p@localhost:5432/db');
    expect(env.MODEL_MAX_BATCH).toBe(8);
  });

  it('names the variable when a value is wrong', () => {
    expect(() => parseEnv({ MODEL_BACKEND: 'tpu' })).toThrow(/MODEL_BACKEND/);
    expect(() => parseEnv({ UPLOAD_MAX_BYTES: 'ten' })).toThrow(/UPLOAD_MAX_BYTES/);
    expect(() => parseEnv({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must start with file:/);
    expect(() => parseEnv({ MODEL_SERVER_URL: 'not a url' })).toThrow(/MODEL_SERVER_URL/);
  });

  it('stops start-up with that message', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', "await import('./lib/env.ts')"], {
      env: { ...process.env, MODEL_WORKERS: '0' },
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('MODEL_WORKERS');
  });
});

describe('database schemas', () => {
  it('the PostgreSQL schema is generated from the SQLite one and up to date', () => {
    expect(() => execFileSync(process.execPath, ['scripts/postgres-schema.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});

/**
 * Every setting the app reads, validated once with zod. This is the only file that reads
 * `process.env`; everything else imports `env` from here. A bad value stops start-up with a
 * message that names the variable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const defaultDataDir = () => {
  const shared = path.resolve(process.cwd(), '../shared/data');
  return fs.existsSync(shared) ? shared : path.resolve(process.cwd(), 'data/datasets');
};

export const MODEL_BACKENDS = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** SQLite file (`file:./data/latent-studio.db`) or PostgreSQL (`postgresql://user:pass@host/db`). */
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file: (SQLite) or postgresql:// (PostgreSQL)')
    .default('file:./data/latent-studio.db'),
  /** Where uploaded and generated images are stored, by SHA-256 name. */
  STORAGE_DIR: z.string().min(1).default('./data/blobs'),
  /** Derived data that can be rebuilt at any time (e.g. image features of a dataset's photos). */
  CACHE_DIR: z.string().min(1).default('./data/cache'),
  /** Where the training and evaluation datasets live (see ../shared/data/README.md). */
  DATA_DIR: z.string().min(1).default(defaultDataDir()),
  /** Largest upload accepted, in bytes. */
  UPLOAD_MAX_BYTES: integer(1024, 200 * 1024 * 1024).default(10 * 1024 * 1024),
  /** Largest decoded image accepted, in pixels (width × height). */
  UPLOAD_MAX_PIXELS: integer(1024, 400_000_000).default(40_000_000),
  /** Use a standalone model server (`npm run model-server`) instead of the embedded one. */
  MODEL_SERVER_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Port of the standalone model server. */
  MODEL_SERVER_PORT: integer(1, 65535).default(3100),
  /** TensorFlow.js backend; `auto` picks tfjs-node-gpu, then tfjs-node, then WASM. */
  MODEL_BACKEND: z.enum(MODEL_BACKENDS).default('auto'),
  /** Worker threads in the model server; each has its own TensorFlow.js engine. */
  MODEL_WORKERS: integer(1, 64).default(Math.max(1, Math.min(os.availableParallelism(), 8))),
  /** Most requests run together in one forward pass. */
  MODEL_MAX_BATCH: integer(1, 1024).default(32),
  /** How long the first request of a batch waits for others to join it. */
  MODEL_MAX_WAIT_MS: integer(0, 10_000).default(4),
  /** Requests waiting per model before new ones are turned away with 503. */
  MODEL_QUEUE_LIMIT: integer(1, 100_000).default(256),
  /** A request that has not finished after this long fails with a timeout (models with a deadline of their own keep it). */
  MODEL_TIMEOUT_MS: integer(100, 3_600_000).default(60_000),
  /**
   * A stored image no row references is removed once nobody has stored it for this long. Must be
   * longer than any request takes; by default 10 minutes, or twice the longest model deadline.
   */
  BLOB_SWEEP_GRACE_MS: integer(1000, 7 * 24 * 3_600_000).optional(),
  /**
   * The key that signs and encrypts owner cookies and API tokens (at least 32 characters). Every
   * instance serving the same data must have the same one. When unset, a random key is made once
   * and kept in SESSION_SECRET_FILE.
   */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Where the generated key is kept when SESSION_SECRET is unset. */
  SESSION_SECRET_FILE: z.string().min(1).default('./data/session-secret'),
  /** A bearer token that acts as the administrator (sees and changes every item, imports samples); unset: no administrator. */
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /**
   * How many reverse proxies stand in front of the app and append to X-Forwarded-For; 0 (the
   * default) reads the client's address from the connection and ignores X-Forwarded-For.
   */
  TRUST_PROXY: integer(0, 10).default(0),
  /** Multiplies every rate limit (docs/security.md#rate-limits); 0 turns them off. */
  RATE_LIMIT_SCALE: z.coerce.number().min(0).max(1000).default(1),
  /** How often recovery runs after start-up: unreferenced images swept, abandoned rows ended. */
  RECOVERY_INTERVAL_MS: integer(1000, 24 * 3_600_000).default(5 * 60_000),
});

export type Env = z.infer<typeof schema>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid settings in the environment:\n${lines.join('\n')}`);
  }
  return result.data;
}

export const env: Env = parseEnv(process.env);

/**
 * A checkpoint's version: `mdbm-` and the first 12 hex digits of its weights' SHA-256. What the
 * model server reports and what caches derived from the model (the Corel-5k index) are keyed by.
 * No TensorFlow.js: scripts and tests read it without loading the model.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function dbmVersion(dir: string): string {
  return `mdbm-${crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, 'weights.bin'))).digest('hex').slice(0, 12)}`;
}

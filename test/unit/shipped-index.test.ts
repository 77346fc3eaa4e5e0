/**
 * Tags → photos answers at once on a fresh install: the Corel-5k tagger's checkpoint ships every
 * training photo's DBM code (a byte a value), and the index reads it instead of building one —
 * with no model call and nothing in CACHE_DIR — when it is this checkpoint's and these photos'.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorel5k, trainItems } from '@/lib/datasets';
import { JobRegistry } from '@/lib/jobs';
import type { ModelClient } from '@/lib/model-server';
import { CorelIndex, type MultimodalDbm } from '@/lib/tags';
import { dequantise, quantise, readShippedIndex } from '@/lib/tags/shipped-index';
import { COREL_TAGGER } from '@/models/multimodal-dbm';
import { dbmVersion } from '@/models/multimodal-dbm/version';

const CHECKPOINT = path.resolve(COREL_TAGGER.checkpoint);
const VERSION = dbmVersion(CHECKPOINT);

describe('the shipped Corel-5k index', () => {
  it('keeps each code within half a step of 1/255', () => {
    const codes = Float32Array.from({ length: 1000 }, (_, i) => (i * 0.7919) % 1);
    const back = dequantise(quantise(codes));
    for (let i = 0; i < codes.length; i++) expect(Math.abs(back[i] - codes[i])).toBeLessThanOrEqual(0.5 / 255 + 1e-7);
  });

  it('is the committed checkpoint’s, for Corel-5k’s 4,500 training photos in order', async () => {
    const ids = trainItems(await loadCorel5k()).map((item) => item.id);
    const index = await readShippedIndex(CHECKPOINT, VERSION, ids);
    expect(index).not.toBeNull();
    expect(index!.codes.length).toBe(4500 * index!.dims);
    // Another DBM, or other photos, and it does not apply.
    expect(await readShippedIndex(CHECKPOINT, 'mdbm-000000000000', ids)).toBeNull();
    expect(await readShippedIndex(CHECKPOINT, VERSION, [...ids].reverse())).toBeNull();
  });

  it('answers the first search at once, with no model call and nothing cached', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'corel-cache-'));
    const refuse = () => Promise.reject(new Error('no model call expected'));
    const models = { run: refuse, admit: refuse } as unknown as ModelClient;
    const dbm = { imageCode: refuse } as unknown as MultimodalDbm;
    const index = new CorelIndex(models, dbm, new JobRegistry(), { dataDir: path.resolve('../shared/data'), cacheDir, checkpointDir: CHECKPOINT });
    const answer = await index.codes(VERSION, 0);
    expect(answer.status).toEqual({ status: 'ready', photos: 4500 });
    expect(fs.readdirSync(cacheDir)).toEqual([]);
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });
});

/**
 * The order of the multimodal DBM's tags follows the number it sends beside each word, `score`,
 * on the committed checkpoint and on one without a `ranking` (skipped where the checkpoint is
 * missing). So a page that shows the score never shows a word above one with a larger number.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchContext } from '@/lib/model-server/types';
import type { MultimodalDbmInput, MultimodalDbmOutput, TagScore } from '@/models/multimodal-dbm/contract';
import { CHECKPOINT_DIR, servableFor, type CheckpointMeta } from '@/models/multimodal-dbm/model';

const ready = fs.existsSync(path.join(CHECKPOINT_DIR, 'weights.bin'));
const meta = ready ? (JSON.parse(fs.readFileSync(path.join(CHECKPOINT_DIR, 'meta.json'), 'utf8')) as CheckpointMeta) : null;

/** Tags one made-up photo (620 fixed non-negative numbers): the answer and every step's preview. */
async function tagOnce(dir: string): Promise<{ tags: TagScore[]; previews: TagScore[][] }> {
  const features = Float32Array.from({ length: meta!.architecture.image }, (_, i) => ((i * 7919) % 101) / 1000);
  const previews: TagScore[][] = [];
  const ctx: BatchContext = { progress: (_, event) => previews.push((event.preview as { tags: TagScore[] }).tags), cancelled: () => false };
  const [output] = await servableFor(dir).runBatch([{ task: 'tags', features, steps: 5 } as MultimodalDbmInput], ctx);
  return { tags: (output as Extract<MultimodalDbmOutput, { tags: unknown }>).tags, previews };
}

const inOrder = (values: number[]) => values.every((v, i) => i === 0 || values[i - 1] >= v);

describe.skipIf(!ready)('the tagger ranks words by the score it sends', () => {
  let plain: string;

  beforeAll(() => {
    // The same weights with no `ranking` in meta.json, as a checkpoint trained without scripts/tune.ts.
    plain = fs.mkdtempSync(path.join(os.tmpdir(), 'mdbm-plain-'));
    for (const file of fs.readdirSync(CHECKPOINT_DIR)) fs.copyFileSync(path.join(CHECKPOINT_DIR, file), path.join(plain, file));
    fs.writeFileSync(path.join(plain, 'meta.json'), JSON.stringify({ ...meta, ranking: undefined }));
  });

  afterAll(() => fs.rmSync(plain, { recursive: true, force: true }));

  it.skipIf(!meta?.ranking)('sends every word, each mean-field step and the answer in order of its score, the top word 1', async () => {
    const { tags, previews } = await tagOnce(CHECKPOINT_DIR);
    expect(previews).toHaveLength(5);
    for (const list of [...previews, tags]) {
      expect(inOrder(list.map((t) => t.score))).toBe(true);
      expect(list[0].score).toBe(1);
      expect(list.every((t) => t.score >= 0 && t.score <= 1 && t.probability > 0 && t.probability < 1)).toBe(true);
    }
    expect(tags).toHaveLength(meta!.ranking!.frequency.length);
    // The score weighs p(word | image) against the word's frequency, so p alone would order the
    // words differently: this is why the page shows the score.
    expect(inOrder(tags.map((t) => t.probability))).toBe(false);
  });

  it('ranks by p(word | image) when the checkpoint has no ranking, the score being p over the top word’s', async () => {
    const { tags } = await tagOnce(plain);
    expect(inOrder(tags.map((t) => t.probability))).toBe(true);
    expect(inOrder(tags.map((t) => t.score))).toBe(true);
    for (const t of tags) expect(t.score).toBeCloseTo(t.probability / tags[0].probability, 6);
  });
});

/**
 * The foundations lab's service and route: every block's figures drawn from its committed
 * checkpoint through a real model server (one worker), and what a person gets for bad requests
 * or a block that is not trained.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRoute, errorOf } from './helpers';
import { POST as figureRoute } from '@/app/api/foundations/figure/route';
import { BLOCK_GUIDE, BLOCKS, figureRequest, FoundationsService } from '@/lib/foundations';
import { ModelServer } from '@/lib/model-server';

let server: ModelServer;
let emptyRoot: string;

beforeAll(async () => {
  server = new ModelServer({
    models: [{ name: 'foundations', module: 'models/foundations/serve.ts', maxBatch: 1 }],
    workers: 1,
    backend: 'wasm',
    defaults: { maxBatch: 1, maxWaitMs: 0, queueLimit: 8, timeoutMs: 120_000 },
    root: process.cwd(),
  });
  await server.ready(60_000);
  emptyRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'foundations-root-'));
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(emptyRoot, { recursive: true, force: true });
});

const service = () => new FoundationsService({ models: server });
// A figure request checked with its route's schema, as the route does, then drawn by the service.
const drawFigure = (foundations: FoundationsService, body: unknown) => asRoute(figureRequest, body, (request) => foundations.figure(request));

async function decoded(dataUrl: string) {
  const { info } = await sharp(Buffer.from(dataUrl.split(',')[1], 'base64')).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height };
}

describe('every block, from its committed checkpoint', () => {
  it('lists the five blocks in the tutorial’s order, each trained and measured', async () => {
    const blocks = await service().blocks();
    expect(blocks.map((b) => b.block)).toEqual([...BLOCKS]);
    for (const { block, card } of blocks) {
      expect(card.trained, block).toBe(true);
      expect(card.evaluation?.rows.some((row) => row.kind === 'ours'), block).toBe(true);
      expect(card.evaluation?.rows.some((row) => row.kind === 'baseline'), block).toBe(true);
    }
  });

  for (const block of BLOCKS) {
    for (const { name, reseed } of BLOCK_GUIDE[block].figures) {
      it(`${block}: draws “${name}” as pictures of the sizes it states, the same for the same seed`, async () => {
        const figure = await drawFigure(service(), { block, figure: name, seed: 3 });
        expect(figure).toMatchObject({ block, name, seed: 3, caption: expect.any(String) });
        expect(figure.panels.length).toBeGreaterThan(0);
        for (const panel of figure.panels) {
          expect(panel.pictures.length, panel.title).toBeGreaterThan(0);
          const first = await decoded(panel.pictures[0].image);
          expect([first.width, first.height]).toEqual([panel.pictures[0].width, panel.pictures[0].height]);
        }
        const again = await drawFigure(service(), { block, figure: name, seed: 3 });
        expect(again.panels).toEqual(figure.panels);
        if (reseed) {
          const other = await drawFigure(service(), { block, figure: name, seed: 4 });
          expect(other.panels).not.toEqual(figure.panels);
        }
      });
    }
  }
});

describe('what a person gets for a bad request', () => {
  it('names the blocks, the block’s figures and the seed’s range', async () => {
    const unknownBlock = await errorOf(drawFigure(service(), { block: 'gan', figure: 'samples' }));
    expect(unknownBlock).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('block: must be one of sparse-coding, autoencoder') });
    const unknownFigure = await errorOf(drawFigure(service(), { block: 'dbn', figure: 'bases' }));
    expect(unknownFigure).toMatchObject({ code: 'BAD_REQUEST', message: 'figure: the dbn block draws samples, layers' });
    const badSeed = await errorOf(drawFigure(service(), { block: 'dbn', figure: 'samples', seed: -1 }));
    expect(badSeed.message).toContain('seed: must be a whole number from 0 to 1000000');
  });

  it('answers the route’s bad input with 400 and a JSON error, never a 500', async () => {
    const notJson = await figureRoute(new Request('http://x/api/foundations/figure', { method: 'POST', body: 'block=dbn', headers: { 'content-type': 'text/plain' } }));
    expect(notJson.status).toBe(400);
    const missing = await figureRoute(new Request('http://x/api/foundations/figure', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }));
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.message).toContain('block: must be one of');
  });

  it('says a block is not trained, and how to train it, where its checkpoint is missing', async () => {
    const bare = new FoundationsService({ models: server, root: emptyRoot });
    expect((await bare.blocks()).every((b) => !b.card.trained)).toBe(true);
    const missing = await errorOf(drawFigure(bare, { block: 'iwae', figure: 'samples' }));
    expect(missing).toMatchObject({ code: 'MODEL_UNAVAILABLE', message: expect.stringContaining('npx tsx models/iwae/train.ts') });
  });
});

/**
 * The models' manifests (`models/<name>/index.ts`, listed in `models/index.ts`) as the rest of the
 * app relies on them: one per model folder, each servable's module and checkpoint in place, one
 * introduction per page, every `eval:*` command in package.json and nothing else there, and the
 * registry, the catalog and the services reading them rather than their own copies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_CATALOG } from '@/lib/model-cards';
import { MODELS as REGISTRY } from '@/lib/model-server/registry';
import { TAGGERS } from '@/lib/tags/taggers';
import { EVALUATIONS, MODEL_PAGES, MODELS, SERVABLES } from '@/models';

const root = path.resolve(import.meta.dirname, '../..');
const exists = (file: string) => fs.existsSync(path.join(root, file));

describe('model manifests', () => {
  it('every model folder has an index.ts manifest, listed once in models/index.ts under its folder name', () => {
    const folders = fs
      .readdirSync(path.join(root, 'models'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'blocks')
      .map((e) => e.name)
      .sort();
    expect(MODELS.map((m) => m.id).sort()).toEqual(folders);
    for (const folder of folders) expect(exists(`models/${folder}/index.ts`), folder).toBe(true);
  });

  it('every servable has a unique name, a module that exists and exports it, and its checkpoint folder', () => {
    const names = SERVABLES.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const servable of SERVABLES) {
      expect(exists(servable.module), servable.module).toBe(true);
      expect(fs.readFileSync(path.join(root, servable.module), 'utf8'), servable.module).toMatch(/export const servable\b/);
      if (servable.checkpoint) expect(exists(path.join(servable.checkpoint, 'meta.json')), servable.checkpoint).toBe(true);
    }
  });

  it('the model server serves exactly the manifests’ servables', () => {
    expect(REGISTRY.map((s) => s.name)).toEqual(SERVABLES.map((s) => s.name));
  });

  it('the catalog is the manifests’ cards, each naming a checkpoint folder that is there', () => {
    expect(MODEL_CATALOG).toHaveLength(MODELS.flatMap((m) => m.cards).length);
    for (const card of MODEL_CATALOG) expect(exists(path.join('models', card.folder, card.checkpoint ?? 'checkpoint')), card.name).toBe(true);
  });

  it('each page models serve is introduced once and exists in app/', () => {
    const paths = MODEL_PAGES.map((p) => p.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const page of MODEL_PAGES) expect(exists(`app${page.path}/page.tsx`), page.path).toBe(true);
    // Every page a manifest says it serves has an introduction.
    for (const model of MODELS) if (model.page) expect(paths, model.id).toContain(model.page);
  });

  it('package.json has one eval:* script per manifest evaluation, running it through the manifests', () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const evalScripts = Object.keys(scripts).filter((s) => s.startsWith('eval:'));
    expect(evalScripts.sort()).toEqual(EVALUATIONS.map((e) => e.script).sort());
    for (const entry of EVALUATIONS) {
      expect(scripts[entry.script]).toBe(`tsx scripts/evaluate.ts ${entry.script}`);
      expect(exists(entry.module), entry.module).toBe(true);
    }
  });

  it('every tagger runs a servable of the manifests', () => {
    for (const tagger of TAGGERS) expect(SERVABLES).toContain(tagger.servable);
  });
});

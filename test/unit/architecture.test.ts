/**
 * The house's import rules, checked on the source (test/architecture/imports.ts): `app/` and
 * `lib/` reach a model only through its `index.ts`, and nothing the web process loads imports
 * TensorFlow.js. Each rule is also checked on a small made-up tree, so the check itself is known
 * to catch what it should.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backDoorImports, importsOf, tensorflowInWebProcess } from '../architecture/imports';

const root = path.resolve(import.meta.dirname, '../..');

describe('import direction', () => {
  it('app/ and lib/ import models only through models/<name>/index.ts', () => {
    expect(backDoorImports(root)).toEqual([]);
  });

  it('nothing the web process loads imports @tensorflow/*', () => {
    expect(tensorflowInWebProcess(root)).toEqual([]);
  });
});

describe('the import check itself', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imports-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true });
    fs.writeFileSync(path.join(tmp, file), text);
  };
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  write('models/toy/index.ts', "export * from './contract';\n");
  write('models/toy/contract.ts', 'export interface ToyInput { x: number }\n');
  write('models/toy/model.ts', "import * as tf from '@tensorflow/tfjs';\nexport const size = 3;\n");
  write('lib/toy/index.ts', "import { size } from '@/models/toy/model';\nimport type { ToyInput } from '@/models/toy';\nexport const toy = (i: ToyInput) => i.x * size;\n");
  write('lib/ok/index.ts', "// import { size } from '@/models/toy/model';\nimport type { Tensor } from '@tensorflow/tfjs';\nexport const ok = 1;\n");
  write('app/api/toy/route.ts', "import { toy } from '@/lib/toy';\nimport { ok } from '../../../lib/ok';\nexport const GET = () => toy({ x: ok });\n");

  it('finds an import that goes round a front door, and not one in a comment', () => {
    expect(backDoorImports(tmp)).toEqual(['lib/toy/index.ts imports @/models/toy/model']);
  });

  it('follows runtime imports from app/ to TensorFlow.js, and not type-only ones', () => {
    expect(tensorflowInWebProcess(tmp)).toEqual(['app/api/toy/route.ts → lib/toy/index.ts → models/toy/model.ts → @tensorflow/tfjs']);
  });

  it('reads type-only imports as such', () => {
    expect(importsOf(path.join(tmp, 'lib/toy/index.ts'))).toEqual([
      { specifier: '@/models/toy/model', typeOnly: false },
      { specifier: '@/models/toy', typeOnly: true },
    ]);
  });
});

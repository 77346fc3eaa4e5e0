/**
 * The project's import graph, read from the source text (no bundler): what each file imports, and
 * the rules the house keeps (test/unit/architecture.test.ts):
 *
 * - `app/` and `lib/` reach a model only through its front door, `models/<name>/index.ts`
 *   (`@/models/<name>`) or the list of them (`@/models`);
 * - nothing the web process loads — every file reachable by runtime imports from `app/` — imports
 *   `@tensorflow/*`: TensorFlow.js runs only in the model server's worker threads, which load model
 *   modules by path at run time (not an import the graph sees).
 *
 * Type-only imports (`import type`, `export type`) carry no code and are left out of the runtime
 * graph; they still count for the front-door rule.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ImportEdge {
  /** As written in the source. */
  specifier: string;
  typeOnly: boolean;
}

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.mjs', '.js'];

/** Every source file under `dir` (relative to root), skipping build output and dependencies. */
export function sourceFiles(root: string, dir: string): string[] {
  const base = path.join(root, dir);
  if (!fs.existsSync(base)) return [];
  return (fs.readdirSync(base, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile() && SOURCE.test(e.name) && !/node_modules|\.next|generated/.test(e.parentPath))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

/** The imports and re-exports of one file, and its dynamic imports of literal paths. */
export function importsOf(file: string): ImportEdge[] {
  // Comments out first, so a path quoted in a comment is not an import.
  const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
  const edges: ImportEdge[] = [];
  const statement = /(?:^|\n|;)\s*(import|export)\s+(type\s+)?([^'"`;]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(statement)) {
    const names = m[3].trim();
    // `import { type A, type B } from` is type-only too.
    const allTypes = /^\{[^}]*\}$/.test(names) && names.slice(1, -1).split(',').filter((n) => n.trim()).every((n) => /^\s*type\s/.test(n));
    edges.push({ specifier: m[4], typeOnly: Boolean(m[2]) || allTypes });
  }
  for (const m of text.matchAll(/(?:^|\n|;)\s*import\s*['"]([^'"]+)['"]/g)) edges.push({ specifier: m[1], typeOnly: false });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) edges.push({ specifier: m[1], typeOnly: false });
  return edges;
}

/** The project file a specifier names (relative to root), or null for a package or a builtin. */
export function resolve(root: string, from: string, specifier: string): string | null {
  let target: string;
  if (specifier.startsWith('@/')) target = specifier.slice(2);
  else if (specifier.startsWith('.')) target = path.join(path.dirname(from), specifier);
  else return null;
  const candidates = [target, ...EXTENSIONS.map((e) => target + e), ...EXTENSIONS.map((e) => path.join(target, `index${e}`))];
  if (/\.js$/.test(target)) candidates.push(target.replace(/\.js$/, '.ts'));
  for (const candidate of candidates) {
    const full = path.join(root, candidate);
    if (fs.existsSync(full) && fs.statSync(full).isFile()) return path.normalize(candidate);
  }
  return null;
}

/** `models/<name>/index.ts`, `models/index.ts`, or a model's front door named as its folder. */
export function isModelFrontDoor(file: string): boolean {
  return /^models\/(index\.ts|[^/]+\/index\.ts)$/.test(file);
}

/** Imports from `app/` or `lib/` that reach into a model folder other than through its index.ts. */
export function backDoorImports(root: string): string[] {
  const problems: string[] = [];
  for (const file of [...sourceFiles(root, 'app'), ...sourceFiles(root, 'lib')]) {
    for (const edge of importsOf(path.join(root, file))) {
      const target = resolve(root, file, edge.specifier);
      if (target?.startsWith('models/') && !isModelFrontDoor(target)) problems.push(`${file} imports ${edge.specifier}`);
    }
  }
  return problems;
}

/**
 * Chains from a web-process entry (every file under `app/`) to an `@tensorflow/*` import, following
 * runtime imports only; one chain per offending file.
 */
export function tensorflowInWebProcess(root: string): string[] {
  const parent = new Map<string, string | null>();
  const queue: string[] = [];
  for (const entry of sourceFiles(root, 'app')) {
    parent.set(entry, null);
    queue.push(entry);
  }
  const chains: string[] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const edge of importsOf(path.join(root, file))) {
      if (edge.typeOnly) continue;
      if (edge.specifier.startsWith('@tensorflow/')) {
        const chain = [edge.specifier, file];
        for (let at = parent.get(file); at; at = parent.get(at)) chain.push(at);
        chains.push(chain.reverse().join(' → '));
        continue;
      }
      const target = resolve(root, file, edge.specifier);
      if (target && !parent.has(target)) {
        parent.set(target, file);
        queue.push(target);
      }
    }
  }
  return chains;
}

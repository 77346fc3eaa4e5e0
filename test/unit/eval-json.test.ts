/**
 * `npm run eval:<name> -- --json` prints only the JSON on stdout (tables, notes and progress go to
 * stderr), so that it can be piped: the helper every evaluation runs under (scripts/evaluate.ts →
 * jsonOnlyOnStdout), and the cheapest evaluations run for real with their smallest settings.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVALUATIONS } from '@/models';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function run(args: string[], timeout = 120_000) {
  const result = spawnSync(tsx, args, { cwd: root, encoding: 'utf8', timeout, env: { ...process.env, MODEL_BACKEND: 'auto' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('--json: only the JSON on stdout', () => {
  it('moves every console table and line to stderr, leaving stdout to the result', () => {
    fs.mkdirSync(path.join(root, 'test/.tmp'), { recursive: true });
    const script = path.join(root, 'test/.tmp/json-only.ts');
    fs.writeFileSync(
      script,
      [
        "import { jsonOnlyOnStdout, stderrConsole } from '@/lib/cli/progress';",
        'jsonOnlyOnStdout();',
        "console.log('a table follows');",
        "console.table([{ what: 'error', value: '4.5%' }]);",
        "console.info('info'); console.dir({ a: 1 }); console.debug('debug');",
        "stderrConsole.table([{ what: 'consistency', value: '97.5%' }]);",
        'process.stdout.write(`${JSON.stringify({ error: 0.045 })}\\n`);',
      ].join('\n'),
    );
    const { status, stdout, stderr } = run([script]);
    expect(status, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ error: 0.045 });
    expect(stdout.trim().split('\n')).toHaveLength(1);
    for (const text of ['a table follows', '4.5%', 'info', 'debug', '97.5%']) expect(stderr).toContain(text);
  });

  it('scripts/evaluate.ts turns it on for every evaluation, and each prints its JSON with process.stdout.write', () => {
    const runner = fs.readFileSync(path.join(root, 'scripts/evaluate.ts'), 'utf8');
    expect(runner).toMatch(/if \(flags\.includes\('--json'\)\) jsonOnlyOnStdout\(\);\s*const module/);
    for (const entry of EVALUATIONS) {
      const source = fs.readFileSync(path.join(root, entry.module), 'utf8');
      // console.log is sent to stderr under --json: a result printed with it would vanish from stdout.
      expect(source, entry.module).not.toMatch(/console\.log\([^)]*JSON\.stringify/);
      if (!/runBlockEvaluation|evaluationNumbers/.test(source)) expect(source, entry.module).toMatch(/process\.stdout\.write\(/);
    }
  });

  // The two evaluations that take seconds with their smallest settings run for real; the others
  // (minutes to hours) share the same runner and are checked above.
  const cheap: Record<string, string[]> = {
    'eval:gan': ['--data', 'mnist', '--samples', '200'],
    'eval:caption': ['--bound-images', '8', '--captions', '4', '--samples', '2'],
  };
  for (const [script, flags] of Object.entries(cheap)) {
    it(`npm run ${script} -- --json ${flags.join(' ')} prints one JSON object and nothing else`, () => {
      expect(EVALUATIONS.map((e) => e.script)).toContain(script);
      const { status, stdout, stderr } = run(['scripts/evaluate.ts', script, '--json', ...flags]);
      expect(status, stderr.slice(-2000)).toBe(0);
      expect(typeof JSON.parse(stdout)).toBe('object');
    }, 180_000);
  }
});

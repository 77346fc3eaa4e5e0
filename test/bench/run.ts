/**
 * Runs every benchmark, one after the other (each in a child process of its own, so they never
 * compete for the cores or share a tfjs engine), and prints their tables; with `--json`, prints
 * one JSON object keyed by benchmark instead.
 *
 *   npm run bench            # tables
 *   npm run bench -- --json  # { "model-server": {...}, "uploads": {...}, ... }
 *   npm run bench -- --only uploads,features-backend
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSON_MODE, argValue, machine, note, round } from './common';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCHMARKS = ['model-server', 'tags', 'caption', 'oneshot', 'oneshot-limits', 'gan', 'caption-training', 'uploads', 'batch', 'features-backend', 'wasm-kernels', 'kernel-speedups'];

interface Outcome {
  name: string;
  ok: boolean;
  seconds: number;
  stdout: string;
  error?: string;
}

function runOne(name: string, file: string): Promise<Outcome> {
  const started = performance.now();
  const args = ['--import', 'tsx', file, ...(JSON_MODE ? ['--json'] : [])];
  return new Promise((resolve) => {
    // stdout is collected (tables are printed whole, JSON is parsed); stderr (progress) passes through.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (!JSON_MODE) process.stdout.write(chunk);
    });
    child.on('error', (error) => resolve({ name, ok: false, seconds: 0, stdout, error: error.message }));
    child.on('close', (code, signal) => {
      const seconds = round((performance.now() - started) / 1000, 1);
      resolve({ name, ok: code === 0, seconds, stdout, ...(code === 0 ? {} : { error: `exited with ${code ?? signal}` }) });
    });
  });
}

/** A benchmark's --json output: one JSON object, normally the whole of stdout. */
function parseJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    const line = stdout.trim().split('\n').findLast((l) => l.trim().startsWith('{'));
    if (line) return JSON.parse(line);
    throw new Error('no JSON object on stdout');
  }
}

async function main(): Promise<void> {
  const only = argValue('only')?.split(',').map((s) => s.trim());
  const selected = BENCHMARKS.filter((name) => !only || only.includes(name));
  const results: Record<string, unknown> = {};
  const timings: Record<string, number> = {};
  const failures: string[] = [];
  const started = performance.now();

  for (const name of selected) {
    const file = path.join(HERE, `${name}.ts`);
    if (!fs.existsSync(file)) {
      note(`${name}: ${path.relative(process.cwd(), file)} does not exist, skipped`);
      continue;
    }
    note(`running ${name} …`);
    const outcome = await runOne(name, file);
    timings[name] = outcome.seconds;
    note(`${name}: ${outcome.ok ? 'done' : `FAILED (${outcome.error})`} in ${outcome.seconds} s`);
    if (!outcome.ok) failures.push(`${name}: ${outcome.error}`);
    if (JSON_MODE) {
      try {
        results[name] = outcome.ok ? parseJson(outcome.stdout) : { error: outcome.error, stdout: outcome.stdout };
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message}`);
        results[name] = { error: (error as Error).message, stdout: outcome.stdout };
      }
    }
  }

  const totalSeconds = round((performance.now() - started) / 1000, 1);
  if (JSON_MODE) {
    process.stdout.write(`${JSON.stringify({ ...results, _run: { machine: machine(), totalSeconds, seconds: timings, failures } })}\n`);
  } else {
    const summary = Object.entries(timings).map(([name, s]) => `${name} ${s} s`).join(', ');
    process.stdout.write(`\nAll benchmarks: ${totalSeconds} s (${summary})\n`);
  }
  if (failures.length > 0) {
    process.stderr.write(`Failed:\n  ${failures.join('\n  ')}\n`);
    process.exitCode = 1;
  }
}

await main();

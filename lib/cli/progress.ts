/**
 * Progress bars and flags for the training and evaluation scripts. Bars go to stderr, so that
 * `--json` output on stdout stays clean; without a terminal they print a line every 10%.
 */
import { Console } from 'node:console';

export class ProgressBar {
  private readonly started = Date.now();
  private lastDecile = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, note = ''): void {
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = fraction > 0 ? elapsed * (1 / fraction - 1) : 0;
    const text = `${this.label} ${bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${this.total} ${formatSeconds(elapsed)} elapsed, ${formatSeconds(eta)} left ${note}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${text.slice(0, (this.stream.columns ?? 120) - 1).padEnd(Math.min(120, (this.stream.columns ?? 120) - 1))}`);
      if (done >= this.total) this.stream.write('\n');
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        this.stream.write(`${text}\n`);
      }
    }
  }
}

function bar(fraction: number, width = 24): string {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** `--name value` / `--name=value` / `--flag` from argv. */
export function parseFlags(argv: string[] = process.argv.slice(2)): Map<string, string | true> {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    const [name, value] = arg.slice(2).split('=', 2);
    if (value !== undefined) flags.set(name, value);
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) flags.set(name, argv[++i]);
    else flags.set(name, true);
  }
  return flags;
}

/**
 * The command line that made a checkpoint, for its meta.json: `npx tsx <script>` and the arguments,
 * without the ones that only say where it was written (`--out DIR`), which do not change it.
 */
export function checkpointCommand(script: string, argv: string[] = process.argv.slice(2)): string {
  const kept = argv.filter((arg, i) => !(arg === '--out' || arg.startsWith('--out=') || (argv[i - 1] === '--out' && !arg.startsWith('--'))));
  return `npx tsx ${script} ${kept.join(' ')}`.trim();
}

/** Log to stderr (stdout is for results). */
export const log = (...parts: unknown[]) => process.stderr.write(`${parts.join(' ')}\n`);

/** A console whose every method (log, table, …) writes to stderr: tables and notes beside a result on stdout. */
export const stderrConsole = new Console({ stdout: process.stderr, stderr: process.stderr });

const CONSOLE_OUTPUT = ['log', 'info', 'debug', 'table', 'dir', 'dirxml', 'group', 'groupCollapsed', 'groupEnd', 'count', 'countReset', 'time', 'timeLog', 'timeEnd', 'trace'] as const;

/**
 * `--json`: stdout carries the JSON and nothing else. Every console method that would write to
 * stdout (log, info, table, …) writes to stderr from now on, whoever calls it (the script, a
 * library it loads); the result itself goes out with `process.stdout.write`.
 */
export function jsonOnlyOnStdout(): void {
  for (const method of CONSOLE_OUTPUT) (console as unknown as Record<string, unknown>)[method] = stderrConsole[method].bind(stderrConsole);
}

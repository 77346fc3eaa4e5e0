/**
 * The production build as a person meets it, started for a reliability test: its own database,
 * blob store and cache in a fresh directory, on a free port. `kill('SIGKILL')` is a crash; `restart`
 * starts the same app again on the same data, as a supervisor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { migrateDatabase } from '@/lib/db/migrate';

export interface AppProcess {
  url: string;
  dir: string;
  /** The server's own process (scripts/serve.mjs, as `npm start` runs it), so a signal reaches the server itself. */
  child: ChildProcess;
  /** Everything the server printed. */
  output: () => string;
  /** Sends `signal` and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** A fresh process on the same directory (and port). */
  restart(): Promise<AppProcess>;
}

export interface StartOptions {
  /** Data directory; a new one under test/.tmp/reliability when left out. */
  dir?: string;
  port?: number;
  env?: Record<string, string>;
}

const SERVER = path.resolve('scripts/serve.mjs');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startApp(options: StartOptions = {}): Promise<AppProcess> {
  if (!fs.existsSync('.next/BUILD_ID')) throw new Error('There is no production build: run `npm run build` first.');
  const dir = path.resolve(options.dir ?? fs.mkdtempSync(path.join(path.resolve('test/.tmp'), 'reliability-')));
  fs.mkdirSync(dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    DATABASE_URL: `file:${path.join(dir, 'app.db')}`,
    STORAGE_DIR: path.join(dir, 'blobs'),
    CACHE_DIR: path.join(dir, 'cache'),
    MODEL_WORKERS: '2',
    ...options.env,
  };
  await migrateDatabase(env.DATABASE_URL!);
  const child = spawn(process.execPath, [SERVER, '-p', String(port), '-H', '127.0.0.1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  child.stdout!.on('data', (chunk) => (printed += chunk));
  child.stderr!.on('data', (chunk) => (printed += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const app: AppProcess = {
    url,
    dir,
    child,
    output: () => printed,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    async restart() {
      await app.kill();
      return startApp({ ...options, dir, port });
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The app exited while starting:\n${printed}`);
    const answered = await fetch(`${url}/api/health`).then(
      () => true,
      () => false,
    );
    if (answered) return app;
    if (Date.now() > deadline) {
      await app.kill('SIGKILL');
      throw new Error(`The app did not answer within 60 s:\n${printed}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

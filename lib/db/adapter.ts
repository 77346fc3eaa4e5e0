/**
 * Picks the Prisma driver adapter for a DATABASE_URL: SQLite file by default, PostgreSQL by URL.
 *
 * SQLite goes through libSQL (`@prisma/adapter-libsql` + `@libsql/client`), whose native library
 * ships prebuilt inside an npm package (`@libsql/linux-x64-gnu` …), so `npm install` compiles
 * nothing. It is opened the way the better-sqlite3 adapter opened it before: one connection per
 * process, a 5 s busy timeout, SQLite's default (rollback) journal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createClient, type Client, type Config, type InStatement, type Transaction, type TransactionMode } from '@libsql/client';
import { PrismaLibSQL } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';

export type DatabaseKind = 'sqlite' | 'postgresql';

/** How long a write waits for another process's lock before SQLITE_BUSY (better-sqlite3's default). */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

export function databaseKind(url: string): DatabaseKind {
  return url.startsWith('file:') ? 'sqlite' : 'postgresql';
}

/** The SQLite file a `file:` URL names, resolved against the working directory. */
export function sqliteFile(url: string): string {
  return path.resolve(url.slice('file:'.length).replace(/^\/\/(?=\/)/, ''));
}

/**
 * @libsql/client 0.8's local client sets no busy timeout (a concurrent writer in another process
 * fails at once with SQLITE_BUSY) and answers every `transaction()` with a fresh connection that
 * it never closes (one file descriptor per transaction until garbage collection). This client keeps
 * its one connection: the adapter already runs one statement or one transaction at a time per
 * process (its own mutex), so a transaction is BEGIN … COMMIT on that same connection.
 */
export function openSqliteClient(config: Config): Client {
  return new OneConnectionClient(createClient(config));
}

class OneConnectionClient implements Client {
  constructor(private readonly inner: Client) {
    // busy_timeout belongs to the connection, which this client never replaces (see above). The
    // local client runs a statement synchronously, so this is set before anything else runs.
    void inner.execute(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).catch(() => undefined);
  }

  get closed() {
    return this.inner.closed;
  }

  get protocol() {
    return this.inner.protocol;
  }

  execute(stmt: InStatement) {
    return this.inner.execute(stmt);
  }

  batch(stmts: InStatement[], mode?: TransactionMode) {
    return this.inner.batch(stmts, mode);
  }

  executeMultiple(sql: string) {
    return this.inner.executeMultiple(sql);
  }

  sync() {
    return this.inner.sync();
  }

  close() {
    this.inner.close();
  }

  async transaction(mode: TransactionMode = 'deferred'): Promise<Transaction> {
    const inner = this.inner;
    await inner.execute(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN DEFERRED');
    let open = true;
    const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
      if (!open) return;
      open = false;
      try {
        await inner.execute(sql);
      } catch (error) {
        // A COMMIT that failed (SQLITE_BUSY past the timeout) leaves the transaction open on the
        // one connection: end it, or every later BEGIN would fail.
        if (sql === 'COMMIT') await inner.execute('ROLLBACK').catch(() => undefined);
        throw error;
      }
    };
    return {
      execute: (stmt: InStatement) => inner.execute(stmt),
      batch: async (stmts: InStatement[]) => {
        const results = [];
        for (const stmt of stmts) results.push(await inner.execute(stmt));
        return results;
      },
      executeMultiple: (sql: string) => inner.executeMultiple(sql),
      commit: () => end('COMMIT'),
      // SQLite may already have rolled the transaction back (a failed statement): not an error here.
      rollback: () => end('ROLLBACK').catch(() => undefined),
      close: () => void end('ROLLBACK').catch(() => undefined),
      get closed() {
        return !open;
      },
    };
  }
}

class PrismaSqlite extends PrismaLibSQL {
  override createClient(config: Config): Client {
    return openSqliteClient(config);
  }
}

export function createAdapter(url: string) {
  if (databaseKind(url) === 'postgresql') return new PrismaPg({ connectionString: url });
  const file = sqliteFile(url);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return new PrismaSqlite({ url: `file:${file}` });
}

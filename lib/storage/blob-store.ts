/**
 * Content-addressed files on disk: a blob's name is the SHA-256 of its bytes, stored as
 * `<root>/<first two hex digits>/<sha256>.<ext>`. Writes are atomic: the bytes go to a temporary
 * file in the same directory, are fsynced, and the file is renamed into place, so a reader sees
 * either nothing or the whole blob. A failed write removes its temporary file. Putting bytes that
 * are already stored leaves the existing file alone but touches it (its mtime becomes now).
 *
 * Reference safety: one blob may belong to many rows and to requests still in flight (the same
 * photo uploaded twice at once, the same seed drawn twice), so no request ever deletes a blob.
 * Only `sweep` does, and only a blob that no row references and nobody has put for longer than a
 * grace period far beyond any request's deadline: a request that is about to use a blob has put
 * it, so its mtime is fresh. The sweep moves a doomed blob aside first and looks at its mtime once
 * more, so a put that touched it in between puts it back; a put after the move writes it anew.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';

/** The file-system calls the store makes; tests pass their own to simulate failures. */
export interface BlobStoreFs {
  mkdir: typeof nodeFs.mkdir;
  open: typeof nodeFs.open;
  rename: typeof nodeFs.rename;
  unlink: typeof nodeFs.unlink;
  stat: typeof nodeFs.stat;
  readFile: typeof nodeFs.readFile;
  readdir: typeof nodeFs.readdir;
  utimes: typeof nodeFs.utimes;
}

export interface BlobStoreOptions {
  /** Defaults to `node:fs/promises`. */
  fs?: Partial<BlobStoreFs>;
  /** fsync the shard directory after a rename so the new name survives a crash (default true). */
  syncDirectory?: boolean;
}

export interface PutResult {
  sha256: string;
  /** Absolute path of the stored blob. */
  path: string;
  /** False when identical bytes were already stored. */
  created: boolean;
}

export interface SweepResult {
  /** Blobs no row references, unused for longer than the grace period: removed. */
  removed: string[];
  /** Temporary files of writes that never finished (a crash mid-write): removed. */
  temporary: number;
  /** Blobs kept: referenced, or put within the grace period. */
  kept: number;
}

const SHA256 = /^[0-9a-f]{64}$/;
const EXT = /^[a-z0-9]{1,10}$/;
const TEMP_SUFFIX = '.tmp';
/** A blob the sweep has moved aside: `.<sha256>.<ext>.swept`. */
const SWEPT = /^\.([0-9a-f]{64})\.([a-z0-9]{1,10})\.swept$/;
const BLOB_NAME = /^([0-9a-f]{64})\.([a-z0-9]{1,10})$/;
const SHARD = /^[0-9a-f]{2}$/;

const isNotFound = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value);
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function assertSha256(sha256: unknown): asserts sha256 is string {
  if (!isSha256(sha256)) {
    // Never echo the value: it may be a path-traversal attempt.
    throw new AppError('BAD_REQUEST', 'That image id is not valid. Image ids are 64 hexadecimal characters.');
  }
}

function normaliseExt(ext: string): string {
  const e = ext.startsWith('.') ? ext.slice(1).toLowerCase() : ext.toLowerCase();
  if (!EXT.test(e)) throw new TypeError(`BlobStore: invalid extension ${JSON.stringify(ext)} (1–10 letters or digits)`);
  return e;
}

export class BlobStore {
  /** Absolute root directory. */
  readonly root: string;
  private readonly fs: BlobStoreFs;
  private readonly syncDirectory: boolean;

  constructor(root: string = env.STORAGE_DIR, options: BlobStoreOptions = {}) {
    this.root = path.resolve(root);
    this.fs = { ...nodeFs, ...options.fs } as BlobStoreFs;
    this.syncDirectory = options.syncDirectory ?? true;
  }

  /** The directory a blob lives in: `<root>/<aa>`. */
  dirFor(sha256: string): string {
    assertSha256(sha256);
    // Paths are data, not code: the bundler must not trace them.
    return path.join(/*turbopackIgnore: true*/ this.root, sha256.slice(0, 2));
  }

  /** Where a blob with this hash and extension is (or would be) stored. */
  pathFor(sha256: string, ext: string): string {
    assertSha256(sha256);
    return path.join(/*turbopackIgnore: true*/ this.dirFor(sha256), `${sha256}.${normaliseExt(ext)}`);
  }

  /**
   * Stores `data` under its SHA-256. Atomic (temp file, fsync, rename); when a blob of the same
   * hash and size is already there it is left untouched (`created: false`).
   */
  async put(data: Uint8Array, ext: string): Promise<PutResult> {
    const sha256 = sha256Hex(data);
    const dir = this.dirFor(sha256);
    const finalPath = this.pathFor(sha256, ext);

    const existing = await this.fs.stat(finalPath).catch((error: unknown) => {
      if (isNotFound(error)) return null;
      throw error;
    });
    // Same name means same bytes; the size check only guards against a file damaged outside the store.
    // Touched, so the sweep sees it in use; gone since (swept this instant), it is written anew.
    if (existing?.isFile() && existing.size === data.byteLength && (await this.touch(finalPath))) return { sha256, path: finalPath, created: false };

    await this.fs.mkdir(dir, { recursive: true });
    const tempPath = path.join(dir, `.${sha256}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
    let handle: nodeFs.FileHandle | undefined;
    try {
      handle = await this.fs.open(tempPath, 'wx', 0o644);
      await handle.writeFile(data);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await this.fs.rename(tempPath, finalPath);
    } catch (error) {
      if (handle) await handle.close().catch(() => {});
      await this.fs.unlink(tempPath).catch(() => {});
      throw error;
    }
    if (this.syncDirectory) await this.syncDir(dir);
    return { sha256, path: finalPath, created: true };
  }

  /** The blob's bytes, or null when it is not stored. Without `ext`, any extension matches. */
  async get(sha256: string, ext?: string): Promise<Buffer | null> {
    const file = await this.locate(sha256, ext);
    if (!file) return null;
    try {
      return await this.fs.readFile(file);
    } catch (error) {
      if (isNotFound(error)) return null; // removed in between
      throw error;
    }
  }

  /** Whether the blob is stored. Without `ext`, any extension matches. */
  async exists(sha256: string, ext?: string): Promise<boolean> {
    return (await this.locate(sha256, ext)) !== null;
  }

  /**
   * Deletes the blob (every extension, when `ext` is left out). Returns whether anything was
   * removed; removing a missing blob is not an error. Not for roll-backs: another row or request
   * may share the blob (see `sweep`).
   */
  async remove(sha256: string, ext?: string): Promise<boolean> {
    const files = ext === undefined ? await this.candidates(sha256) : [this.pathFor(sha256, ext)];
    let removed = false;
    for (const file of files) {
      try {
        await this.fs.unlink(file);
        removed = true;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return removed;
  }

  /**
   * Removes what no row references and nobody has used for `graceMs`: blobs whose mtime is older
   * (and for which `isReferenced` is false), and temporary files of writes that never finished.
   */
  async sweep(isReferenced: (sha256: string) => boolean, options: { graceMs: number; now?: number }): Promise<SweepResult> {
    const cutoff = (options.now ?? Date.now()) - options.graceMs;
    const result: SweepResult = { removed: [], temporary: 0, kept: 0 };
    let shards: string[];
    try {
      shards = (await this.fs.readdir(this.root)).filter((name) => SHARD.test(name)).sort();
    } catch (error) {
      if (isNotFound(error)) return result;
      throw error;
    }
    for (const shard of shards) {
      const dir = path.join(/*turbopackIgnore: true*/ this.root, shard);
      for (const name of (await this.fs.readdir(dir).catch(() => [] as string[])).sort()) {
        const file = path.join(/*turbopackIgnore: true*/ dir, name);
        const stat = await this.fs.stat(file).catch(() => null);
        if (!stat?.isFile()) continue;
        const swept = SWEPT.exec(name);
        const blob = BLOB_NAME.exec(name);
        if (swept) {
          // Moved aside by a sweep that did not finish: finish its decision now.
          const [, sha256, ext] = swept;
          if (isReferenced(sha256) || stat.mtimeMs >= cutoff) await this.fs.rename(file, this.pathFor(sha256, ext)).catch(() => undefined);
          else await this.fs.unlink(file).catch(() => undefined);
        } else if (name.endsWith(TEMP_SUFFIX)) {
          if (stat.mtimeMs < cutoff && (await this.fs.unlink(file).then(() => true, () => false))) result.temporary++;
        } else if (blob) {
          const [, sha256, ext] = blob;
          if (stat.mtimeMs >= cutoff || isReferenced(sha256) || !(await this.removeUnused(dir, sha256, ext, cutoff))) result.kept++;
          else result.removed.push(sha256);
        }
      }
    }
    return result;
  }

  /** Moves the blob aside, looks again, and removes it only if nobody touched it meanwhile. */
  private async removeUnused(dir: string, sha256: string, ext: string, cutoff: number): Promise<boolean> {
    const file = path.join(/*turbopackIgnore: true*/ dir, `${sha256}.${ext}`);
    const aside = path.join(/*turbopackIgnore: true*/ dir, `.${sha256}.${ext}.swept`);
    try {
      await this.fs.rename(file, aside);
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    const stat = await this.fs.stat(aside);
    if (stat.mtimeMs >= cutoff) {
      // A put touched it just before the move: it is in use. (A put after the move wrote a new copy.)
      await this.fs.rename(aside, file);
      return false;
    }
    await this.fs.unlink(aside);
    return true;
  }

  /** Sets a stored blob's mtime to now; false when it is not there (any more). */
  private async touch(file: string): Promise<boolean> {
    const now = new Date();
    try {
      await this.fs.utimes(file, now, now);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** The stored file's path, or null. */
  async locate(sha256: string, ext?: string): Promise<string | null> {
    if (ext !== undefined) {
      const file = this.pathFor(sha256, ext);
      try {
        return (await this.fs.stat(file)).isFile() ? file : null;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    }
    return (await this.candidates(sha256))[0] ?? null;
  }

  /** Every `<sha256>.<ext>` in the blob's directory (temporary files excluded). */
  private async candidates(sha256: string): Promise<string[]> {
    const dir = this.dirFor(sha256);
    let names: string[];
    try {
      names = await this.fs.readdir(dir);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const prefix = `${sha256}.`;
    return names
      .filter((name) => name.startsWith(prefix) && EXT.test(name.slice(prefix.length)))
      .sort()
      .map((name) => path.join(dir, name));
  }

  private async syncDir(dir: string): Promise<void> {
    let handle: nodeFs.FileHandle | undefined;
    try {
      handle = await this.fs.open(dir, 'r');
      await handle.sync();
    } catch {
      // Some platforms cannot fsync a directory; the rename itself is still atomic.
    } finally {
      await handle?.close().catch(() => {});
    }
  }
}

let defaultStore: BlobStore | undefined;

/** The app's store, rooted at `env.STORAGE_DIR`. */
export function getBlobStore(): BlobStore {
  defaultStore ??= new BlobStore();
  return defaultStore;
}

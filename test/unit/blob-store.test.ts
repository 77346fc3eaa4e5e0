import { createHash } from 'node:crypto';
import fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { env } from '@/lib/env';
import { isAppError } from '@/lib/errors';
import { BlobStore, type BlobStoreFs } from '@/lib/storage';

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'blob-store-test-'));
});
afterEach(async () => {
  await fsp.chmod(root, 0o755).catch(() => {});
  await fsp.rm(root, { recursive: true, force: true });
});

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Every file under the root, relative, sorted. */
function listFiles(dir = root): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}
const tempFiles = () => listFiles().filter((f) => path.basename(f).startsWith('.') || f.endsWith('.tmp'));

function expectBadId(fn: () => unknown) {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isAppError(caught) && caught.code).toBe('BAD_REQUEST');
}
async function expectBadIdAsync(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(error) && error.code).toBe('BAD_REQUEST');
}

describe('BlobStore', () => {
  it('defaults to env.STORAGE_DIR', () => {
    expect(new BlobStore().root).toBe(path.resolve(env.STORAGE_DIR));
  });

  it('writes to <root>/<aa>/<sha256>.<ext> and reads it back', async () => {
    const store = new BlobStore(root);
    const data = Buffer.from('hello, blobs');
    const { sha256, path: file, created } = await store.put(data, 'jpg');
    expect(sha256).toBe(sha(data));
    expect(created).toBe(true);
    expect(file).toBe(path.join(root, sha256.slice(0, 2), `${sha256}.jpg`));
    expect(store.pathFor(sha256, 'jpg')).toBe(file);
    expect(fs.readFileSync(file)).toEqual(data);
    expect(listFiles()).toEqual([path.join(sha256.slice(0, 2), `${sha256}.jpg`)]);
    expect(await store.exists(sha256)).toBe(true);
    expect(await store.exists(sha256, 'jpg')).toBe(true);
    expect(await store.exists(sha256, 'png')).toBe(false);
    expect(await store.get(sha256)).toEqual(data);
    expect(await store.get(sha256, 'jpg')).toEqual(data);
    expect(await store.get(sha256, 'png')).toBeNull();
    expect(await store.locate(sha256)).toBe(file);
  });

  it('accepts Uint8Array input and an extension with a dot', async () => {
    const store = new BlobStore(root);
    const data = new Uint8Array([1, 2, 3, 4]);
    const { path: file } = await store.put(data, '.PNG');
    expect(file.endsWith('.png')).toBe(true);
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(data);
  });

  it('leaves an existing identical blob in place (idempotent put), touching it as in use', async () => {
    const store = new BlobStore(root);
    const data = Buffer.from('same bytes');
    const first = await store.put(data, 'png');
    const statBefore = fs.statSync(first.path);
    await new Promise((r) => setTimeout(r, 20));
    const second = await store.put(Buffer.from('same bytes'), 'png');
    expect(second).toEqual({ ...first, created: false });
    const statAfter = fs.statSync(first.path);
    expect(statAfter.ino).toBe(statBefore.ino);
    expect(statAfter.size).toBe(statBefore.size);
    // Its mtime says when it was last stored: the sweep leaves recently stored blobs alone.
    expect(statAfter.mtimeMs).toBeGreaterThan(statBefore.mtimeMs);
    expect(listFiles()).toHaveLength(1);
  });

  it('survives many concurrent puts of the same bytes: one complete file, no temp files', async () => {
    const store = new BlobStore(root);
    const data = Buffer.alloc(256 * 1024, 7);
    const results = await Promise.all(Array.from({ length: 12 }, () => store.put(data, 'jpg')));
    expect(new Set(results.map((r) => r.path)).size).toBe(1);
    expect(listFiles()).toHaveLength(1);
    expect(fs.readFileSync(results[0].path).equals(data)).toBe(true);
  });

  it('writes atomically: the final name appears only with the whole content, via a temp file in the same directory', async () => {
    const data = Buffer.alloc(1024 * 1024, 0xab);
    const expectedFinal = path.join(root, sha(data).slice(0, 2), `${sha(data)}.bin`);
    let seen: { from: string; tempSize: number; finalExisted: boolean } | undefined;
    const store = new BlobStore(root, {
      fs: {
        rename: (async (from: fs.PathLike, to: fs.PathLike) => {
          seen = { from: String(from), tempSize: fs.statSync(from).size, finalExisted: fs.existsSync(to) };
          expect(String(to)).toBe(expectedFinal);
          return fsp.rename(from, to);
        }) as BlobStoreFs['rename'],
      },
    });
    await store.put(data, 'bin');
    expect(seen).toBeDefined();
    expect(path.dirname(seen!.from)).toBe(path.dirname(expectedFinal));
    expect(seen!.tempSize).toBe(data.length);
    expect(seen!.finalExisted).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it('leaves no temp file (and no blob) when the rename fails', async () => {
    const store = new BlobStore(root, {
      fs: {
        rename: (async () => {
          throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
        }) as BlobStoreFs['rename'],
      },
    });
    const data = Buffer.from('doomed');
    await expect(store.put(data, 'jpg')).rejects.toThrow(/simulated/);
    expect(listFiles()).toEqual([]);
    expect(await store.exists(sha(data))).toBe(false);
  });

  it('leaves no temp file when the write itself fails half-way (disk full)', async () => {
    const store = new BlobStore(root, {
      fs: {
        open: (async (...args: Parameters<typeof fsp.open>) => {
          const handle = await fsp.open(...args);
          // Write part of the data, then fail like a full disk.
          return new Proxy(handle, {
            get(target, prop, receiver) {
              if (prop === 'writeFile') {
                return async (data: Uint8Array) => {
                  await target.write(data.subarray(0, data.length >> 1));
                  throw Object.assign(new Error('ENOSPC: simulated'), { code: 'ENOSPC' });
                };
              }
              const value = Reflect.get(target, prop, receiver);
              return typeof value === 'function' ? value.bind(target) : value;
            },
          });
        }) as BlobStoreFs['open'],
      },
    });
    await expect(store.put(Buffer.alloc(10_000, 1), 'jpg')).rejects.toThrow(/ENOSPC/);
    expect(listFiles()).toEqual([]);
  });

  it('leaves no temp file when fsync fails', async () => {
    const store = new BlobStore(root, {
      fs: {
        open: (async (...args: Parameters<typeof fsp.open>) => {
          const handle = await fsp.open(...args);
          handle.sync = async () => {
            throw Object.assign(new Error('EIO: fsync simulated'), { code: 'EIO' });
          };
          return handle;
        }) as BlobStoreFs['open'],
      },
    });
    await expect(store.put(Buffer.from('x'), 'jpg')).rejects.toThrow(/fsync simulated/);
    expect(listFiles()).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('fails cleanly in a read-only directory (skipped as root, which ignores permissions)', async () => {
    const store = new BlobStore(root);
    await fsp.chmod(root, 0o555);
    await expect(store.put(Buffer.from('read-only'), 'jpg')).rejects.toThrow();
    expect(listFiles()).toEqual([]);
  });

  it('rewrites a damaged blob whose size does not match', async () => {
    const store = new BlobStore(root);
    const data = Buffer.from('the real content');
    const file = store.pathFor(sha(data), 'jpg');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'the re'); // cut short outside the store
    const result = await store.put(data, 'jpg');
    expect(result.created).toBe(true);
    expect(fs.readFileSync(file)).toEqual(data);
  });

  it('removes blobs (for roll-backs); removing a missing blob is fine', async () => {
    const store = new BlobStore(root);
    const a = await store.put(Buffer.from('a'), 'jpg');
    const b = await store.put(Buffer.from('b'), 'png');
    expect(await store.remove(a.sha256)).toBe(true);
    expect(await store.exists(a.sha256)).toBe(false);
    expect(await store.get(a.sha256)).toBeNull();
    expect(await store.remove(a.sha256)).toBe(false);
    expect(await store.remove(b.sha256, 'jpg')).toBe(false);
    expect(await store.remove(b.sha256, 'png')).toBe(true);
    expect(listFiles()).toEqual([]);
    // A blob that never existed, in a shard directory that never existed.
    expect(await store.remove('f'.repeat(64))).toBe(false);
    expect(await store.get('f'.repeat(64))).toBeNull();
  });

  it('rejects malformed names, so no path can leave the root', async () => {
    const store = new BlobStore(root);
    const bad = [
      '../../../etc/passwd',
      `../${'a'.repeat(61)}`,
      `${'a'.repeat(62)}/.`,
      'A'.repeat(64), // upper case is not the canonical name
      'a'.repeat(63),
      'a'.repeat(65),
      `${'a'.repeat(63)}g`,
      '',
      `${'a'.repeat(64)}\0`,
    ];
    for (const id of bad) {
      expectBadId(() => store.pathFor(id, 'jpg'));
      await expectBadIdAsync(store.get(id));
      await expectBadIdAsync(store.exists(id));
      await expectBadIdAsync(store.remove(id));
    }
    expect(() => store.pathFor('a'.repeat(64), '../../x')).toThrow(TypeError);
    expect(() => store.pathFor('a'.repeat(64), 'jp/g')).toThrow(TypeError);
    await expect(store.put(Buffer.from('x'), '../evil')).rejects.toThrow(TypeError);
    expect(listFiles()).toEqual([]);
  });

  it('does not echo the bad name in the error message', () => {
    const store = new BlobStore(root);
    try {
      store.pathFor('../../etc/passwd', 'jpg');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('passwd');
    }
  });
});

'use client';

/**
 * A batch of photos on the page: chosen (single photos, a folder, ZIPs unpacked here), stored one
 * by one through POST /api/uploads (each refusal named with its reason, the rest going on), then
 * tagged as one job (POST /api/tags/batch with their ids), followed to the end. One progress
 * counts both: n photos stored, then n tagged. Cancel stops both; the photos whose tagging
 * failed or was stopped can be tagged again.
 */
import { unzipSync } from 'fflate';
import { useCallback, useRef, useState } from 'react';
import type { Tagger } from '@/lib/tags';
import type { BatchProgress } from '@/lib/tags/batch';
import { BATCH_MAX_PHOTOS } from '@/lib/tags/limits';
import { followJob } from '@/app/components/followJob';
import { postJson, sendJson, type Failure } from '@/app/components/postJson';

const STORING_AT_ONCE = 3;
const PHOTO_NAME = /\.(jpe?g|png|webp|gif|avif)$/i;

export type ItemStatus = 'waiting' | 'storing' | 'stored' | 'tagged' | 'failed' | 'refused';

export interface BatchItem {
  key: number;
  name: string;
  file: File | null;
  uploadId: string | null;
  url: string | null;
  status: ItemStatus;
  tags: { word: string; probability: number }[];
  error: Failure | null;
}

export type BatchPhase = 'idle' | 'storing' | 'tagging' | 'done' | 'cancelled';

let nextKey = 0;
const item = (name: string, file: File | null, error: Failure | null = null): BatchItem => ({
  key: nextKey++,
  name,
  file,
  uploadId: null,
  url: null,
  status: error ? 'refused' : 'waiting',
  tags: [],
  error,
});

/** The photos a chosen file stands for: itself, or a ZIP's photos (its other files refused by name). */
async function expand(file: File): Promise<BatchItem[]> {
  if (!/\.zip$/i.test(file.name) && file.type !== 'application/zip') return [item(file.name, file)];
  try {
    const entries = unzipSync(new Uint8Array(await file.arrayBuffer()), { filter: (entry) => !entry.name.endsWith('/') && !entry.name.startsWith('__MACOSX/') });
    return Object.entries(entries).flatMap(([path, bytes]) => {
      const name = path.split('/').pop() ?? path;
      if (name.startsWith('.')) return [];
      if (!PHOTO_NAME.test(name)) return [item(name, null, { code: 'UNSUPPORTED_FORMAT', message: 'Not a photo (JPEG, PNG, WebP, GIF or AVIF).' })];
      return [item(name, new File([bytes as BlobPart], name))];
    });
  } catch {
    return [item(file.name, null, { code: 'CORRUPT_ARCHIVE', message: 'This ZIP could not be read (damaged, encrypted or cut off).' })];
  }
}

export function useBatch() {
  const [items, setItems] = useState<BatchItem[]>([]);
  const [phase, setPhase] = useState<BatchPhase>('idle');
  const [done, setDone] = useState(0);
  const [total, setTotal] = useState(0);
  const [failure, setFailure] = useState<Failure | null>(null);
  const stop = useRef<{ abort: AbortController; jobId: string | null } | null>(null);
  const update = useCallback((key: number, change: Partial<BatchItem>) => setItems((all) => all.map((it) => (it.key === key ? { ...it, ...change } : it))), []);

  const add = useCallback(async (files: File[]) => {
    const expanded = (await Promise.all(files.map(expand))).flat();
    setItems((all) => {
      const room = BATCH_MAX_PHOTOS - all.filter((it) => it.status !== 'refused').length;
      let taken = 0;
      const next = expanded.map((it) =>
        it.status === 'refused' || taken++ < room ? it : { ...it, file: null, status: 'refused' as const, error: { code: 'BATCH_TOO_LARGE', message: `A batch takes at most ${BATCH_MAX_PHOTOS} photos.` } },
      );
      return [...all, ...next];
    });
  }, []);

  const clear = useCallback(() => {
    setItems([]);
    setPhase('idle');
    setDone(0);
    setTotal(0);
    setFailure(null);
  }, []);

  /** Tags the stored photos `ids` (of `tagging` items) as one job and follows it; resolves when it ends. */
  const tag = useCallback(
    (ids: string[], model: Tagger['id'] | undefined, already: number) =>
      new Promise<void>((resolve) => {
        setPhase('tagging');
        postJson<{ job: { id: string } }>('/api/tags/batch', { uploadIds: ids, model }, 'The photos could not be tagged. Please try again.').then(
          ({ job }) => {
            if (stop.current) stop.current.jobId = job.id;
            const onStep = (step: number, preview: BatchProgress | undefined) => {
              setDone(already + step);
              if (!preview) return;
              const { photo } = preview;
              setItems((all) => all.map((it) => (it.uploadId === photo.uploadId ? { ...it, status: photo.status, tags: photo.tags, error: photo.error } : it)));
            };
            followJob<BatchProgress, unknown>(job.id, {
              onProgress: (event) => event.progress && onStep(event.progress.step, event.progress.preview),
              onEnd: (event) => {
                setPhase(event.status === 'cancelled' ? 'cancelled' : 'done');
                if (event.status === 'failed' && event.error) setFailure(event.error);
                resolve();
              },
              onLost: () => {
                setFailure({ code: 'NETWORK', message: 'The connection to the server was lost; the photos tagged so far are kept. Tag the rest again.' });
                setPhase('done');
                resolve();
              },
            });
          },
          (error: Failure) => {
            setFailure(error);
            setPhase('done');
            resolve();
          },
        );
      }),
    [],
  );

  const start = useCallback(
    async (model: Tagger['id'] | undefined) => {
      const waiting = items.filter((it) => it.status === 'waiting' && it.file);
      if (waiting.length === 0) return;
      const abort = new AbortController();
      stop.current = { abort, jobId: null };
      setFailure(null);
      setPhase('storing');
      setDone(0);
      setTotal(2 * waiting.length);
      let stored = 0;
      const ids: string[] = [];
      const queue = [...waiting];
      const lane = async () => {
        for (let next = queue.shift(); next && !abort.signal.aborted; next = queue.shift()) {
          update(next.key, { status: 'storing' });
          const form = new FormData();
          form.append('file', next.file!);
          try {
            const response = await fetch('/api/uploads', { method: 'POST', body: form, signal: abort.signal });
            const answer = await response.json().catch(() => null);
            if (!response.ok) update(next.key, { status: 'refused', error: answer?.error ?? { code: `HTTP_${response.status}`, message: 'The photo could not be stored.' } });
            else {
              ids.push(answer.id);
              update(next.key, { status: 'stored', uploadId: answer.id, url: answer.url, file: null });
            }
          } catch {
            update(next.key, abort.signal.aborted ? { status: 'waiting' } : { status: 'refused', error: { code: 'NETWORK', message: 'The connection was lost while sending this photo.' } });
          }
          setDone(++stored);
        }
      };
      await Promise.all(Array.from({ length: STORING_AT_ONCE }, lane));
      if (abort.signal.aborted) return setPhase('cancelled');
      // What could not be stored is not tagged: the bar counts what is left.
      setTotal(waiting.length + ids.length);
      if (ids.length === 0) return setPhase('done');
      await tag(ids, model, waiting.length);
    },
    [items, tag, update],
  );

  /** Tags again the stored photos whose tagging failed or was stopped. */
  const retry = useCallback(
    async (model: Tagger['id'] | undefined) => {
      const ids = items.filter((it) => (it.status === 'failed' || it.status === 'stored') && it.uploadId).map((it) => it.uploadId!);
      if (ids.length === 0) return;
      stop.current = { abort: new AbortController(), jobId: null };
      setFailure(null);
      setDone(0);
      setTotal(ids.length);
      await tag(ids, model, 0);
    },
    [items, tag],
  );

  const cancel = useCallback(() => {
    const current = stop.current;
    if (!current) return;
    current.abort.abort();
    if (current.jobId) void sendJson('DELETE', `/api/jobs/${current.jobId}`, undefined, 'The batch could not be stopped.').catch(() => undefined);
  }, []);

  return { items, phase, done, total, failure, add, clear, start, retry, cancel, busy: phase === 'storing' || phase === 'tagging' };
}

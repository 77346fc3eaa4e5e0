/**
 * Recovery: what a crash (kill -9, power loss, an out-of-memory kill) leaves behind is put right at
 * start-up, and then every RECOVERY_INTERVAL_MS.
 *
 * - Generations a dead process left `running` end `failed` with the reason (INTERRUPTED). With
 *   SQLite the app is one process, so at start-up every row started before it is such a row; with
 *   PostgreSQL several instances may share the database, so only rows older than the longest a
 *   generation can take (the longest model deadline, plus a minute to store what it made) are.
 * - Stored images no row references (a request that failed or crashed after storing its file) are
 *   removed once nobody has stored them for the grace period (`BlobStore.sweep`): a file another
 *   live process is still writing, or a request is about to record, is never touched. Temporary
 *   files of writes cut short by a crash go the same way.
 * - Stored photos lacking a row of the current version of an upload feature model (stored before
 *   that model or checkpoint, or whose request failed at upload) are re-featured in the background
 *   (`lib/uploads/refeature.ts`); a pass that is still running is not started again.
 */
import { getDb, type Db } from '@/lib/db';
import type { ErrorCode } from '@/lib/errors';
import { databaseKind } from '@/lib/db/adapter';
import { env } from '@/lib/env';
import { GenerationService } from '@/lib/generations';
import { MODELS } from '@/lib/model-server/registry';
import { getBlobStore, type BlobStore, type SweepResult } from '@/lib/storage';
import { getRefeaturing } from '@/lib/uploads/refeature';

export const INTERRUPTED: { code: ErrorCode; message: string } = {
  code: 'INTERRUPTED',
  message: 'The server stopped while this was being made (it was restarted or it crashed), so it was not finished. Make it again: the same seed gives the same result.',
};

export interface RecoveryOptions {
  /** When this process started: rows it did not start are the dead process's. */
  startedAt: Date;
  /** One process per database (SQLite): every row still running at start-up was left by a dead one. */
  singleProcess: boolean;
  /** Longest a generation can legitimately run. */
  generationDeadlineMs: number;
  /** How long an unreferenced image is left alone after it was last stored. */
  blobGraceMs: number;
}

export interface RecoveryReport {
  /** Generations ended as interrupted. */
  interrupted: number;
  blobs: SweepResult;
}

export class Recovery {
  private first = true;
  private readonly generations: GenerationService;

  constructor(
    private readonly options: RecoveryOptions,
    private readonly db: Db = getDb(),
    private readonly blobs: BlobStore = getBlobStore(),
  ) {
    this.generations = new GenerationService(db, blobs);
  }

  /** One pass: at start-up (the first call), then periodically. */
  async run(now = new Date()): Promise<RecoveryReport> {
    const interrupted = await this.endInterrupted(now);
    const blobs = await this.sweepBlobs(now);
    this.first = false;
    return { interrupted, blobs };
  }

  /** Ends rows left `running` (or `queued`) by a process that is gone. */
  async endInterrupted(now = new Date()): Promise<number> {
    const overdue = new Date(now.getTime() - this.options.generationDeadlineMs);
    const cutoff = this.first && this.options.singleProcess ? this.options.startedAt : overdue;
    return this.generations.endAbandoned(cutoff, INTERRUPTED, now);
  }

  /** Removes stored images no row references, unused for the grace period. */
  async sweepBlobs(now = new Date()): Promise<SweepResult> {
    const referenced = await referencedBlobs(this.db, this.generations);
    return this.blobs.sweep((sha256) => referenced.has(sha256), { graceMs: this.options.blobGraceMs, now: now.getTime() });
  }
}

/** Every blob a row refers to: uploads' photos and generations' images. */
export async function referencedBlobs(db: Db, generations = new GenerationService(db)): Promise<Set<string>> {
  const referenced = new Set<string>();
  for (const { sha256 } of await db.upload.findMany({ select: { sha256: true } })) referenced.add(sha256);
  return generations.referencedBlobs(referenced);
}

/** The longest a generation can take: the longest model deadline, and a minute to store its images. */
export function generationDeadlineMs(): number {
  return Math.max(env.MODEL_TIMEOUT_MS, ...MODELS.map((model) => model.timeoutMs ?? 0)) + 60_000;
}

const holder = globalThis as typeof globalThis & { __latentStudioRecovery?: NodeJS.Timeout };

/** Runs recovery now and then every RECOVERY_INTERVAL_MS (once per process). */
export function startRecovery(): void {
  if (holder.__latentStudioRecovery) return;
  const deadline = generationDeadlineMs();
  const recovery = new Recovery({
    startedAt: new Date(),
    singleProcess: databaseKind(env.DATABASE_URL) === 'sqlite',
    generationDeadlineMs: deadline,
    blobGraceMs: env.BLOB_SWEEP_GRACE_MS ?? Math.max(10 * 60_000, 2 * deadline),
  });
  let running = false;
  const pass = async () => {
    if (running) return;
    running = true;
    try {
      const report = await recovery.run();
      if (report.interrupted > 0 || report.blobs.removed.length > 0 || report.blobs.temporary > 0) {
        console.log(
          `[recovery] ${report.interrupted} interrupted generation(s) ended as failed; ` +
            `${report.blobs.removed.length} unreferenced image(s) and ${report.blobs.temporary} unfinished write(s) removed`,
        );
      }
    } catch (error) {
      console.error('[recovery] failed:', error);
    } finally {
      running = false;
    }
    // Long (minutes for thousands of photos) and paced, so it runs beside recovery, not inside it.
    void getRefeaturing().start();
  };
  void pass();
  holder.__latentStudioRecovery = setInterval(pass, env.RECOVERY_INTERVAL_MS);
  holder.__latentStudioRecovery.unref();
}

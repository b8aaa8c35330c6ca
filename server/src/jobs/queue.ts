/**
 * The ledger of background work: one row per file of a run in the plugin's own table
 * (content-types/job.ts), whichever engine delivers it; progress, failures and cancellation
 * are read and written here. The database engine also claims rows from it: a claim is one
 * conditional UPDATE (`state = queued`), so two processes never take the same row; a claim
 * holds a lease, and a lease that runs out (its process was killed) puts the row back in the
 * queue. The BullMQ engine marks the rows of the file it was handed (`activate`).
 */
import type { Core } from '@strapi/strapi';
import { UIDS } from '../content-types';
import type { JobState } from '../content-types/job';

export interface Job {
  id: number;
  run: number;
  file: number;
  state: JobState;
  attempts: number;
}

/** The states a job ends in. */
export type FinalJobState = Extract<JobState, 'done' | 'failed' | 'skipped'>;

/** Rows are written in chunks, so one backfill of a large library is not one huge INSERT. */
const INSERT_CHUNK = 500;
/** Other processes may win a race for the same row; after this many lost races the claim waits for the next poll. */
const CLAIM_TRIES = 5;

export function jobQueue(strapi: Core.Strapi, { instance, leaseMs }: { instance: string; leaseMs: number }) {
  const jobs = () => strapi.db.query(UIDS.job);
  let expiredCheckedAt = 0;
  let claiming: Promise<unknown> = Promise.resolve();

  const claimNow = async (runs: readonly number[], limit: number): Promise<Job[]> => {
    if (runs.length === 0) return [];
    // Leases run out in minutes: looking for them a few times per lease is enough, and saves
    // an UPDATE per job.
    if (Date.now() - expiredCheckedAt > leaseMs / 4) {
      expiredCheckedAt = Date.now();
      await jobs().updateMany({
        where: { state: 'active', lockedUntil: { $lt: new Date() } },
        data: { state: 'queued', lockedBy: null, lockedUntil: null },
      });
    }
    for (let attempt = 0; attempt < CLAIM_TRIES; attempt++) {
      const candidates = (await jobs().findMany({
        where: { state: 'queued', run: { $in: [...runs] } },
        orderBy: { id: 'asc' },
        limit,
        select: ['id', 'run', 'file', 'state', 'attempts'],
      })) as Job[];
      if (candidates.length === 0) return [];
      // One conditional UPDATE per attempt count (nearly always one): another process may win
      // some of the rows, never the same row.
      const byAttempts = new Map<number, number[]>();
      for (const job of candidates) byAttempts.set(job.attempts, [...(byAttempts.get(job.attempts) ?? []), job.id]);
      const lockedUntil = new Date(Date.now() + leaseMs);
      let won = 0;
      for (const [attempts, ids] of byAttempts) {
        const { count } = await jobs().updateMany({
          where: { id: { $in: ids }, state: 'queued' },
          data: { state: 'active', lockedBy: instance, lockedUntil, attempts: attempts + 1 },
        });
        won += count;
      }
      if (won === candidates.length) {
        return candidates.map((job) => ({ ...job, state: 'active', attempts: job.attempts + 1 }));
      }
      if (won > 0) {
        return (await jobs().findMany({
          where: { id: { $in: candidates.map((job) => job.id) }, lockedBy: instance, state: 'active' },
          orderBy: { id: 'asc' },
          select: ['id', 'run', 'file', 'state', 'attempts'],
        })) as Job[];
      }
    }
    return [];
  };

  return {
    async enqueue(run: number, files: readonly number[]): Promise<void> {
      for (let start = 0; start < files.length; start += INSERT_CHUNK) {
        await jobs().createMany({
          data: files.slice(start, start + INSERT_CHUNK).map((file) => ({ run, file, state: 'queued', attempts: 0 })),
        });
      }
    },

    /**
     * Up to `limit` of the oldest queued jobs of these runs, now this process's (none when there
     * is none). One claim at a time per process: a row this process just took is active before
     * its next claim looks, so the re-read below finds only rows won by this claim.
     */
    claim(runs: readonly number[], limit: number): Promise<Job[]> {
      const claimed = claiming.then(() => claimNow(runs, limit));
      claiming = claimed.catch(() => undefined);
      return claimed;
    },

    /** Extends the lease of jobs this process is still working on, so a slow one is not taken over. */
    async renew(ids: readonly number[]): Promise<void> {
      await jobs().updateMany({
        where: { id: { $in: [...ids] }, lockedBy: instance, state: 'active' },
        data: { lockedUntil: new Date(Date.now() + leaseMs) },
      });
    },

    /** Ends jobs this process holds; a job whose lease was taken over meanwhile is left to its new holder. */
    async finish(ids: readonly number[], state: FinalJobState, outcome?: string): Promise<void> {
      await jobs().updateMany({
        where: { id: { $in: [...ids] }, lockedBy: instance, state: 'active' },
        // lockedBy stays: which process worked the job.
        data: { state, outcome: outcome ?? null, finishedAt: new Date(), lockedUntil: null },
      });
    },

    /**
     * The jobs of these files not yet ended, in any run, oldest first (the BullMQ engine is
     * handed files, not rows; the stranded-uploads sweep looks at a page of files).
     */
    async unfinishedOf(files: readonly number[]): Promise<Job[]> {
      if (files.length === 0) return [];
      return (await jobs().findMany({
        where: { file: { $in: [...files] }, state: { $in: ['queued', 'active'] } },
        orderBy: { id: 'asc' },
        select: ['id', 'run', 'file', 'state', 'attempts'],
      })) as Job[];
    },

    /** These jobs are now this process's (BullMQ holds the lock; no lease here). */
    async activate(ids: readonly number[], attempts: number): Promise<void> {
      await jobs().updateMany({
        where: { id: { $in: [...ids] }, state: { $in: ['queued', 'active'] } },
        data: { state: 'active', lockedBy: instance, lockedUntil: null, attempts },
      });
    },

    /** The active jobs of a file end failed, whoever held them (BullMQ gave up on the file's job). */
    async failActive(file: number, outcome: string): Promise<void> {
      await jobs().updateMany({
        where: { file, state: 'active' },
        data: { state: 'failed', outcome, finishedAt: new Date(), lockedUntil: null },
      });
    },

    /**
     * Claimed jobs handed back unworked because their backfill stopped meanwhile: queued again
     * (paused: a resume finds them) or cancelled with it.
     */
    async handBack(ids: readonly number[], state: 'queued' | 'cancelled'): Promise<void> {
      await jobs().updateMany({
        where: { id: { $in: [...ids] }, lockedBy: instance, state: 'active' },
        data: { state, lockedUntil: null, ...(state === 'cancelled' ? { finishedAt: new Date() } : {}) },
      });
    },

    /** Jobs handed back unworked (a vendor asked to retry later). */
    async release(ids: readonly number[]): Promise<void> {
      await jobs().updateMany({
        where: { id: { $in: [...ids] }, lockedBy: instance, state: 'active' },
        data: { state: 'queued' },
      });
    },

    /** The files of a run not yet ended, oldest first, a page after `after` (a job id). */
    async unfinishedFiles(run: number, after: number, limit: number): Promise<Array<{ id: number; file: number }>> {
      return (await jobs().findMany({
        where: { run, state: { $in: ['queued', 'active'] }, id: { $gt: after } },
        orderBy: { id: 'asc' },
        limit,
        select: ['id', 'file'],
      })) as Array<{ id: number; file: number }>;
    },

    /** Queued jobs of a run are cancelled; the one being worked finishes. */
    async cancel(run: number): Promise<void> {
      await jobs().updateMany({
        where: { run, state: 'queued' },
        data: { state: 'cancelled', finishedAt: new Date() },
      });
    },

    async count(run: number, state: JobState): Promise<number> {
      return jobs().count({ where: { run, state } });
    },

    /** Jobs of a run that ended since `since` (for the rate). */
    async finishedSince(run: number, since: Date): Promise<number> {
      return jobs().count({
        where: { run, state: { $in: ['done', 'failed', 'skipped'] }, finishedAt: { $gte: since } },
      });
    },

    async failures(run: number, limit: number): Promise<Array<{ file: number; outcome: string | null }>> {
      return (await jobs().findMany({
        where: { run, state: 'failed' },
        orderBy: { id: 'asc' },
        limit,
        select: ['file', 'outcome'],
      })) as Array<{ file: number; outcome: string | null }>;
    },
  };
}

export type JobQueue = ReturnType<typeof jobQueue>;

/**
 * The default engine: no service beyond the database. `concurrency` loops in every process
 * claim ledger rows (jobs/queue.ts `claim`) a batch at a time, and wait `pollMs` when there was
 * none. A batch's leases are renewed while it runs; a killed process's rows come back when
 * theirs runs out. Its jobs' writes are committed together (commitJobs): on SQLite a commit is a
 * disk sync, which cost more than the scoring of a small image when each file had three.
 */
import {
  commitJobs,
  RetryLaterError,
  type EngineOptions,
  type FinishJob,
  type JobEngine,
  type WorkedJob,
} from './engine';
import type { Job } from './queue';
import { UPLOADS_RUN } from './upload-job';
import { startWorkers, type Workers } from './worker';

/** Jobs claimed at once by one loop. */
const BATCH = 8;
/** A batch's finished jobs are committed at the latest this long after the first of them, so progress never stalls on a slow vendor. */
const COMMIT_EVERY_MS = 1_000;

export function databaseEngine(options: EngineOptions): JobEngine {
  const { ledger, leaseMs, runningBackfills, onError } = options;
  let workers: Workers | undefined;

  /** One batch of jobs, if there is one; true when a job was worked. */
  const workBatch = async (): Promise<boolean> => {
    const backfills = await runningBackfills();
    const jobs = await ledger.claim([UPLOADS_RUN, ...backfills], BATCH);
    if (jobs.length === 0) {
      // A backfill is closed once a worker finds nothing left of it, not after every job.
      await options.closeFinishedRuns(backfills);
      return false;
    }
    const held = new Set(jobs.map((job) => job.id));
    const renewal = setInterval(() => ledger.renew([...held]).catch(onError), leaseMs / 3);
    let worked: WorkedJob[] = [];
    let since = 0;
    const commit = async () => {
      await commitJobs({ end: ledger.finish, transaction: options.transaction }, worked);
      for (const { ids } of worked) ids.forEach((id) => held.delete(id));
      worked = [];
    };
    // Each job's file is read and decoded while the one before it is scored (engine.ts StartJob).
    const started = new Map<number, Promise<FinishJob>>();
    const start = (job: Job): Promise<FinishJob> => {
      let starting = started.get(job.id);
      if (!starting) {
        starting = options.startJob(job);
        // A job handed back unworked drops its read; its failure is not unhandled.
        starting.catch(() => undefined);
        started.set(job.id, starting);
      }
      return starting;
    };
    try {
      for (const [index, job] of jobs.entries()) {
        // Handed back already, with an earlier job of its backfill.
        if (!held.has(job.id)) continue;
        // Paused or cancelled since the claim (another process may have said so): the jobs of
        // the batch not yet started go back, and only the one in hand finishes, as before batches.
        if (job.run !== UPLOADS_RUN && !(await runningBackfills()).includes(job.run)) {
          const unstarted = jobs.slice(index).flatMap((other) => (other.run === job.run ? [other.id] : []));
          await options.handBack(job.run, unstarted);
          unstarted.forEach((id) => held.delete(id));
          continue;
        }
        if (worked.length === 0) since = Date.now();
        const starting = start(job);
        if (index + 1 < jobs.length) void start(jobs[index + 1]);
        const finish = await starting;
        started.delete(job.id);
        worked.push({ ids: [job.id], result: await finish() });
        if (Date.now() - since >= COMMIT_EVERY_MS) await commit();
      }
      await commit();
    } catch (error) {
      // A vendor asked to wait: what was worked is kept, the rest goes back to the queue.
      if (!(error instanceof RetryLaterError)) throw error;
      await commit();
      await ledger.release([...held]);
      throw error;
    } finally {
      clearInterval(renewal);
    }
    return true;
  };

  return {
    queued: async () => workers?.nudge(),
    runChanged: async () => workers?.nudge(),
    start() {
      workers ??= startWorkers({ concurrency: options.concurrency, pollMs: options.pollMs, work: workBatch, onError });
    },
    async stop() {
      await workers?.stop();
      workers = undefined;
    },
  };
}

/**
 * Background work: the ledger of jobs (jobs/queue.ts) and the engine that delivers them to this
 * process's workers, shared by backfills (one run each) and, in async mode, uploads waiting for
 * their score (UPLOADS_RUN). The engine is BullMQ when Redis is configured (`queue`), database
 * rows otherwise; nothing else depends on which.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Core } from '@strapi/strapi';
import { pluginConfig } from '../config';
import { UIDS } from '../content-types';
import { getService } from '../get-service';
import { bullmqEngine } from '../jobs/bullmq-engine';
import { databaseEngine } from '../jobs/database-engine';
import { RetryLaterError, type JobEngine, type JobResult, type StartJob } from '../jobs/engine';
import { jobQueue } from '../jobs/queue';
import { requeueStrandedUploads } from '../jobs/stranded-uploads';
import { startUploadJob, UPLOADS_RUN } from '../jobs/upload-job';

export type { JobResult } from '../jobs/engine';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = pluginConfig(strapi);
  const instance = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const ledger = jobQueue(strapi, { instance, leaseMs: config.jobs.leaseMs });
  const backfill = () => getService(strapi, 'backfill');

  // Which backfills are running, re-read at most once per poll interval (and at once after this
  // process started, paused or resumed one), so a busy worker does not ask for every file.
  let running: { ids: number[]; readAt: number } = { ids: [], readAt: 0 };
  const runningBackfills = async (fresh = false): Promise<number[]> => {
    if (fresh || Date.now() - running.readAt >= config.jobs.pollMs) {
      const rows = (await strapi.db
        .query(UIDS.backfill)
        .findMany({ where: { state: 'running' }, select: ['id'] })) as Array<{ id: number }>;
      running = { ids: rows.map((run) => run.id), readAt: Date.now() };
    }
    return running.ids;
  };

  const failed = (error: unknown): JobResult => {
    // The engine hands the job back to its queue: it is not a failure of the file.
    if (error instanceof RetryLaterError) throw error;
    return { state: 'failed', outcome: messageOf(error) };
  };
  const startJob: StartJob = async (job) => {
    try {
      const finish = job.run === UPLOADS_RUN ? await startUploadJob(strapi, job) : await backfill().startJob(job);
      return () => finish().catch(failed);
    } catch (error) {
      return async () => failed(error);
    }
  };

  const shared = {
    ledger,
    transaction: async <T>(work: () => Promise<T>): Promise<T> => await strapi.db.transaction(work),
    concurrency: config.jobs.concurrency,
    pollMs: config.jobs.pollMs,
    leaseMs: config.jobs.leaseMs,
    startJob,
    runningBackfills,
    handBack: async (run: number, ids: readonly number[]) => {
      const row = (await strapi.db.query(UIDS.backfill).findOne({ where: { id: run }, select: ['state'] })) as {
        state: string;
      } | null;
      await ledger.handBack(ids, row?.state === 'cancelled' ? 'cancelled' : 'queued');
    },
    closeFinishedRuns: async (runs: readonly number[]) => {
      await Promise.all(runs.map((run) => backfill().closeIfFinished(run)));
    },
    onError: (error: unknown) => strapi.log.error(`[photo-score] background job: ${messageOf(error)}`),
  };
  const engine: JobEngine = config.queue
    ? bullmqEngine({ ...shared, strapi, queue: config.queue })
    : databaseEngine(shared);

  // Async uploads stored by a process that died before queueing their job (jobs/stranded-uploads.ts).
  let sweeper: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | undefined;
  const sweep = () => {
    sweeping ??= requeueStrandedUploads(strapi, { ledger, engine, olderThanMs: config.jobs.leaseMs })
      .then((files) => {
        if (files.length > 0)
          strapi.log.warn(
            `[photo-score] ${files.length} pending upload(s) had no job (a process stopped before queueing it): queued again`,
          );
      })
      .catch(shared.onError)
      .finally(() => (sweeping = undefined));
  };

  // Deliveries that waited for an upload's answer: stop() waits for those under way (a BullMQ
  // queue opened after stop would hold its Redis connection open), and later ones are left to
  // the ledger, which the next start queues again.
  let stopped = false;
  const delivering = new Set<Promise<void>>();
  const deliver = (run: number, files: readonly number[]): void => {
    if (stopped) return;
    const delivery: Promise<void> = engine
      .queued(run, files)
      .catch((error: unknown) => void shared.onError(error))
      .finally(() => delivering.delete(delivery));
    delivering.add(delivery);
  };

  return {
    /** The ledger: progress, failures and cancellation of every run. */
    queue: ledger,

    /**
     * New jobs for these files of a run (async uploads; a backfill writes its rows before it
     * runs). `deliverAfter`: the workers hear of them only then (an async upload's answer is
     * sent first); the ledger holds them already, so a restart meanwhile loses none.
     */
    async enqueue(run: number, files: readonly number[], deliverAfter?: Promise<void>): Promise<void> {
      await ledger.enqueue(run, files);
      if (!deliverAfter) return engine.queued(run, files);
      void deliverAfter.then(() => deliver(run, files));
    },

    /** A backfill was started, paused, resumed or cancelled: workers see it at once. */
    async runChanged(run: number): Promise<void> {
      running = { ids: [], readAt: 0 };
      await engine.runChanged(run);
    },

    /** Starts this process's workers (bootstrap); they work every instance's jobs. */
    start() {
      stopped = false;
      engine.start();
      if (sweeper) return;
      sweep();
      sweeper = setInterval(sweep, Math.round(config.jobs.leaseMs / 2));
      sweeper.unref();
    },

    /** Lets the jobs in hand finish (destroy). */
    async stop() {
      stopped = true;
      clearInterval(sweeper);
      sweeper = undefined;
      await sweeping;
      await Promise.all(delivering);
      await engine.stop();
    },
  };
};

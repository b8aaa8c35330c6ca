/**
 * Background work: one durable queue (jobs/queue.ts) and this process's workers, shared by
 * backfills (one run each) and, in async mode, uploads waiting for their score (UPLOADS_RUN).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Core } from '@strapi/strapi';
import { pluginConfig } from '../config';
import { UIDS } from '../content-types';
import { getService } from '../get-service';
import { jobQueue, type FinalJobState, type Job } from '../jobs/queue';
import { scoreUploadJob, UPLOADS_RUN } from '../jobs/upload-job';
import { startWorkers, type Workers } from '../jobs/worker';

export interface JobResult {
  state: FinalJobState;
  outcome?: string;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const instance = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const queue = jobQueue(strapi, { instance, leaseMs: pluginConfig(strapi).jobs.leaseMs });
  let workers: Workers | undefined;

  // Which backfills are running, re-read at most once per poll interval (and at once after a
  // start, pause or resume: nudge), so a busy worker does not ask for every file.
  let running: { ids: number[]; readAt: number } = { ids: [], readAt: 0 };
  const runningBackfills = async (): Promise<number[]> => {
    if (Date.now() - running.readAt >= pluginConfig(strapi).jobs.pollMs) {
      const rows = (await strapi.db
        .query(UIDS.backfill)
        .findMany({ where: { state: 'running' }, select: ['id'] })) as Array<{ id: number }>;
      running = { ids: rows.map((run) => run.id), readAt: Date.now() };
    }
    return running.ids;
  };

  /** One job, if there is one; true when a job was worked. */
  const workOne = async (): Promise<boolean> => {
    const backfills = await runningBackfills();
    const backfill = getService(strapi, 'backfill');
    const job: Job | null = await queue.claim([UPLOADS_RUN, ...backfills]);
    if (!job) {
      await Promise.all(backfills.map((run) => backfill.closeIfFinished(run)));
      return false;
    }
    let result: JobResult;
    try {
      result = job.run === UPLOADS_RUN ? await scoreUploadJob(strapi, job) : await backfill.work(job);
    } catch (error) {
      result = { state: 'failed', outcome: error instanceof Error ? error.message : String(error) };
    }
    await queue.finish(job, result.state, result.outcome);
    // A backfill is closed once a worker finds nothing left of it (above), not after every job.
    return true;
  };

  return {
    queue,

    async enqueue(run: number, files: readonly number[]): Promise<void> {
      await queue.enqueue(run, files);
      workers?.nudge();
    },

    /** Wakes idle workers, and makes them read the running backfills again (one was started, paused or resumed). */
    nudge: () => {
      running = { ids: [], readAt: 0 };
      workers?.nudge();
    },

    /** Starts this process's workers (bootstrap); they work every instance's jobs. */
    start(): void {
      const { concurrency, pollMs } = pluginConfig(strapi).jobs;
      workers ??= startWorkers({
        concurrency,
        pollMs,
        work: workOne,
        onError: (error) =>
          strapi.log.error(`[photo-score] background job: ${error instanceof Error ? error.message : String(error)}`),
      });
    },

    /** Lets the jobs in hand finish (destroy). */
    async stop(): Promise<void> {
      await workers?.stop();
      workers = undefined;
    },
  };
};

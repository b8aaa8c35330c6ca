/**
 * The default engine: no service beyond the database. `concurrency` loops in every process
 * claim ledger rows (jobs/queue.ts `claim`), and wait `pollMs` when there was none. A job's
 * lease is renewed while it runs; a killed process's rows come back when theirs runs out.
 */
import type { EngineOptions, JobEngine } from './engine';
import { UPLOADS_RUN } from './upload-job';
import { startWorkers, type Workers } from './worker';

export function databaseEngine(options: EngineOptions): JobEngine {
  const { ledger, leaseMs, runJob, runningBackfills, onError } = options;
  let workers: Workers | undefined;

  /** One job, if there is one; true when a job was worked. */
  const workOne = async (): Promise<boolean> => {
    const backfills = await runningBackfills();
    const job = await ledger.claim([UPLOADS_RUN, ...backfills]);
    if (!job) {
      // A backfill is closed once a worker finds nothing left of it, not after every job.
      await options.closeFinishedRuns(backfills);
      return false;
    }
    const renewal = setInterval(() => ledger.renew([job.id]).catch(onError), leaseMs / 3);
    let result;
    try {
      result = await runJob(job);
    } finally {
      clearInterval(renewal);
    }
    await ledger.finish([job.id], result.state, result.outcome);
    return true;
  };

  return {
    queued: async () => workers?.nudge(),
    runChanged: async () => workers?.nudge(),
    start() {
      workers ??= startWorkers({ concurrency: options.concurrency, pollMs: options.pollMs, work: workOne, onError });
    },
    async stop() {
      await workers?.stop();
      workers = undefined;
    },
  };
}

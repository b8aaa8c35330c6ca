/**
 * What carries background jobs from the ledger (jobs/queue.ts: one row per file of a run, the
 * record progress is read from) to this process's workers. Two engines implement it: database
 * rows claimed by polling (jobs/database-engine.ts, the default) and BullMQ on Redis
 * (jobs/bullmq-engine.ts, with `queue.connection`). Backfills and async uploads only see this.
 */
import type { FinalJobState, Job, JobQueue } from './queue';

export interface JobResult {
  state: FinalJobState;
  outcome?: string;
}

/** Scores one job's file and says how it ended (services/jobs.ts routes it to the backfill or the upload job). */
export type RunJob = (job: Job) => Promise<JobResult>;

/** What both engines are built from (services/jobs.ts). */
export interface EngineOptions {
  ledger: JobQueue;
  /** Jobs worked at once by this process. */
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  runJob: RunJob;
  /** The backfills in state `running`, read again at most once per `pollMs` unless `fresh`. */
  runningBackfills: (fresh?: boolean) => Promise<number[]>;
  /** Marks done those of these runs with nothing left. */
  closeFinishedRuns: (runs: readonly number[]) => Promise<void>;
  onError: (error: unknown) => void;
}

export interface JobEngine {
  /** Rows were just written to the ledger for these files of a run: deliver them. */
  queued(run: number, files: readonly number[]): Promise<void>;
  /** A backfill was started, paused, resumed or cancelled. */
  runChanged(run: number): Promise<void>;
  /** Starts this process's workers (bootstrap). */
  start(): void;
  /** Lets the jobs in hand finish and closes connections (destroy). */
  stop(): Promise<void>;
}

/**
 * A vendor answered 429: the job goes back to its queue unscored, and the queue pauses that
 * long for every process, instead of this worker sleeping on it.
 */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';

  constructor(
    readonly vendor: string,
    readonly retryAfterMs: number,
  ) {
    super(`${vendor} asked to retry in ${retryAfterMs} ms`);
  }
}

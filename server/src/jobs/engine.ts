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
  /**
   * The job's writes (the verdict through the upload service, a decision, a deletion). The engine
   * makes them in one transaction with the job's end in the ledger, so a job is never half
   * recorded; the database engine commits several jobs' at once (one disk sync, not three per file).
   */
  save?: () => Promise<unknown>;
}

/** Scores one job's file and says how it ended, writing nothing yet (services/jobs.ts routes it to the backfill or the upload job). */
export type RunJob = (job: Job) => Promise<JobResult>;

/** What both engines are built from (services/jobs.ts). */
export interface EngineOptions {
  ledger: JobQueue;
  /** Jobs worked at once by this process. */
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  runJob: RunJob;
  /** Runs `work` in one database transaction (Strapi's: every query inside joins it). */
  transaction: <T>(work: () => Promise<T>) => Promise<T>;
  /** The backfills in state `running`, read again at most once per `pollMs` unless `fresh`. */
  runningBackfills: (fresh?: boolean) => Promise<number[]>;
  /** Marks done those of these runs with nothing left. */
  closeFinishedRuns: (runs: readonly number[]) => Promise<void>;
  onError: (error: unknown) => void;
}

/** A worked job: its ledger rows (a file may have rows in several runs) and how it ended. */
export interface WorkedJob {
  ids: readonly number[];
  result: JobResult;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Makes worked jobs' writes and ends their rows (`end`: the engine's way), in one transaction. When one job's writes
 * fail (its file was deleted meanwhile, say), the others must not be undone with it: each is
 * then committed on its own, and the one that fails again ends `failed`, saying why.
 */
export async function commitJobs(
  { end, transaction }: Pick<EngineOptions, 'transaction'> & { end: JobQueue['finish'] },
  worked: readonly WorkedJob[],
): Promise<void> {
  const inOne = (jobs: readonly WorkedJob[]) =>
    transaction(async () => {
      for (const { result } of jobs) await result.save?.();
      const ends = new Map<string, { ids: number[]; result: JobResult }>();
      for (const { ids, result } of jobs) {
        const key = `${result.state}\u0000${result.outcome ?? ''}`;
        const end = ends.get(key) ?? { ids: [], result };
        end.ids.push(...ids);
        ends.set(key, end);
      }
      for (const { ids, result } of ends.values()) await end(ids, result.state, result.outcome);
    });
  if (worked.length === 0) return;
  try {
    await inOne(worked);
    return;
  } catch (error) {
    if (worked.length === 1) {
      await end(worked[0].ids, 'failed', `the verdict could not be saved: ${messageOf(error)}`);
      return;
    }
  }
  for (const job of worked) await commitJobs({ end, transaction }, [job]);
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

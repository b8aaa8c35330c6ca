/**
 * What carries background jobs from the ledger (jobs/queue.ts: one row per file of a run, the
 * record progress is read from) to this process's workers. Two engines implement it: database
 * rows claimed by polling (jobs/database-engine.ts, the default) and BullMQ on Redis
 * (jobs/bullmq-engine.ts, with `queue.connection`). Backfills and async uploads only see this.
 */
import { loadPRetry } from '../vendor-http/retry';
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

/**
 * A job is worked in two steps (services/jobs.ts routes it to the backfill or the upload job):
 * `StartJob` reads its file back and starts decoding it, reads only (nothing scored, billed or
 * written); the `FinishJob` it resolves to scores the file and says how the job ended, writing
 * nothing yet. Two steps, so the database engine reads a worker's next file while one is scored.
 */
export type StartJob = (job: Job) => Promise<FinishJob>;
export type FinishJob = () => Promise<JobResult>;

/** What both engines are built from (services/jobs.ts). */
export interface EngineOptions {
  ledger: JobQueue;
  /** Jobs worked at once by this process. */
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  startJob: StartJob;
  /** Runs `work` in one database transaction (Strapi's: every query inside joins it). */
  transaction: <T>(work: () => Promise<T>) => Promise<T>;
  /** The backfills in state `running`, read again at most once per `pollMs` unless `fresh`. */
  runningBackfills: (fresh?: boolean) => Promise<number[]>;
  /** Claimed jobs of a backfill paused or cancelled since: queued again, or cancelled with it. */
  handBack: (run: number, ids: readonly number[]) => Promise<void>;
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

const LOCK_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  '40001',
  '40P01',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
]);

/**
 * Another connection held a lock the commit needed: SQLite's "database is locked" (a deferred
 * transaction that reads first cannot wait for another process's write), a deadlock or a
 * serialization failure on PostgreSQL and MariaDB. The same commit succeeds once it lets go.
 */
export function isLockConflict(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return LOCK_CODES.has(code) || /database is locked|deadlock|could not serialize/i.test(messageOf(error));
}

/** `commit` again after a lock conflict, up to 6 times over ≈ 1.5 s; any other error at once. */
async function retryingLockConflicts(commit: () => Promise<void>): Promise<void> {
  const pRetry = await loadPRetry();
  await pRetry(commit, {
    retries: 6,
    minTimeout: 20,
    factor: 2,
    randomize: true,
    shouldRetry: ({ error }) => isLockConflict(error),
  });
}

/**
 * Ends worked jobs' rows (`end`: the engine's way) and makes their writes, in one transaction,
 * taken again after a lock conflict (isLockConflict). When one job's writes fail (its file was deleted meanwhile, say), the others must not be undone with it: each is
 * then committed on its own, and the one that fails again ends `failed`, saying why.
 */
export async function commitJobs(
  { end, transaction }: Pick<EngineOptions, 'transaction'> & { end: JobQueue['finish'] },
  worked: readonly WorkedJob[],
): Promise<void> {
  const inOne = (jobs: readonly WorkedJob[]) =>
    retryingLockConflicts(() =>
      transaction(async () => {
        // The ledger's write first: a SQLite transaction that has read cannot wait for another
        // process's write lock (it fails at once), one that starts by writing waits its turn.
        const ends = new Map<string, { ids: number[]; result: JobResult }>();
        for (const { ids, result } of jobs) {
          const key = `${result.state}\u0000${result.outcome ?? ''}`;
          const end = ends.get(key) ?? { ids: [], result };
          end.ids.push(...ids);
          ends.set(key, end);
        }
        for (const { ids, result } of ends.values()) await end(ids, result.state, result.outcome);
        for (const { result } of jobs) await result.save?.();
      }),
    );
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

/**
 * The engine when Redis is configured (`queue.connection`): BullMQ carries one job per file to
 * the workers of every Strapi process on the database.
 *
 * - Job ids are built from the file, its stored content (Strapi's storage hash and size: a
 *   replace keeps the hash but stores other bytes) and a fingerprint of the scorer
 *   configuration, so the same work queued twice (a resume, a restart, two processes) is one
 *   job. Finished jobs leave Redis; the ledger keeps the outcome.
 * - Vendors' limits are BullMQ's, held in Redis and so shared by every process: the queue starts
 *   at most `ratePerSecond` jobs per second and runs at most `concurrency` at once, the
 *   tightest of the vendors a job may call. A job's own work before its call (reading,
 *   decoding, the database) takes longer in one job than another, so the calls themselves are
 *   also held to the vendor's window, in Redis, as the vendor counts them (`TAKE_PLACE`). A 429
 *   pauses the queue for its Retry-After (every process waits, no worker sleeps on it), and
 *   the job goes back unscored.
 * - A killed process's jobs lose their lock and BullMQ's stalled-job check gives them to another
 *   worker after about `leaseMs`; a job whose score was already saved is finished without
 *   scoring again (services/backfill.ts `work`, jobs/upload-job.ts).
 * - Pause and cancel are the ledger's: a delivered job whose rows are no longer running is
 *   dropped, and a resume queues the run's remaining rows again.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { Queue, Worker, type ConnectionOptions, type Job as BullJob } from 'bullmq';
import Redis from 'ioredis';
import { FILE_UID } from '../attributes';
import { pluginConfig, type PluginConfig } from '../config';
import { LOCAL_MODEL_VERSION } from '../scorers/local';
import { ENRICHERS, VENDORS, type VendorId } from '../scorers/vendors';
import { verdictVariant } from '../services/vendors';
import type { CommonVendorOptions } from '../vendor-http/define';
import { inQueueJob, type SharedSlot } from '../vendor-http/queue-context';
import { VendorError } from '../vendor-http/errors';
import { sleep } from '../vendor-http/retry';
import { commitJobs, RetryLaterError, type EngineOptions, type JobEngine } from './engine';
import { UPLOADS_RUN } from './upload-job';

const QUEUE_NAME = 'score';
/** Files are read and queued in chunks of this many. */
const CHUNK = 500;
/** A job whose process died this many times in a row fails instead of being handed on again. */
const MAX_STALLS = 3;
/** A waiting call asks for a place again at least this often (places of calls in flight free at their answer). */
const POLL_MS = 50;
/** Longest a call may hold a place: its process may have died with the call in flight. */
const HOLD_MS = 60_000;

interface ScoreJob {
  file: number;
}

/**
 * A vendor's window in Redis, for every process at once, kept as the in-process limiter keeps
 * it (vendor-http/limiter.ts): at most `perSecond` calls hold a place, and a call holds it from
 * its start until one second after its answer, since the vendor counts a call when it arrives.
 * A place of a call whose process died frees itself after `HOLD_MS`. On Redis's clock, so all
 * processes agree. KEYS: the window (a sorted set: call → when its place frees), the pause
 * after a 429. Answers 0 (a place is this call's), the ms to wait before asking again, or,
 * negative, how long the vendor is still paused.
 */
const TAKE_PLACE = `
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return -paused end
local perSecond = tonumber(ARGV[1])
if perSecond == 0 then return 0 end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < perSecond then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  return 0
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, math.min(tonumber(first[2]) - now, ${POLL_MS}))`;

/** The answer is in: the call's place frees one second from now. */
const RELEASE_PLACE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + 1000, ARGV[1])
return 0`;

/** Vendors a job may call: those in the chain and the enabled enrichers. */
function vendorsOf(config: PluginConfig): Array<{ id: VendorId; settings: CommonVendorOptions }> {
  return (Object.keys(config.vendors) as VendorId[])
    .filter((id) => config.scorers.includes(id) || (ENRICHERS.has(id) && config.vendors[id]?.enabled))
    .map((id) => ({ id, settings: config.vendors[id] as CommonVendorOptions }));
}

/** What a score depends on besides the image; its change makes the same file new work. */
export function scorerFingerprint(config: PluginConfig): string {
  const { scorers, strategy, localWeight, workingSize, graphics, nsfw, local } = config;
  const vendors = vendorsOf(config).map(({ id, settings }) => [id, verdictVariant(settings, VENDORS[id].secretKeys)]);
  return createHash('sha256')
    .update(
      JSON.stringify({
        scorers,
        strategy,
        localWeight,
        workingSize,
        graphics,
        nsfw,
        local,
        LOCAL_MODEL_VERSION,
        vendors,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}

/** Jobs may start at any pace, but BullMQ only honours a 429's pause on a queue with a limiter. */
const UNLIMITED = { max: 1_000_000, duration: 1_000 };

/**
 * BullMQ's limits for the tightest vendor a job may call (none for the embedded scorer alone).
 * The rate is one job per 1/rate seconds: BullMQ's window is fixed, and `rate` jobs per whole
 * second would let a burst at the end of one window meet another at the start of the next.
 */
export function vendorLimits(config: PluginConfig): {
  limiter?: { max: number; duration: number };
  concurrency?: number;
} {
  const vendors = vendorsOf(config).map(({ settings }) => settings);
  if (vendors.length === 0) return {};
  const rates = vendors.flatMap((settings) => (settings.ratePerSecond ? [settings.ratePerSecond] : []));
  return {
    limiter: rates.length > 0 ? { max: 1, duration: Math.ceil(1000 / Math.min(...rates)) } : UNLIMITED,
    concurrency: Math.min(...vendors.map((settings) => settings.concurrency)),
  };
}

export function bullmqEngine(
  options: EngineOptions & { strapi: Core.Strapi; queue: NonNullable<PluginConfig['queue']> },
): JobEngine {
  const {
    strapi,
    queue: { connection: redis, prefix },
    ledger,
    leaseMs,
    runningBackfills,
    onError,
  } = options;
  const { tls, ...address } = redis;
  const connection: ConnectionOptions = { ...address, ...(tls ? { tls: {} } : {}) };
  // Made on first use, and again after stop(): jobs may be queued while the workers are stopped.
  let opened: Queue<ScoreJob> | undefined;
  const queue = (): Queue<ScoreJob> => {
    if (!opened) {
      opened = new Queue<ScoreJob>(QUEUE_NAME, { connection, prefix });
      opened.on('error', onError);
    }
    return opened;
  };
  const config = pluginConfig(strapi);
  let paceClient: Redis | undefined;
  const redisClient = () => (paceClient ??= new Redis(connection));
  const pausedKey = (vendor: string) => `${prefix}:paused:${vendor}`;
  const slot: SharedSlot = async (vendor, perSecond, signal) => {
    const windowKey = `${prefix}:window:${vendor}`;
    const call = randomUUID();
    for (;;) {
      const wait = Number(
        await redisClient().eval(TAKE_PLACE, 2, windowKey, pausedKey(vendor), perSecond ?? 0, call, HOLD_MS),
      );
      // A job started before the pause: nothing is sent, the job goes back to the queue.
      if (wait < 0) throw new VendorError(vendor, 'rate-limited', 'paused after a 429', { retryAfterMs: -wait });
      if (wait === 0) break;
      await sleep(wait, signal);
    }
    return async () => {
      // Should Redis not answer, the place frees itself after HOLD_MS.
      if (perSecond) await redisClient().eval(RELEASE_PLACE, 1, windowKey, call).catch(onError);
    };
  };
  /** No call to this vendor from any process until the Retry-After has passed (TAKE_PLACE). */
  const pause = (vendor: string, retryAfterMs: number): void => {
    redisClient().set(pausedKey(vendor), '1', 'PX', retryAfterMs).catch(onError);
  };
  let fingerprint: string | undefined;
  let worker: Worker<ScoreJob> | undefined;
  let closer: NodeJS.Timeout | undefined;
  let requeuer: NodeJS.Timeout | undefined;
  let requeuing: Promise<void> | undefined;

  const add = async (files: readonly number[]): Promise<void> => {
    fingerprint ??= scorerFingerprint(config);
    for (let start = 0; start < files.length; start += CHUNK) {
      const chunk = files.slice(start, start + CHUNK);
      const stored = (await strapi.db.query(FILE_UID).findMany({
        where: { id: { $in: chunk } },
        select: ['id', 'hash', 'size'],
      })) as Array<{ id: number; hash: string | null; size: number | null }>;
      const byId = new Map(stored.map((file) => [file.id, file]));
      await queue().addBulk(
        chunk.map((file) => {
          // A file deleted meanwhile still gets its job, which records it skipped.
          const content = byId.get(file);
          return {
            name: 'score',
            data: { file },
            opts: {
              jobId: `f${file}-${content?.hash ?? 'gone'}-${content?.size ?? 0}-${fingerprint}`,
              removeOnComplete: true,
              removeOnFail: true,
            },
          };
        }),
      );
    }
  };

  /**
   * Queues again what the ledger still holds unfinished of a run (a resume, or this process's
   * start): a job still in Redis has the same id and is left as it is; one Redis lost (it was
   * emptied, or the engine was switched) is queued anew.
   */
  const requeue = async (run: number): Promise<void> => {
    for (let after = 0; ; ) {
      const page = await ledger.unfinishedFiles(run, after, CHUNK);
      await add(page.map((row) => row.file));
      if (page.length < CHUNK) return;
      after = page[page.length - 1].id;
    }
  };

  const work = async (job: BullJob<ScoreJob>): Promise<void> => {
    const unfinished = await ledger.unfinishedOf([job.data.file]);
    let live = new Set([UPLOADS_RUN, ...(await runningBackfills())]);
    // A run this process has not yet seen start (or resume) must not be dropped: read again.
    if (unfinished.some((row) => !live.has(row.run))) live = new Set([UPLOADS_RUN, ...(await runningBackfills(true))]);
    const rows = unfinished.filter((row) => live.has(row.run));
    // Paused or cancelled: dropped here; a resume queues it again.
    if (rows.length === 0) return;
    const ids = rows.map((row) => row.id);
    // Rows already active were held by a process that died: attempts > 1 tells the job to look
    // at the file's record before scoring it again.
    const attempts = Math.max(...rows.map((row) => row.attempts)) + 1;
    await ledger.activate(ids, attempts);
    const lead = rows.find((row) => row.run === UPLOADS_RUN) ?? rows[0];
    let result;
    try {
      result = await inQueueJob({ slot, pause }, async () => {
        const finish = await options.startJob({ ...lead, state: 'active', attempts });
        return finish();
      });
    } catch (error) {
      if (!(error instanceof RetryLaterError)) throw error;
      // No job starts until the pause is over (`pause` already stopped calls of jobs under way).
      await queue().rateLimit(error.retryAfterMs);
      await ledger.release(ids);
      throw Worker.RateLimitError();
    }
    await commitJobs({ end: ledger.finish, transaction: options.transaction }, [{ ids, result }]);
  };

  return {
    queued: (_run, files) => add(files),

    async runChanged(run) {
      if ((await runningBackfills(true)).includes(run)) await requeue(run);
    },

    start() {
      if (worker) return;
      const { limiter, concurrency: vendorConcurrency } = vendorLimits(config);
      worker = new Worker<ScoreJob>(QUEUE_NAME, work, {
        connection,
        prefix,
        concurrency: options.concurrency,
        ...(limiter ? { limiter } : {}),
        // The lock is renewed every half of it while the job runs; a killed process's runs out
        // and the next stalled check, at most half a lease later, hands the job on.
        lockDuration: leaseMs,
        stalledInterval: Math.round(leaseMs / 2),
        maxStalledCount: MAX_STALLS,
      });
      worker.on('error', onError);
      // BullMQ gave up on a job (its processes died MAX_STALLS times, or the ledger failed):
      // the ledger says so, or the run would wait for it forever.
      worker.on('failed', (job, error) => {
        if (!job) return;
        onError(new Error(`file ${job.data.file}: ${error.message}`));
        ledger.failActive(job.data.file, error.message).catch(onError);
      });
      const setup = async () => {
        await (vendorConcurrency ? queue().setGlobalConcurrency(vendorConcurrency) : queue().removeGlobalConcurrency());
        for (const run of [UPLOADS_RUN, ...(await runningBackfills(true))]) await requeue(run);
      };
      setup().catch(onError);
      closer = setInterval(() => {
        runningBackfills().then(options.closeFinishedRuns).catch(onError);
      }, options.pollMs);
      closer.unref();
      // A backfill's rows written to the ledger by a process that died before it added them to
      // Redis would wait for the next start or resume: queued again every half lease (a job
      // still in Redis keeps its id and is left as it is; one that ended meanwhile and is added
      // again finds no unfinished row and is dropped).
      requeuer = setInterval(
        () => {
          if (requeuing) return;
          requeuing = runningBackfills(true)
            .then(async (runs) => {
              for (const run of runs) await requeue(run);
            })
            .catch(onError)
            .finally(() => (requeuing = undefined));
        },
        Math.round(leaseMs / 2),
      );
      requeuer.unref();
    },

    async stop() {
      clearInterval(closer);
      clearInterval(requeuer);
      await requeuing;
      await worker?.close();
      worker = undefined;
      await opened?.close();
      opened = undefined;
      paceClient?.disconnect();
      paceClient = undefined;
    },
  };
}

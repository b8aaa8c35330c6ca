/**
 * Vendor calls made by a job of a queue shared by several Strapi processes (the BullMQ engine):
 * the queue, not this call, waits out a 429, and the vendor's rate is paced for every process at
 * once rather than for this one. Outside such a job (an upload, the database engine) calls keep
 * to this process's own limiter and retries.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Waits for a place in this vendor's window shared by every process (none needed without a
 * rate) and resolves to its release, called when the answer is in; throws while the vendor is
 * paused after a 429.
 */
export type SharedSlot = (
  vendor: string,
  perSecond: number | undefined,
  signal: AbortSignal,
) => Promise<() => Promise<void>>;

interface QueueContext {
  slot: SharedSlot;
  /** Told at once of a 429, so the other processes stop calling the vendor before this job is even back. */
  pause: (vendor: string, retryAfterMs: number) => void;
  /** The vendor that answered 429 during the job, and the longest Retry-After it asked for. */
  rateLimited?: { vendor: string; retryAfterMs: number };
}

const context = new AsyncLocalStorage<QueueContext>();

/** Without Retry-After, a 429 pauses the queue this long. */
const DEFAULT_RATE_LIMIT_PAUSE_MS = 1_000;

export const inQueueJob = <T>(queue: Pick<QueueContext, 'slot' | 'pause'>, run: () => Promise<T>): Promise<T> =>
  context.run({ ...queue }, run);

/** Inside a queue job: keeps the 429's Retry-After for the queue and answers true (do not retry here). */
export function deferRateLimit(vendor: string, retryAfterMs: number | undefined): boolean {
  const job = context.getStore();
  if (!job) return false;
  const wait = Math.max(job.rateLimited?.retryAfterMs ?? 0, retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS);
  job.rateLimited = { vendor, retryAfterMs: wait };
  job.pause(vendor, wait);
  return true;
}

/** The vendor that answered 429 during this queue job and how long it asked to wait, if one did. */
export const deferredRateLimit = (): QueueContext['rateLimited'] => context.getStore()?.rateLimited;

const NOTHING_TO_RELEASE = async () => undefined;

/** Inside a queue job: a place in the vendor's shared window (see SharedSlot); outside, nothing to wait for. */
export async function sharedSlot(
  vendor: string,
  perSecond: number | undefined,
  signal: AbortSignal,
): Promise<() => Promise<void>> {
  return (await context.getStore()?.slot(vendor, perSecond, signal)) ?? NOTHING_TO_RELEASE;
}

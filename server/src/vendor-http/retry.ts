import { AsyncLocalStorage } from 'node:async_hooks';
import { VendorError } from './errors';

// p-retry ships as ESM only: a dynamic import loads it from CommonJS everywhere (Node's
// require(esm) is newer than some supported Node versions, and jest's VM modules refuse it).
const loadPRetry = () => import('p-retry').then((module) => module.default);

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  minDelayMs?: number;
  maxDelayMs?: number;
}

const deadlines = new WeakMap<AbortSignal, number>();

/**
 * Work run by a queue that has a rate limit of its own to pause (the BullMQ engine): a 429 is
 * not waited out in this call, it is handed to the queue, which pauses the vendor's work for
 * every process and hands the job back later. Holds the longest Retry-After seen.
 */
const queueRateLimits = new AsyncLocalStorage<{ retryAfterMs?: number }>();

/** Without Retry-After, a 429 pauses the queue this long. */
const DEFAULT_RATE_LIMIT_PAUSE_MS = 1_000;

export async function deferringRateLimitsToQueue<T>(run: () => Promise<T>): Promise<T> {
  return queueRateLimits.run({}, run);
}

/** The Retry-After a vendor answered inside `deferringRateLimitsToQueue`, if any did. */
export const deferredRetryAfterMs = (): number | undefined => queueRateLimits.getStore()?.retryAfterMs;

/**
 * An upload's deadline as a signal that also tells when it fires, so a retry that cannot be in
 * time is not waited for (see withRetries).
 */
export function deadlineSignal(ms: number): AbortSignal {
  const signal = AbortSignal.timeout(ms);
  deadlines.set(signal, Date.now() + ms);
  return signal;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/**
 * Runs `attempt` again on network errors, timeouts, 429 and 5xx, with exponential backoff and
 * jitter, honouring Retry-After; anything else (400, 401 after renewal, 402, 403, 413, 415,
 * 422, a malformed answer) stops at once. The signal is the upload's deadline: a Retry-After
 * that ends after it (a quota's "come back in an hour") is not waited out, the error goes back
 * at once so the chain fails over and the vendor's state can record it.
 *
 * The wait lives in `shouldRetry`, not `onFailedAttempt`: p-retry runs `onFailedAttempt`
 * first, so a sleep there delayed errors that were never going to be retried.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  options: RetryOptions,
): Promise<T> {
  const pRetry = await loadPRetry();
  return pRetry(attempt, {
    retries: options.retries,
    minTimeout: options.minDelayMs ?? 200,
    maxTimeout: options.maxDelayMs ?? 5_000,
    factor: 2,
    randomize: true,
    signal,
    shouldRetry: async ({ error }) => {
      if (!(error instanceof VendorError) || !error.retryable) return false;
      const wait = error.details.retryAfterMs;
      const queue = queueRateLimits.getStore();
      if (queue && error.kind === 'rate-limited') {
        queue.retryAfterMs = Math.max(queue.retryAfterMs ?? 0, wait ?? DEFAULT_RATE_LIMIT_PAUSE_MS);
        return false;
      }
      if (wait === undefined) return true;
      const deadline = deadlines.get(signal);
      if (deadline !== undefined && Date.now() + wait >= deadline) return false;
      // Retry-After is the vendor telling us the earliest useful moment: wait at least that long.
      await sleep(wait, signal);
      return true;
    },
  });
}

import { VendorError } from './errors';
import { deferRateLimit } from './queue-context';

// p-retry ships as ESM only: a dynamic import loads it from CommonJS everywhere (Node's
// require(esm) is newer than some supported Node versions, and jest's VM modules refuse it).
export const loadPRetry = () => import('p-retry').then((module) => module.default);

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  minDelayMs?: number;
  maxDelayMs?: number;
}

const deadlines = new WeakMap<AbortSignal, number>();

/**
 * An upload's deadline as a signal that also tells when it fires, so a retry that cannot be in
 * time is not waited for (see withRetries).
 */
export function deadlineSignal(ms: number): AbortSignal {
  const signal = AbortSignal.timeout(ms);
  deadlines.set(signal, Date.now() + ms);
  return signal;
}

/** Resolves after `ms`, or rejects when the signal aborts first. */
export const sleep = (ms: number, signal: AbortSignal) =>
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
      // In a job of a shared queue the queue waits it out, for every process (queue-context.ts).
      if (error.kind === 'rate-limited' && deferRateLimit(error.vendor, wait)) return false;
      if (wait === undefined) return true;
      const deadline = deadlines.get(signal);
      if (deadline !== undefined && Date.now() + wait >= deadline) return false;
      // Retry-After is the vendor telling us the earliest useful moment: wait at least that long.
      await sleep(wait, signal);
      return true;
    },
  });
}

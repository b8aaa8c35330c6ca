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

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/**
 * Runs `attempt` again on network errors, timeouts, 429 and 5xx, with exponential backoff and
 * jitter, honouring Retry-After; anything else (400, 401 after renewal, 402, 403, 413, 415,
 * 422, a malformed answer) stops at once. The signal is the upload's deadline.
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
    shouldRetry: ({ error }) => error instanceof VendorError && error.retryable,
    onFailedAttempt: async ({ error, retriesLeft }) => {
      // Retry-After is the vendor telling us the earliest useful moment: wait at least that long.
      if (retriesLeft > 0 && error instanceof VendorError && error.details.retryAfterMs !== undefined) {
        await sleep(error.details.retryAfterMs, signal);
      }
    },
  });
}

/**
 * What went wrong with a vendor call, named by what the pipeline must do about it:
 * retry (network, timeout, rate-limited, server), renew a token once (auth), suspend the
 * vendor (quota), or give up on this image at once (rejected, invalid-response).
 */
export type VendorFailure =
  | 'network'
  | 'timeout'
  | 'rate-limited'
  | 'server'
  | 'auth'
  | 'quota'
  | 'rejected'
  | 'invalid-response'
  | 'skipped';

const RETRYABLE: ReadonlySet<VendorFailure> = new Set(['network', 'timeout', 'rate-limited', 'server']);

export class VendorError extends Error {
  override name = 'VendorError';

  constructor(
    readonly vendor: string,
    readonly kind: VendorFailure,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(`${vendor}: ${message}`);
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

/** The default reading of an HTTP status; adapters override it where their document says otherwise. */
export function failureForStatus(status: number): VendorFailure {
  if (status === 401) return 'auth';
  if (status === 402) return 'quota';
  if (status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server';
  return 'rejected';
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

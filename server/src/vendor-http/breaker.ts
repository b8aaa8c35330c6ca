/**
 * Skips a vendor after `failureThreshold` failures in a row, for `coolDownMs`; the first
 * call after the cool-down is a trial, and its success closes the breaker again.
 */
export function createBreaker({ failureThreshold, coolDownMs }: { failureThreshold: number; coolDownMs: number }) {
  let failures = 0;
  let openUntil = 0;
  const close = (): void => {
    failures = 0;
    openUntil = 0;
  };
  return {
    allows: (now = Date.now()): boolean => now >= openUntil,
    recordSuccess: close,
    /** An admin's word that the vendor is fine again. */
    reset: close,
    recordFailure(now = Date.now()): void {
      failures += 1;
      if (failures >= failureThreshold) openUntil = now + coolDownMs;
    },
    state(now = Date.now()): { open: boolean; consecutiveFailures: number; reopensAt: string | null } {
      const open = now < openUntil;
      return { open, consecutiveFailures: failures, reopensAt: open ? new Date(openUntil).toISOString() : null };
    },
  };
}

/**
 * In-process workers: `concurrency` loops that each take the next job (`work` resolves true when
 * it did one) and wait `pollMs` when there was none. `stop()` lets the jobs in hand finish, so a
 * Strapi shutdown never leaves a half-written record; a killed process leaves a lease to expire.
 */
export interface Workers {
  /** Wakes idle loops now (a backfill was just started or resumed). */
  nudge(): void;
  stop(): Promise<void>;
}

export function startWorkers({
  concurrency,
  pollMs,
  work,
  onError,
}: {
  concurrency: number;
  pollMs: number;
  work: () => Promise<boolean>;
  onError: (error: unknown) => void;
}): Workers {
  let stopped = false;
  const sleepers = new Set<() => void>();
  const idle = () =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, pollMs);
      sleepers.add(wake);
    });

  const loop = async () => {
    while (!stopped) {
      let didWork = false;
      try {
        didWork = await work();
      } catch (error) {
        onError(error);
      }
      if (!didWork && !stopped) await idle();
    }
  };
  const loops = Array.from({ length: concurrency }, loop);

  return {
    nudge: () => [...sleepers].forEach((wake) => wake()),
    async stop() {
      stopped = true;
      [...sleepers].forEach((wake) => wake());
      await Promise.all(loops);
    },
  };
}

import { sharedSlot } from './queue-context';

/**
 * At most `concurrency` calls in flight and at most `perSecond` reaching the vendor in any
 * rolling second (PhotoILike allows 5 per second per client-key). The vendor counts a call when
 * it arrives, which is somewhere between our sending it and its answer, so a call holds its
 * place in the window until one second after its answer: counting from the send let a slow
 * first call arrive late and a sixth into the same second. Waiting callers give up when their
 * upload's deadline passes. Inside a job of the BullMQ engine the same window is also kept in
 * Redis for every process at once (queue-context.ts, jobs/bullmq-engine.ts).
 */
export function createLimiter({
  vendor,
  concurrency,
  perSecond,
}: {
  vendor: string;
  concurrency: number;
  perSecond?: number;
}) {
  let active = 0;
  /** When each of the latest calls leaves the window: Infinity while it is still in flight. */
  const windowEnds: number[] = [];
  const waiting: Array<() => void> = [];

  /** How long until another call may start; Infinity when only an answer can free a place. */
  const delayBeforeNextStart = (): number => {
    if (!perSecond) return 0;
    const now = Date.now();
    for (let i = windowEnds.length - 1; i >= 0; i--) if (windowEnds[i] <= now) windowEnds.splice(i, 1);
    return windowEnds.length < perSecond ? 0 : Math.min(...windowEnds) - now;
  };

  const wakeOne = () => waiting.shift()?.();

  const waitForTurn = (signal: AbortSignal, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        const index = waiting.indexOf(done);
        if (index >= 0) waiting.splice(index, 1);
        resolve();
      };
      // Woken by a release, or by the window's next opening, whichever comes first.
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      waiting.push(done);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          const index = waiting.indexOf(done);
          if (index >= 0) waiting.splice(index, 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });

  return async function run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T> {
    for (;;) {
      signal.throwIfAborted();
      if (active < concurrency) {
        const wait = delayBeforeNextStart();
        if (wait <= 0) break;
        await waitForTurn(signal, wait);
      } else {
        await waitForTurn(signal, Infinity);
      }
    }
    active += 1;
    if (perSecond) windowEnds.push(Infinity);
    try {
      // In a job of the BullMQ engine, the other processes' calls count too, the same way.
      const release = await sharedSlot(vendor, perSecond, signal);
      try {
        return await task();
      } finally {
        await release();
      }
    } finally {
      active -= 1;
      if (perSecond) {
        const index = windowEnds.indexOf(Infinity);
        if (index >= 0) windowEnds[index] = Date.now() + 1000;
      }
      // One waiter may start now; the others wake when the window next opens (their timers).
      wakeOne();
    }
  };
}

/**
 * At most `concurrency` calls in flight and at most `perSecond` started in any second
 * (PhotoILike allows 5 per second per client-key). Waiting callers give up when their
 * upload's deadline passes.
 */
export function createLimiter({ concurrency, perSecond }: { concurrency: number; perSecond?: number }) {
  let active = 0;
  const started: number[] = [];
  const waiting: Array<() => void> = [];

  const delayBeforeNextStart = (): number => {
    if (!perSecond) return 0;
    const now = Date.now();
    while (started.length > 0 && now - started[0] >= 1000) started.shift();
    return started.length < perSecond ? 0 : 1000 - (now - started[0]);
  };

  const release = () => {
    active -= 1;
    waiting.shift()?.();
  };

  return async function run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T> {
    while (active >= concurrency) {
      await new Promise<void>((resolve, reject) => {
        waiting.push(resolve);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    active += 1;
    try {
      for (let wait = delayBeforeNextStart(); wait > 0; wait = delayBeforeNextStart()) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        signal.throwIfAborted();
      }
      started.push(Date.now());
      return await task();
    } finally {
      release();
    }
  };
}

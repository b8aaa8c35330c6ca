import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

/** The Redis every BullMQ test uses (`.ci/run` starts it when it is down). */
export const REDIS = { host: '127.0.0.1', port: 6379 };

/**
 * One of the two job engines, as a test file boots it: the database's (no `queue` config), or
 * BullMQ on the local Redis under a prefix of this file's own, so files running one after
 * another never see each other's jobs. `drop()` deletes the prefix's keys.
 */
export interface TestEngine {
  name: 'database' | 'BullMQ';
  /** What the demo app's config/plugins.js reads. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export type EngineName = TestEngine['name'];
export const ENGINES: EngineName[] = ['database', 'BullMQ'];

export function createTestEngine(name: EngineName): TestEngine {
  if (name === 'database') return { name, env: {}, drop: async () => undefined };
  const prefix = `photo-score-test-${randomBytes(4).toString('hex')}`;
  return {
    name,
    env: { PHOTO_SCORE_QUEUE: JSON.stringify({ connection: REDIS, prefix }) },
    async drop() {
      const redis = new Redis({ ...REDIS, lazyConnect: true });
      await redis.connect();
      try {
        const keys: string[] = [];
        for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 500 }))
          keys.push(...(batch as string[]));
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}

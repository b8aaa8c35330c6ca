/**
 * The deep mode off the event loop: MobileNetV2 and the head run in worker threads (worker.ts)
 * of a piscina pool, so that ≈ 0.13 s of synchronous inference per image no longer stops the
 * Strapi process from serving anyone else.
 *
 * One pool per process, made on the first deep-mode or moderation call (bootstrap's preload in
 * Strapi) and closed by the plugin's destroy. Each worker loads the network once (≈ 180 MB of
 * RSS: see bench/README.md), so the default is one worker: on a 2-core machine a second one
 * would compete with Strapi and libvips for the cores; `local.threads` raises it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';

import type { WorkingImage } from '../../prepare/decode';
import { packageRoot } from './head';
import type { DeepBackend } from './index';
import type * as Worker from './worker';

/** Where `npm run build` puts the worker's bundle, from the package root (sources, dist/ and the CLI alike). */
export const WORKER_FILE = 'dist/deep-worker.js';

type Tasks = Pick<typeof Worker, 'load' | 'score' | 'moderate'>;

let current: { pool: Piscina; threads: number } | null = null;

function pool(threads: number): Piscina {
  if (current) return current.pool;
  const filename = path.join(packageRoot(__dirname), WORKER_FILE);
  if (!existsSync(filename)) throw new Error(`photo-score: ${filename} is missing; build the plugin (npm run build)`);
  // Every worker lives as long as the pool: each holds a loaded network, too costly to drop when idle.
  const made = new Piscina({ filename, minThreads: threads, maxThreads: threads, idleTimeout: Infinity });
  // A worker that dies between tasks is replaced by piscina; without a listener the event
  // would throw and take Strapi down with it.
  made.on('error', (error: unknown) => process.emitWarning(`photo-score: a deep-mode worker failed: ${String(error)}`));
  current = { pool: made, threads };
  return made;
}

async function run<Name extends keyof Tasks>(
  threads: number,
  name: Name,
  task: Parameters<Tasks[Name]>[0],
  transferList: ArrayBuffer[] = [],
): Promise<Awaited<ReturnType<Tasks[Name]>>> {
  // piscina types results as `any`; worker.ts's export of that name is what produced it.
  const answer: unknown = await pool(threads).run(task, { name, transferList });
  return answer as Awaited<ReturnType<Tasks[Name]>>;
}

/**
 * A copy of the working image (≤ 512 px, so ≤ 0.8 MB) that is then moved to the worker, not
 * cloned: `image.data` itself stays with the fast scorer and the vendors, which still read it.
 */
function transferable(image: WorkingImage): Worker.TransferredImage {
  const pixels = new ArrayBuffer(image.data.length);
  new Uint8Array(pixels).set(image.data);
  const { width, height, originalWidth, originalHeight, format } = image;
  return { pixels, width, height, originalWidth, originalHeight, format };
}

/** The deep mode through the process's worker pool (made with `threads` workers if this is the first use). */
export function pooledDeep(threads = 1): DeepBackend {
  return {
    async load({ head }) {
      pool(threads);
      // One load task per worker: a worker takes one task at a time, so each loads its own copy now.
      const workers = current?.threads ?? threads;
      const loaded = await Promise.all(Array.from({ length: workers }, () => run(threads, 'load', { head })));
      return { loadMs: Math.max(...loaded.map((l) => l.loadMs)), version: loaded[0].version };
    },
    async scoreDeep(image) {
      const sent = transferable(image);
      return run(threads, 'score', { image: sent }, [sent.pixels]);
    },
    async moderateOffline(image, thresholds, context) {
      const sent = transferable(image);
      return run(threads, 'moderate', { image: sent, thresholds, context }, [sent.pixels]);
    },
  };
}

/** Ends the workers (the plugin's destroy); the next deep-mode call makes a new pool. */
export async function destroyDeepPool(): Promise<void> {
  const closing = current;
  current = null;
  await closing?.pool.destroy();
}

/**
 * The embedded scorer off the event loop, and the one place that knows about threads: when the
 * embedded scoring runs the CNN (deep mode, `local.moderation`), all of it (the content check,
 * the fast measurements, MobileNetV2 and the head) runs in worker threads (worker.ts) of a
 * piscina pool, so that its synchronous JavaScript (≈ 0.15 s per image) no longer stops the
 * Strapi process from serving anyone else. The main thread only decodes (on libvips's threads)
 * and posts the pixels. The fast mode goes there for background jobs only; an upload's stays on
 * the main thread (`embeddedBackend`, below).
 *
 * One pool per process, made on the first call (bootstrap's preload in deep mode, the first
 * background job in fast mode) and closed by the plugin's destroy. A worker costs ≈ 80 MB of RSS
 * in fast mode and ≈ 240–290 MB once it has loaded the network, so the default is one worker:
 * on a 2-core machine a second one would compete with Strapi and libvips for the cores;
 * `local.threads` raises it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';

import type { WorkingImage } from '../prepare/decode';
import { packageRoot } from './deep/head';
import { inThreadEmbedded, type EmbeddedBackend, type EmbeddedConfig } from './embedded';
import type * as Worker from './worker';

/** Where `npm run build` puts the worker's bundle, from the package root (sources, dist/ and the CLI alike). */
export const WORKER_FILE = 'dist/embedded-worker.js';

type Tasks = Pick<typeof Worker, 'load' | 'content' | 'score' | 'moderate'>;

let current: { pool: Piscina; threads: number } | null = null;

/**
 * Without the CNN a worker's garbage is small and short-lived: a young generation of 4 MB, not
 * V8's default (up to 48 MB), halves what a fast-mode worker holds (from ≈ 130 to ≈ 80 MB of
 * RSS after 400 images) at the same speed. The CNN's tensors keep V8's default.
 */
const FAST_MODE_YOUNG_GENERATION_MB = 4;

function pool(config: EmbeddedConfig): Piscina {
  if (current) return current.pool;
  const threads = config.threads ?? 1;
  const filename = path.join(packageRoot(__dirname), WORKER_FILE);
  if (!existsSync(filename)) throw new Error(`photo-score: ${filename} is missing; build the plugin (npm run build)`);
  const usesNetwork = config.mode === 'deep' || config.moderation;
  // Every worker lives as long as the pool: each holds a loaded network, too costly to drop when idle.
  const made = new Piscina({
    filename,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    ...(usesNetwork ? {} : { resourceLimits: { maxYoungGenerationSizeMb: FAST_MODE_YOUNG_GENERATION_MB } }),
  });
  // A worker that dies between tasks is replaced by piscina; without a listener the event
  // would throw and take Strapi down with it.
  made.on('error', (error: unknown) =>
    process.emitWarning(`photo-score: an embedded-scorer worker failed: ${String(error)}`),
  );
  current = { pool: made, threads };
  return made;
}

async function run<Name extends keyof Tasks>(
  config: EmbeddedConfig,
  name: Name,
  task: Parameters<Tasks[Name]>[0],
  transferList: ArrayBuffer[] = [],
): Promise<Awaited<ReturnType<Tasks[Name]>>> {
  // piscina types results as `any`; worker.ts's export of that name is what produced it.
  const answer: unknown = await pool(config).run(task, { name, transferList });
  return answer as Awaited<ReturnType<Tasks[Name]>>;
}

/**
 * A copy of the working image's pixels (≤ 512 px, so ≤ 0.8 MB: ≈ 0.1 ms) that is then moved to
 * the worker, not cloned. `image.data` itself stays: the content check and the score each post
 * it, and a Buffer may be a view on memory it does not own (Node's pool, sharp's output).
 * `pendingNative` is left out: the caller awaits it first (see `TransferredImage`).
 */
function transferable(image: WorkingImage): Worker.TransferredImage {
  const { data, pendingNative: _pending, ...rest } = image;
  const pixels = new ArrayBuffer(data.length);
  new Uint8Array(pixels).set(data);
  return { ...rest, pixels };
}

/** `image` with its 100 % evidence in hand: awaited here, on the main thread, where libvips decodes it. */
async function withNative(image: WorkingImage): Promise<WorkingImage> {
  const native = image.native ?? (await image.pendingNative);
  return native ? { ...image, native } : image;
}

/** The embedded scorer through the process's worker pool (made with `config.threads` workers if this is the first use). */
export function pooledEmbedded(config: EmbeddedConfig): EmbeddedBackend {
  const threads = config.threads ?? 1;
  return {
    async load() {
      pool(config);
      // One load task per worker: a worker takes one task at a time, so each loads its own copy now.
      const workers = current?.threads ?? threads;
      const loaded = await Promise.all(Array.from({ length: workers }, () => run(config, 'load', { config })));
      const first = loaded[0];
      return first && { loadMs: Math.max(...loaded.map((l) => l?.loadMs ?? 0)), version: first.version };
    },
    async content(image) {
      // Overview only: it does not wait for the band, which libvips decodes meanwhile.
      const sent = transferable(image);
      return run(config, 'content', { image: sent }, [sent.pixels]);
    },
    async score(image) {
      const sent = transferable(await withNative(image));
      return run(config, 'score', { config, image: sent }, [sent.pixels]);
    },
    async moderate(image) {
      const sent = transferable(image);
      return run(config, 'moderate', { config, image: sent }, [sent.pixels]);
    },
  };
}

/** Ends the workers (the plugin's destroy); the next call makes a new pool. */
export async function destroyEmbeddedPool(): Promise<void> {
  const closing = current;
  current = null;
  await closing?.pool.destroy();
}

/**
 * Who waits for a verdict: a person uploading, or a background job (a backfill, an async upload).
 * It decides where the fast mode runs (`embeddedBackend`).
 */
export type Caller = 'upload' | 'job';

/**
 * Where Strapi runs the embedded scorer. The CNN (deep mode, `local.moderation`) in the pool:
 * ≈ 0.15 s of JavaScript per image would stop the event loop (with 10 deep uploads in flight,
 * /_health's p99 falls from 51–114 ms to 27–47 ms). The fast mode depends on who waits:
 * - an upload scores on this thread: its 15–40 ms run while Strapi makes the upload's formats
 *   (upload-hook.ts), and the hand-off to a worker cost more than it saved there (a synchronous
 *   1.9 MP upload took 1.24–1.39× as long as without the plugin through the pool, 1.03–1.08× on
 *   this thread, side by side: bench/README.md, "Upload latency");
 * - a job scores in the pool: nobody waits on one file, and while the worker scores it the main
 *   thread reads the next file, writes the last verdicts and serves requests (a backfill's rate
 *   went from 0.86× to 0.95× the scorer's own, bench/README.md, "Backfill").
 */
export const embeddedBackend = (config: EmbeddedConfig, caller: Caller): EmbeddedBackend =>
  config.mode === 'deep' || config.moderation || caller === 'job' ? pooledEmbedded(config) : inThreadEmbedded(config);

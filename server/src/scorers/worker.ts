/**
 * The worker-thread side of the embedded scorer (pool.ts runs it in a piscina pool). Each
 * worker loads the network, and the head if asked, once in its own thread, then runs the very
 * same functions the command line runs on its main thread (embedded.ts): the fast
 * measurements, the content check, the CNN and the head, so a score is the same wherever it
 * was computed. Each export is one task, called by name.
 *
 * Built on its own to dist/embedded-worker.js (`npm run build:worker`, esbuild like the CLI):
 * a worker thread needs a file to start from, and `strapi-plugin build` bundles only the
 * plugin's two entry points.
 */
import type { WorkingImage } from '../prepare/decode';
import { detectContent, type ContentVerdict } from './content';
import {
  loadEmbedded,
  moderateEmbedded,
  scoreEmbedded,
  type EmbeddedConfig,
  type EmbeddedScore,
  type OfflineModeration,
} from './embedded';
import { warmUpLocalScorer } from './local';

/**
 * A working image as sent to a worker: its pixels in an ArrayBuffer the worker then owns
 * (transferred, not copied), the rest as is. No `pendingNative`: a promise cannot cross
 * threads, so the main thread awaits the 100 % evidence and sends it as `native`.
 */
export type TransferredImage = Omit<WorkingImage, 'data' | 'pendingNative'> & { pixels: ArrayBuffer };

function workingImage(image: TransferredImage): WorkingImage {
  const { pixels, ...rest } = image;
  return { ...rest, data: Buffer.from(pixels) };
}

/** Loads what later tasks need, in this thread (bootstrap's preload asks it of every worker). */
export async function load({
  config,
}: {
  config: EmbeddedConfig;
}): Promise<{ loadMs: number; version?: string } | null> {
  // A worker starts cold: its pixel loops are optimised now rather than on the first upload.
  warmUpLocalScorer();
  return loadEmbedded(config);
}

export async function content({ image }: { image: TransferredImage }): Promise<ContentVerdict> {
  return detectContent(workingImage(image));
}

/** What `score` and `moderate` are posted: the configuration and the image. */
interface ImageTask {
  config: EmbeddedConfig;
  image: TransferredImage;
}

export async function score({ config, image }: ImageTask): Promise<EmbeddedScore> {
  return scoreEmbedded(config, workingImage(image));
}

export async function moderate({ config, image }: ImageTask): Promise<OfflineModeration> {
  return moderateEmbedded(config, workingImage(image));
}

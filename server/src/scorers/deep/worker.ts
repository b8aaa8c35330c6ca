/**
 * The worker-thread side of the deep mode (pool.ts runs it in a piscina pool). Each worker
 * loads the network, and the head if asked, once in its own thread, then runs the very same
 * `scoreDeep` and `moderateOffline` that the command line runs on its main thread, so a score
 * is the same wherever it was computed. Each export is one task, called by name.
 *
 * Built on its own to dist/deep-worker.js (`npm run build:worker`, esbuild like the CLI): a
 * worker thread needs a file to start from, and `strapi-plugin build` bundles only the
 * plugin's two entry points.
 */
import type { WorkingImage } from '../../prepare/decode';
import type { VendorModeration } from '../../vendor-http/types';
import { inThreadDeep, moderateOffline, scoreDeep, type DeepScore } from './index';
import type { ModerationContext, ModerationThresholds, NsfwProbabilities } from './nsfw';

/** A working image as sent to a worker: its pixels in an ArrayBuffer the worker then owns (transferred, not copied). */
export interface TransferredImage {
  pixels: ArrayBuffer;
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  format: string;
}

/** What the deep mode reads of the image is its pixels and sizes; the 100 % evidence stays on the main thread. */
function workingImage(image: TransferredImage): WorkingImage {
  const { pixels, ...sizes } = image;
  return { ...sizes, data: Buffer.from(pixels) };
}

/** Loads what later tasks need, in this thread (bootstrap's preload asks it of every worker). */
export async function load(options: { head: boolean }): Promise<{ loadMs: number; version?: string }> {
  return inThreadDeep.load(options);
}

export async function score({ image }: { image: TransferredImage }): Promise<DeepScore> {
  return scoreDeep(workingImage(image));
}

export async function moderate({
  image,
  thresholds,
  context,
}: {
  image: TransferredImage;
  thresholds?: ModerationThresholds;
  context?: ModerationContext;
}): Promise<{ moderation: VendorModeration; nsfw: NsfwProbabilities }> {
  return moderateOffline(workingImage(image), thresholds, context);
}

/**
 * The deep embedded mode: MobileNetV2 features (weights bundled in the nsfwjs package, run
 * on tfjs's WebAssembly backend) fed to a kernel-ridge head fitted on CLIVE opinion scores,
 * plus offline NSFW moderation from the same forward pass. Opt-in (`local.mode: 'deep'`,
 * `local.moderation: true`): it loads a CNN, ≈ 0.2 s and ≈ 60 MB once per process.
 */
import type { WorkingImage } from '../../prepare/decode';
import type { VendorModeration } from '../../vendor-http/types';
import { extractDeepFeatures } from './features';
import { parseHead, readHeadFile, type DeepHead } from './head';
import { BACKBONE, loadDeepNetwork, TAPPED_LAYERS, type DeepNetwork } from './model';
import {
  moderationFrom,
  namedProbabilities,
  type ModerationContext,
  type ModerationThresholds,
  type NsfwProbabilities,
} from './nsfw';

export {
  DEFAULT_MODERATION_THRESHOLDS,
  lowDetailFrom,
  moderationFrom,
  type ModerationContext,
  type ModerationThresholds,
} from './nsfw';
export { loadDeepNetwork } from './model';

export interface DeepScore {
  /** 0–100, one decimal. */
  score: number;
  version: string;
  nsfw: NsfwProbabilities;
}

interface DeepScorer {
  network: DeepNetwork;
  head: DeepHead;
}

let loading: Promise<DeepScorer> | null = null;

/** Network and head, loaded once per process and shared; a failed load is retried on the next call. */
export function loadDeepScorer(): Promise<DeepScorer> {
  if (!loading) {
    loading = (async () => {
      const head = parseHead(readHeadFile(), { backbone: BACKBONE, layers: TAPPED_LAYERS });
      return { head, network: await loadDeepNetwork() };
    })().catch((error: unknown) => {
      loading = null;
      throw error;
    });
  }
  return loading;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

/** Quality score and NSFW class probabilities from one forward pass. */
export async function scoreDeep(image: WorkingImage): Promise<DeepScore> {
  const { network, head } = await loadDeepScorer();
  const features = await extractDeepFeatures(network, image, head.layout.views);
  const score = round1(Math.min(100, Math.max(0, head.predict(features.vector))));
  return { score, version: head.version, nsfw: namedProbabilities(features.nsfw) };
}

/** Moderation alone (fast mode with `local.moderation`): the whole image through the network, no head. */
export async function moderateOffline(
  image: WorkingImage,
  thresholds?: ModerationThresholds,
  context?: ModerationContext,
): Promise<{ moderation: VendorModeration; nsfw: NsfwProbabilities }> {
  const network = await loadDeepNetwork();
  const features = await extractDeepFeatures(network, image, []);
  const nsfw = namedProbabilities(features.nsfw);
  return { moderation: moderationFrom(nsfw, thresholds, context), nsfw };
}

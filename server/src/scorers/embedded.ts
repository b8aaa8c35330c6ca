/**
 * The embedded scorer (`local` in the scorer chain) as configured: `fast` (hand-crafted
 * measurements, a few ms) or `deep` (CNN features + learned head, ≈ 0.1 s), either of them
 * with the offline NSFW check. The hand-crafted dimensions (sharpness, exposure, …) are
 * reported in both modes: they explain the score and cost ~15 ms.
 */
import type { WorkingImage } from '../prepare/decode';
import { loadDeepNetwork, loadDeepScorer, moderateOffline, moderationFrom, scoreDeep } from './deep';
import { BACKBONE } from './deep/model';
import type { ModerationThresholds } from './deep/nsfw';
import { scoreLocal, type LocalScore } from './local';
import type { Scorer, ScorerOutput } from './types';

/** The hand-crafted dimensions and reasons always, the deep score in deep mode, the NSFW verdict when asked. */
export type EmbeddedScore = LocalScore & Pick<ScorerOutput<number>, 'moderation' | 'raw'>;

/** A `Scorer<number>` whose output keeps the embedded scorer's own dimension names. */
export interface EmbeddedScorer extends Scorer<number> {
  score(image: WorkingImage): Promise<EmbeddedScore>;
}

export interface EmbeddedConfig {
  mode: 'fast' | 'deep';
  /** Offline NSFW moderation with the deep mode's network (loads it in fast mode too). */
  moderation: boolean;
  moderationThresholds: ModerationThresholds;
}

export function embeddedScorer(config: EmbeddedConfig): EmbeddedScorer {
  return {
    id: 'local',
    async score(image: WorkingImage): Promise<EmbeddedScore> {
      const fast = scoreLocal(image);
      if (config.mode === 'deep') {
        const deep = await scoreDeep(image);
        return {
          ...fast,
          score: deep.score,
          version: deep.version,
          raw: { nsfw: deep.nsfw },
          ...(config.moderation ? { moderation: moderationFrom(deep.nsfw, config.moderationThresholds) } : {}),
        };
      }
      if (config.moderation) {
        const { moderation, nsfw } = await moderateOffline(image, config.moderationThresholds);
        return { ...fast, raw: { nsfw }, moderation };
      }
      return fast;
    },
  };
}

/**
 * The offline NSFW check on its own, as a tag-only scorer: `local.moderation` promises a verdict on
 * every image, also when a `fallback` chain settled on a vendor before reaching `local`.
 */
export function offlineModerator(config: EmbeddedConfig): Scorer<null> {
  return {
    id: 'local-moderation',
    async score(image: WorkingImage): Promise<ScorerOutput<null>> {
      const { moderation, nsfw } = await moderateOffline(image, config.moderationThresholds);
      return { score: null, dimensions: {}, version: BACKBONE, raw: { nsfw }, moderation };
    },
  };
}

/**
 * Starts loading what the configured mode needs, so the first upload does not pay for it
 * (it awaits the same promise if it comes first). Resolves to null when nothing is needed.
 */
export async function preloadEmbedded(config: EmbeddedConfig): Promise<{ loadMs: number } | null> {
  if (config.mode === 'deep') return { loadMs: (await loadDeepScorer()).network.loadMs };
  if (config.moderation) return { loadMs: (await loadDeepNetwork()).loadMs };
  return null;
}

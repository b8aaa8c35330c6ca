/**
 * The embedded scorer (`local` in the scorer chain) as configured: `fast` (hand-crafted
 * measurements, a few ms) or `deep` (CNN features + learned head, ≈ 0.1 s), either of them
 * with the offline NSFW check. The hand-crafted dimensions (sharpness, exposure, …) are
 * reported in both modes: they explain the score and cost ~15 ms.
 */
import type { WorkingImage } from '../prepare/decode';
import { lowDetailFrom, moderationFrom, type DeepBackend } from './deep';
import { BACKBONE } from './deep/model';
import type { ModerationThresholds } from './deep/nsfw';
import { pooledDeep } from './deep/pool';
import { explainOverall, scoreLocalDeferred, withSizeRules, type LocalScore } from './local';
import { defectPenalty, fittedDefects, pointsByCause } from './local/defects';
import { extractFeatures } from './local/features';
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
  /** Megapixels from which size costs nothing (`local.targetMegapixels`; scorers/local/size.ts); default 2. */
  targetMegapixels?: number;
  /** Worker threads the CNN runs in (`local.threads`; scorers/deep/pool.ts); default 1. */
  threads?: number;
}

/** Strapi's: the CNN in the worker pool, so the event loop keeps serving meanwhile. */
const pooled = (config: EmbeddedConfig): DeepBackend => pooledDeep(config.threads);

/** `deep`: where the CNN runs; the worker pool unless told otherwise (the CLI runs it in its own thread). */
export function embeddedScorer(config: EmbeddedConfig, deep: DeepBackend = pooled(config)): EmbeddedScorer {
  return {
    id: 'local',
    async score(image: WorkingImage): Promise<EmbeddedScore> {
      const sizeOptions = { targetMegapixels: config.targetMegapixels };
      const fast = await scoreLocalDeferred(image, sizeOptions);
      if (config.mode === 'deep') {
        const scored = await deep.scoreDeep(image);
        // The deep head saw only 500×500 undamaged photos too: the damage the fast mode measured
        // (at 100 % and on the overview) costs points, with weights fitted on the head's own
        // scores (defects.json `deep`), and the same size rules apply.
        const defects = defectPenalty(fast.evidence, fittedDefects().deepWeights);
        const sized = withSizeRules(scored.score - defects.points, image, sizeOptions);
        const reasons = { ...fast.reasons };
        delete reasons.resolution;
        delete reasons.overall;
        if (sized.reason) reasons.resolution = sized.reason;
        const overall = explainOverall(sized.score, fast.dimensions, fast.monochrome === true);
        if (overall) reasons.overall = overall;
        return {
          ...fast,
          reasons,
          score: sized.score,
          opinion: scored.score,
          penalties: pointsByCause<keyof LocalScore['penalties']>({ ...defects.byFamily, size: sized.sizePoints }),
          version: scored.version,
          raw: { nsfw: scored.nsfw },
          ...(config.moderation
            ? {
                moderation: moderationFrom(scored.nsfw, config.moderationThresholds, {
                  lowDetail: lowDetailFrom(fast.dimensions),
                }),
              }
            : {}),
        };
      }
      if (config.moderation) {
        const lowDetail = lowDetailFrom(fast.dimensions);
        const { moderation, nsfw } = await deep.moderateOffline(image, config.moderationThresholds, { lowDetail });
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
export function offlineModerator(config: EmbeddedConfig, deep: DeepBackend = pooled(config)): Scorer<null> {
  return {
    id: 'local-moderation',
    async score(image: WorkingImage): Promise<ScorerOutput<null>> {
      // Blurred or badly exposed photos need more evidence (deep/nsfw.ts): the readings say which.
      const lowDetail = lowDetailFrom(extractFeatures(image).dimensions);
      const { moderation, nsfw } = await deep.moderateOffline(image, config.moderationThresholds, { lowDetail });
      return { score: null, dimensions: {}, version: BACKBONE, raw: { nsfw }, moderation };
    },
  };
}

/**
 * Starts loading what the configured mode needs, so the first upload does not pay for it
 * (it awaits the same promise if it comes first). Resolves to null when nothing is needed.
 */
export async function preloadEmbedded(
  config: EmbeddedConfig,
  deep: DeepBackend = pooled(config),
): Promise<{ loadMs: number } | null> {
  if (config.mode === 'deep') return deep.load({ head: true });
  if (config.moderation) return deep.load({ head: false });
  return null;
}

/** The deep head's version, as the workers that score with it loaded it: the main thread never loads the CNN to learn it. */
export async function deepHeadVersion(config: EmbeddedConfig, deep: DeepBackend = pooled(config)): Promise<string> {
  const { version } = await deep.load({ head: true });
  if (!version) throw new Error('photo-score: the deep head did not report its version');
  return version;
}

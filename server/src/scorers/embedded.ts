/**
 * The embedded scorer (`local` in the scorer chain) as configured: `fast` (hand-crafted
 * measurements, a few ms) or `deep` (CNN features + learned head, ≈ 0.1 s), either of them
 * with the offline NSFW check. The hand-crafted dimensions (sharpness, exposure, …) are
 * reported in both modes: they explain the score and cost ~15 ms.
 *
 * What is computed lives here, with no thread in sight: the CLI runs it on its own thread
 * (`inThreadEmbedded`), Strapi in worker threads (pool.ts runs these very functions in
 * worker.ts, fast mode included), so a score is the same wherever it was computed.
 */
import type { WorkingImage } from '../prepare/decode';
import type { VendorModeration } from '../vendor-http/types';
import { detectContent, type ContentVerdict } from './content';
import { loadDeepNetwork, loadDeepScorer, lowDetailFrom, moderateOffline, moderationFrom, scoreDeep } from './deep';
import { BACKBONE } from './deep/model';
import type { ModerationThresholds, NsfwProbabilities } from './deep/nsfw';
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
  /** Worker threads the embedded scorer runs in (`local.threads`; scorers/pool.ts); default 1. */
  threads?: number;
}

/** The offline NSFW verdict and the class probabilities behind it. */
export interface OfflineModeration {
  moderation: VendorModeration;
  nsfw: NsfwProbabilities;
}

/**
 * Where the embedded scorer runs, for one configuration: on this thread (`inThreadEmbedded`:
 * the command line, the scripts) or in the worker pool (pool.ts: Strapi, which must keep
 * serving while an image is scored). Both run the functions below.
 */
export interface EmbeddedBackend {
  /** Loads what the configured mode needs (network, head), so the first upload does not wait; null when it needs nothing. */
  load(): Promise<{ loadMs: number; version?: string } | null>;
  /** Photo or graphic (content.ts). */
  content(image: WorkingImage): Promise<ContentVerdict>;
  score(image: WorkingImage): Promise<EmbeddedScore>;
  /** The offline NSFW check alone (`offlineModerator`). */
  moderate(image: WorkingImage): Promise<OfflineModeration>;
}

/** What `load` loads for this configuration, on this thread. */
export async function loadEmbedded(config: EmbeddedConfig): Promise<{ loadMs: number; version?: string } | null> {
  if (config.mode === 'deep') {
    const scorer = await loadDeepScorer();
    return { loadMs: scorer.network.loadMs, version: scorer.head.version };
  }
  if (config.moderation) return { loadMs: (await loadDeepNetwork()).loadMs };
  return null;
}

/** The embedded score of one image, on this thread: the fast measurements, and in deep mode the CNN and head on top. */
export async function scoreEmbedded(config: EmbeddedConfig, image: WorkingImage): Promise<EmbeddedScore> {
  const sizeOptions = { targetMegapixels: config.targetMegapixels };
  const fast = await scoreLocalDeferred(image, sizeOptions);
  if (config.mode === 'deep') {
    const scored = await scoreDeep(image);
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
    const { moderation, nsfw } = await moderateOffline(image, config.moderationThresholds, { lowDetail });
    return { ...fast, raw: { nsfw }, moderation };
  }
  return fast;
}

/** The offline NSFW check alone, on this thread. */
export async function moderateEmbedded(config: EmbeddedConfig, image: WorkingImage): Promise<OfflineModeration> {
  // Blurred or badly exposed photos need more evidence (deep/nsfw.ts): the readings say which.
  const lowDetail = lowDetailFrom(extractFeatures(image).dimensions);
  return moderateOffline(image, config.moderationThresholds, { lowDetail });
}

/** The embedded scorer on this thread (the CLI, the scripts, the tests that need no build). */
export function inThreadEmbedded(config: EmbeddedConfig): EmbeddedBackend {
  return {
    load: () => loadEmbedded(config),
    content: async (image) => detectContent(image),
    score: (image) => scoreEmbedded(config, image),
    moderate: (image) => moderateEmbedded(config, image),
  };
}

/** The scorer chain's `local`, wherever `backend` runs it. */
export function embeddedScorer(backend: EmbeddedBackend): EmbeddedScorer {
  return { id: 'local', score: (image) => backend.score(image) };
}

/**
 * The offline NSFW check on its own, as a tag-only scorer: `local.moderation` promises a verdict on
 * every image, also when a `fallback` chain settled on a vendor before reaching `local`.
 */
export function offlineModerator(backend: EmbeddedBackend): Scorer<null> {
  return {
    id: 'local-moderation',
    async score(image: WorkingImage): Promise<ScorerOutput<null>> {
      const { moderation, nsfw } = await backend.moderate(image);
      return { score: null, dimensions: {}, version: BACKBONE, raw: { nsfw }, moderation };
    },
  };
}

/** The deep head's version, as loaded where `backend` scores with it: Strapi's main thread never loads the CNN to learn it. */
export async function deepHeadVersion(backend: EmbeddedBackend): Promise<string> {
  const loaded = await backend.load();
  if (!loaded?.version) throw new Error('photo-score: the deep head did not report its version');
  return loaded.version;
}

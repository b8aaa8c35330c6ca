/**
 * Offline NSFW moderation from nsfwjs's five class probabilities, in the same shape as the
 * vendors' verdicts so the plugin's `nsfw: 'reject' | 'flag' | 'ignore'` policy treats both alike.
 *
 * The verdict is decided by the strongest single unsafe class, each against its own threshold
 * (config, `local.moderationThresholds`):
 * - `nsfw` when P(Porn) or P(Hentai) ≥ `nsfw` (default 0.7): explicit content, photographed or drawn;
 * - `suggestive` when P(Sexy), P(Porn) or P(Hentai) ≥ `suggestive` (default 0.6);
 * - `safe` otherwise.
 * `label` is the class that decided it and `confidence` (0–100) that class's own probability:
 * `nsfw (Porn 83 %)`, `suggestive (Sexy 64 %)`. For `safe`, `label` is the likelier of Neutral
 * and Drawing and `confidence` the strongest unsafe class's probability, as for the vendors how
 * sure the model is that the image is NOT safe.
 *
 * Why single classes and not sums: the small model spreads its doubt over the unsafe classes
 * on blurred and dark photos (a motion-blurred theatre photo: Porn + Hentai + Sexy = 61 %), so
 * the old rule, P(Porn) + P(Hentai) + P(Sexy) ≥ 0.5, called many ordinary photos suggestive;
 * measured on clive-dev and its blurred and darkened copies (README, "Offline NSFW moderation").
 * `suggestive` is only reported, the policy acts on `nsfw` alone.
 */
import type { VendorModeration } from '../../vendor-http/types';
import { NSFW_CLASS_NAMES, type NsfwClassName } from './model';

export interface ModerationThresholds {
  /** 0–1: P(Porn) or P(Hentai) from which an image is `nsfw`. */
  nsfw: number;
  /** 0–1: P(Sexy), P(Porn) or P(Hentai) from which an image is `suggestive`. */
  suggestive: number;
  /**
   * 0–1: what the deciding class needs at least, for either level, on a blurred or badly
   * exposed photo (ModerationContext.lowDetail); 0 turns that guard off. Default 0.95.
   */
  lowDetail?: number;
}

export const DEFAULT_MODERATION_THRESHOLDS = {
  nsfw: 0.7,
  suggestive: 0.6,
  lowDetail: 0.95,
} as const satisfies Required<ModerationThresholds>;

/** What the scorer knows of the photo besides the class probabilities. */
export interface ModerationContext {
  /**
   * The photo is blurred or badly exposed (the embedded scorer's sharpness or exposure reading
   * under 50). The small network reads such photos as Porn far too often: on clive-dev, a
   * Gaussian blur of σ 2 px made 3.8 % of its photos P(Porn) ≥ 0.7, a 9 px motion blur on a
   * darkened copy 10 %, a baby's portrait read 91 % (README, "Offline NSFW moderation").
   */
  lowDetail?: boolean;
}

export type NsfwProbabilities = Record<NsfwClassName, number>;

export function namedProbabilities(values: ArrayLike<number>): NsfwProbabilities {
  if (values.length !== NSFW_CLASS_NAMES.length) {
    throw new RangeError(`expected ${NSFW_CLASS_NAMES.length} NSFW class probabilities, got ${values.length}`);
  }
  return Object.fromEntries(NSFW_CLASS_NAMES.map((name, index) => [name, values[index]])) as NsfwProbabilities;
}

const percent = (p: number): number => Math.round(Math.min(1, Math.max(0, p)) * 1000) / 10;

const EXPLICIT = ['Porn', 'Hentai'] as const;
const UNSAFE = ['Sexy', 'Porn', 'Hentai'] as const;

/** The likeliest of `classes` (the first on a tie). */
function strongest<Name extends NsfwClassName>(p: NsfwProbabilities, classes: readonly Name[]): Name {
  return classes.reduce((a, b) => (p[b] > p[a] ? b : a));
}

export function moderationFrom(
  p: NsfwProbabilities,
  thresholds: ModerationThresholds = DEFAULT_MODERATION_THRESHOLDS,
  context: ModerationContext = {},
): VendorModeration {
  const floor = context.lowDetail ? (thresholds.lowDetail ?? DEFAULT_MODERATION_THRESHOLDS.lowDetail) : 0;
  const explicit = strongest(p, EXPLICIT);
  if (p[explicit] >= Math.max(thresholds.nsfw, floor)) {
    return { level: 'nsfw', confidence: percent(p[explicit]), label: explicit };
  }
  const unsafe = strongest(p, UNSAFE);
  if (p[unsafe] >= Math.max(thresholds.suggestive, floor)) {
    return { level: 'suggestive', confidence: percent(p[unsafe]), label: unsafe };
  }
  return { level: 'safe', confidence: percent(p[unsafe]), label: p.Drawing > p.Neutral ? 'Drawing' : 'Neutral' };
}

/** Below this, the embedded sharpness or exposure reading makes a photo `lowDetail` for moderation. */
export const LOW_DETAIL_READING = 50;

/** From the embedded scorer's readings: blurred ("out of focus") or badly exposed. */
export function lowDetailFrom(dimensions: { sharpness: number; exposure: number }): boolean {
  return dimensions.sharpness < LOW_DETAIL_READING || dimensions.exposure < LOW_DETAIL_READING;
}

/** How a verdict reads to people: `safe`, `suggestive (Sexy 64 %)`, `nsfw (Porn 83 %)`. */
export function describeModeration(moderation: VendorModeration): string {
  if (moderation.level === 'safe') return 'safe';
  return `${moderation.level} (${moderation.label} ${Math.round(moderation.confidence)} %)`;
}

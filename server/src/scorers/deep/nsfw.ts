/**
 * Offline NSFW moderation from nsfwjs's five class probabilities, in the same shape as the
 * vendors' verdicts so the plugin's `nsfw: 'reject' | 'flag' | 'ignore'` policy treats both alike.
 *
 * Levels (thresholds are config, `local.moderationThresholds`):
 * - `nsfw` when P(Porn) + P(Hentai) ≥ `nsfw` (default 0.7): explicit content, photographed or drawn;
 * - `suggestive` when P(Porn) + P(Hentai) + P(Sexy) ≥ `suggestive` (default 0.5);
 * - `safe` otherwise.
 * `confidence` is, as for the vendors, how sure the model is that the image is NOT safe:
 * 100 × (P(Porn) + P(Hentai)) for `nsfw`, 100 × (P(Porn) + P(Hentai) + P(Sexy)) otherwise.
 * The defaults lean towards fewer false refusals (a refused upload is worse than a flagged
 * one); `suggestive` is only reported, the policy acts on `nsfw` alone.
 */
import type { VendorModeration } from '../../vendor-http/types';
import { NSFW_CLASS_NAMES, type NsfwClassName } from './model';

export interface ModerationThresholds {
  /** 0–1: P(Porn) + P(Hentai) from which an image is `nsfw`. */
  nsfw: number;
  /** 0–1: P(Porn) + P(Hentai) + P(Sexy) from which an image is `suggestive`. */
  suggestive: number;
}

export const DEFAULT_MODERATION_THRESHOLDS: ModerationThresholds = { nsfw: 0.7, suggestive: 0.5 };

export type NsfwProbabilities = Record<NsfwClassName, number>;

export function namedProbabilities(values: ArrayLike<number>): NsfwProbabilities {
  if (values.length !== NSFW_CLASS_NAMES.length) {
    throw new RangeError(`expected ${NSFW_CLASS_NAMES.length} NSFW class probabilities, got ${values.length}`);
  }
  return Object.fromEntries(NSFW_CLASS_NAMES.map((name, index) => [name, values[index]])) as NsfwProbabilities;
}

const percent = (p: number): number => Math.round(Math.min(1, Math.max(0, p)) * 1000) / 10;

export function moderationFrom(
  p: NsfwProbabilities,
  thresholds: ModerationThresholds = DEFAULT_MODERATION_THRESHOLDS,
): VendorModeration {
  const explicit = p.Porn + p.Hentai;
  const unsafe = explicit + p.Sexy;
  if (explicit >= thresholds.nsfw) {
    return { level: 'nsfw', confidence: percent(explicit), label: p.Porn >= p.Hentai ? 'Porn' : 'Hentai' };
  }
  if (unsafe >= thresholds.suggestive) {
    const strongest = (['Sexy', 'Porn', 'Hentai'] as const).reduce((a, b) => (p[b] > p[a] ? b : a));
    return { level: 'suggestive', confidence: percent(unsafe), label: strongest };
  }
  return { level: 'safe', confidence: percent(unsafe), label: p.Drawing > p.Neutral ? 'Drawing' : 'Neutral' };
}

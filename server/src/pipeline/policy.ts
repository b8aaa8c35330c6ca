import type { PhotoScoreStatus } from '../attributes';
import type { PluginConfig, RuntimeSettings } from '../config';
import type { ScorerOutcome } from '../scorers/types';
import { strongestModeration } from './enrich';
import { ImageTooLargeError, UnreadableImageError } from './prepare';

/** What the policy reads of the settings: the thresholds and what an unscorable image gets. */
export type PolicySettings = Pick<RuntimeSettings, 'rejectBelow' | 'flagBelow' | 'onScorerError'>;

export type Decision =
  | { action: 'accept'; status: Extract<PhotoScoreStatus, 'scored' | 'flagged' | 'failed'>; reason: string }
  | { action: 'reject'; reason: string };

/** A file refused before it could be judged, with the HTTP status the refusal is answered with. */
export interface Refusal {
  status: 400 | 413;
  message: string;
}

/**
 * What a file prepare could not read means: bytes that are not the image they claim to be are
 * refused (400), decompression bombs too (413); any other failure is left to `onScorerError`.
 */
export function refusalOf(prepareError: unknown): Refusal | undefined {
  if (prepareError instanceof UnreadableImageError) return { status: 400, message: prepareError.message };
  if (prepareError instanceof ImageTooLargeError) return { status: 413, message: prepareError.message };
  return undefined;
}

/**
 * What happens to an upload given its combined score, or `null` when scoring failed.
 * Thresholds are strict: a score equal to `rejectBelow` is accepted.
 */
export function decide(score: number | null, settings: PolicySettings, failure?: string): Decision {
  if (score === null) {
    const why = failure ?? 'no scorer produced a score';
    return settings.onScorerError === 'reject'
      ? { action: 'reject', reason: `could not be scored (${why}) and unscored uploads are refused` }
      : { action: 'accept', status: 'failed', reason: `stored unscored: ${why}` };
  }
  if (settings.rejectBelow !== null && score < settings.rejectBelow) {
    return { action: 'reject', reason: `scored ${score}, below the minimum of ${settings.rejectBelow}` };
  }
  if (settings.flagBelow !== null && score < settings.flagBelow) {
    return {
      action: 'accept',
      status: 'flagged',
      reason: `scored ${score}, below the review threshold of ${settings.flagBelow}`,
    };
  }
  return { action: 'accept', status: 'scored', reason: `scored ${score}` };
}

/** The NSFW policy sits on top of the score policy: it can refuse or flag what the score let through. */
export function moderate(decision: Decision, outcomes: ScorerOutcome[], nsfw: PluginConfig['nsfw']): Decision {
  const moderation = strongestModeration(outcomes);
  if (decision.action === 'reject' || moderation?.level !== 'nsfw' || nsfw === 'ignore') return decision;
  const reason = `judged NSFW by ${moderation.by} (${moderation.label}, ${moderation.confidence}%)`;
  return nsfw === 'reject' ? { action: 'reject', reason } : { action: 'accept', status: 'flagged', reason };
}

/**
 * A graphic under `graphics: 'skip'` is stored unjudged, so no threshold refuses it; the NSFW
 * policy still applies, drawings can be explicit too. Says whether it is refused, flagged or neither.
 */
export function decideUnjudged(
  moderated: ScorerOutcome[],
  nsfw: PluginConfig['nsfw'],
): { action: 'reject'; reason: string } | { action: 'accept'; flagged?: string } {
  const verdict = moderate({ action: 'accept', status: 'scored', reason: '' }, moderated, nsfw);
  if (verdict.action === 'reject') return verdict;
  return { action: 'accept', flagged: verdict.status === 'flagged' ? verdict.reason : undefined };
}

import type { RuntimeSettings } from '../config';
import type { PhotoScoreStatus } from '../attributes';

export type Decision =
  | { action: 'accept'; status: Extract<PhotoScoreStatus, 'scored' | 'flagged' | 'failed'>; reason: string }
  | { action: 'reject'; reason: string };

/**
 * What happens to an upload given its combined score, or `null` when scoring failed.
 * Thresholds are strict: a score equal to `rejectBelow` is accepted.
 */
export function decide(score: number | null, settings: RuntimeSettings, failure?: string): Decision {
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

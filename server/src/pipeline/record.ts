import type { Actor } from '../../../shared/contracts/common';
import type { PhotoScoreFields } from '../attributes';
import type { contentDetails } from '../scorers/content';
import { scoreToClass } from '../scorers/score-class';
import type { ScorerOutcome } from '../scorers/types';
import type { CombinedScore } from './combine';
import { enrichmentFields } from './enrich';
import type { Decision, PolicySettings } from './policy';
import type { PreparedImage } from './prepare';

/** The stored image's upright size and container. */
export interface ImageFacts {
  format: string;
  width: number;
  height: number;
}

/** `content` and `contentCheck`: photo or graphic, how sure, and why (scorers/content.ts). */
type ContentDetails = ReturnType<typeof contentDetails>;

/**
 * A reviewer's decision on the file, beside the scorer's (`decision`), which it overrides:
 * "apply to existing media" leaves a reviewed file alone.
 */
export interface ReviewMark {
  decision: 'approve' | 'reject';
  by: Actor;
  at: string;
}

/** `photoScoreDetails` of a file with no raster pixels (not an image, or a vector image). */
export interface NotAnImageDetails {
  version: 1;
  review?: ReviewMark;
  scoredAt: string;
  mime: string;
  reason: string;
}

/** `photoScoreDetails` of a graphic left unjudged under `graphics: 'skip'` (scorers/content.ts writes it). */
export interface UnjudgedGraphicDetails extends ContentDetails {
  version: 1;
  review?: ReviewMark;
  scoredAt: string;
  mime: string;
  reason: string;
  image: ImageFacts;
  /** The offline NSFW check, when it is on. */
  scorers?: ScorerOutcome[];
  decision: { status: 'skipped' | 'flagged'; reason: string };
}

/** The statuses a judged image can be given. */
export type JudgedStatus = Extract<Decision, { action: 'accept' }>['status'] | 'rejected';

/** `photoScoreDetails` of an image that went through the scorers (or could not be decoded and was kept). */
export interface ScoredDetails extends Partial<ContentDetails> {
  version: 1;
  review?: ReviewMark;
  scoredAt: string;
  durationMs: number;
  /** null when the image could not be decoded. */
  image: ImageFacts | null;
  scorers: ScorerOutcome[];
  /** Why the photo lost points, by dimension ("overexposed: 18 % of pixels clipped"). */
  reasons: Record<string, string>;
  combined: CombinedScore;
  /** `rejected` only on a file already stored (a backfill): an upload so judged is refused. */
  decision: { status: JudgedStatus; reason: string };
  /** The thresholds in force when it was judged. */
  thresholds: PolicySettings;
}

/** What the plugin stores in `photoScoreDetails`: the evidence behind a file's score and status. */
export type PhotoScoreDetails = NotAnImageDetails | UnjudgedGraphicDetails | ScoredDetails;

/** The fields stored on a file that has no pixels to judge. */
export const notAnImageRecord = (skipped: { mime: string; reason: string }, scoredAt: string): PhotoScoreFields => ({
  photoScore: null,
  photoScoreClass: null,
  photoScoreStatus: 'skipped',
  photoScoreDetails: { version: 1, scoredAt, mime: skipped.mime, reason: skipped.reason },
});

/**
 * The fields a stored file keeps when it could not be judged (`failed`: unreadable, too large),
 * was refused before scoring (`rejected`: an NSFW graphic) or waits for its score (`pending`,
 * async mode): the reason, no score.
 */
export const unjudgedRecord = (
  mime: string,
  reason: string,
  scoredAt: string,
  status: 'failed' | 'rejected' | 'pending' = 'failed',
): PhotoScoreFields => ({
  photoScore: null,
  photoScoreClass: null,
  photoScoreStatus: status,
  photoScoreDetails: { version: 1, scoredAt, mime, reason },
});

/** The fields stored on an image the policy judged: its score, class, status, enrichment and evidence. */
export function scoredRecord(judged: {
  prepared: PreparedImage | null;
  content: ContentDetails | undefined;
  outcomes: ScorerOutcome[];
  combined: CombinedScore;
  status: JudgedStatus;
  reason: string;
  settings: PolicySettings;
  scoredAt: string;
  durationMs: number;
}): PhotoScoreFields {
  const { prepared, outcomes, combined, status, reason } = judged;
  return {
    photoScore: combined.score,
    photoScoreClass: combined.score === null ? null : scoreToClass(combined.score),
    photoScoreStatus: status,
    ...enrichmentFields(outcomes),
    photoScoreDetails: {
      version: 1,
      scoredAt: judged.scoredAt,
      durationMs: judged.durationMs,
      image: prepared
        ? { format: prepared.format, width: prepared.image.originalWidth, height: prepared.image.originalHeight }
        : null,
      ...judged.content,
      scorers: outcomes,
      reasons: outcomes.reduce<Record<string, string>>(
        (all, outcome) => (outcome.ok && outcome.reasons ? { ...all, ...outcome.reasons } : all),
        {},
      ),
      combined,
      decision: { status, reason },
      thresholds: {
        rejectBelow: judged.settings.rejectBelow,
        flagBelow: judged.settings.flagBelow,
        onScorerError: judged.settings.onScorerError,
      },
    },
  };
}

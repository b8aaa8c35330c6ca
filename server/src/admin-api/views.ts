/**
 * Stored files and assessments as the admin API answers them (shared/contracts): the row's
 * columns and its `photoScoreDetails`, read once here so every route says the same thing.
 */
import type { FileRef, ScoreClass } from '../../../shared/contracts/common';
import type {
  Content,
  Dimension,
  Evidence,
  FileSummary,
  Moderation,
  ScorerVerdict,
} from '../../../shared/contracts/files';
import type { PhotoScoreFields, PhotoScoreStatus } from '../attributes';
import { reviewReason } from '../events';
import { strongestModeration } from '../pipeline/enrich';
import type { PhotoScoreDetails } from '../pipeline/record';
import type { ScorerOutcome } from '../scorers/types';

/** The columns of `plugin::upload.file` the admin API reads. */
export interface FileRow {
  id: number;
  name: string;
  mime: string | null;
  url: string;
  formats: Record<string, { url?: string } | undefined> | null;
  /** The upload provider that stores it: a private one's URLs are signed before they are shown. */
  provider: string;
  width: number | null;
  height: number | null;
  size: number;
  createdAt: string | Date;
  folderPath: string | null;
  alternativeText: string | null;
  caption: string | null;
  photoScore: number | null;
  photoScoreClass: number | null;
  photoScoreStatus: PhotoScoreStatus | null;
  photoScoreDetails: PhotoScoreDetails | null;
  photoScoreTags: string | null;
  photoScoreColours: string | null;
  photoScoreModeration: PhotoScoreFields['photoScoreModeration'];
  photoScoreFaces: number | null;
}

/** What the grid needs: no details beyond what the summary shows. */
export const SUMMARY_COLUMNS = [
  'id',
  'name',
  'mime',
  'url',
  'formats',
  'provider',
  'width',
  'height',
  'size',
  'createdAt',
  'folderPath',
  'photoScore',
  'photoScoreClass',
  'photoScoreStatus',
  'photoScoreDetails',
] as const;

const asClass = (value: number | null | undefined): ScoreClass | null =>
  value !== null && value !== undefined && value >= 1 && value <= 5 ? (value as ScoreClass) : null;

export const thumbnailOf = (row: Pick<FileRow, 'url' | 'formats'>): string | null =>
  row.formats?.thumbnail?.url ?? row.url ?? null;

const scorersOf = (details: PhotoScoreDetails | null): ScorerOutcome[] =>
  details && 'scorers' in details ? (details.scorers ?? []) : [];

const contentOf = (details: PhotoScoreDetails | null): Content | null =>
  details && 'content' in details && details.content ? details.content : null;

/** Why the file has its status: the reviewer's decision over the scorer's. */
export const reasonOf = (details: PhotoScoreDetails | null): string | null => {
  if (!details) return null;
  if (details.review) return reviewReason(details.review);
  if ('decision' in details && details.decision) return details.decision.reason;
  return 'reason' in details ? details.reason : null;
};

const reasonsOf = (details: PhotoScoreDetails | null): Record<string, string> =>
  details && 'reasons' in details ? details.reasons : {};

const decidedByOf = (details: PhotoScoreDetails | null): string[] =>
  details && 'combined' in details ? details.combined.from : [];

export const fileRefOf = (
  row: Pick<FileRow, 'id' | 'name' | 'url' | 'formats' | 'photoScore' | 'photoScoreClass' | 'photoScoreStatus'>,
): FileRef => ({
  id: row.id,
  name: row.name,
  thumbnailUrl: thumbnailOf(row),
  score: row.photoScore,
  class: asClass(row.photoScoreClass),
  status: row.photoScoreStatus ?? 'unscored',
});

export const toIso = (value: string | Date): string => new Date(value).toISOString();

export function summaryOf(row: FileRow): FileSummary {
  const details = row.photoScoreDetails;
  return {
    ...fileRefOf(row),
    mime: row.mime ?? '',
    url: row.url,
    width: row.width,
    height: row.height,
    size: row.size,
    createdAt: toIso(row.createdAt),
    folderPath: row.folderPath ?? '/',
    content: contentOf(details),
    decidedBy: decidedByOf(details),
    reason: reasonOf(details),
    reasons: reasonsOf(details),
  };
}

const moderationOf = (outcomes: ScorerOutcome[]): Moderation | null => {
  const strongest = strongestModeration(outcomes);
  return strongest
    ? { level: strongest.level, confidence: strongest.confidence, label: strongest.label, by: strongest.by }
    : null;
};

const verdictOf = (outcome: ScorerOutcome): ScorerVerdict =>
  outcome.ok
    ? {
        scorer: outcome.scorer,
        ok: true,
        score: outcome.score,
        dimensions: outcome.dimensions,
        reasons: outcome.reasons ?? {},
        version: outcome.version,
        durationMs: outcome.durationMs,
        cached: outcome.cached ?? false,
        error: null,
        moderation: moderationOf([outcome]),
      }
    : {
        scorer: outcome.scorer,
        ok: false,
        score: null,
        dimensions: {},
        reasons: {},
        version: null,
        durationMs: outcome.durationMs,
        cached: false,
        error: outcome.error,
        moderation: null,
      };

const dimensionsOf = (outcomes: ScorerOutcome[]): Dimension[] =>
  outcomes.flatMap((outcome) =>
    outcome.ok
      ? Object.entries(outcome.dimensions).map(([name, value]) => ({
          scorer: outcome.scorer,
          name,
          value,
          reason: outcome.reasons?.[name] ?? null,
        }))
      : [],
  );

/** `,beach,sunset,` → ['beach', 'sunset']. */
const listOf = (delimited: string | null | undefined): string[] =>
  (delimited ?? '').split(',').filter((item) => item !== '');

/** Everything behind a verdict, from the stored fields (a file) or an assessment's record (try a photo). */
export function evidenceOf(
  fields: Pick<
    PhotoScoreFields,
    'photoScore' | 'photoScoreClass' | 'photoScoreTags' | 'photoScoreColours' | 'photoScoreFaces'
  > & {
    photoScoreStatus: PhotoScoreStatus | null;
    photoScoreDetails: PhotoScoreDetails | null;
  },
): Evidence {
  const details = fields.photoScoreDetails;
  const outcomes = scorersOf(details);
  const contentCheck = details && 'contentCheck' in details ? details.contentCheck : undefined;
  return {
    score: fields.photoScore,
    class: asClass(fields.photoScoreClass),
    status: fields.photoScoreStatus ?? 'unscored',
    content: contentOf(details),
    contentConfidence: contentCheck?.confidence ?? null,
    contentWhy: contentCheck?.why ?? null,
    decidedBy: decidedByOf(details),
    reason: reasonOf(details),
    reasons: reasonsOf(details),
    dimensions: dimensionsOf(outcomes),
    scorers: outcomes.map(verdictOf),
    tags: listOf(fields.photoScoreTags),
    colours: listOf(fields.photoScoreColours),
    moderation: moderationOf(outcomes),
    faces: fields.photoScoreFaces ?? null,
    image: details && 'image' in details ? details.image : null,
    thresholds:
      details && 'thresholds' in details
        ? { rejectBelow: details.thresholds.rejectBelow, flagBelow: details.thresholds.flagBelow }
        : null,
    scoredAt: details?.scoredAt ?? null,
  };
}

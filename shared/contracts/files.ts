/**
 * The library: `GET /photo-score/files` (a page of images with their scores, filtered and
 * sorted) and `GET /photo-score/files/:id` (one image with all its evidence and the history of
 * decisions). RBAC: `read`.
 */
import { z } from 'zod';
import {
  isoInstant,
  paginationQuery,
  PHOTO_SCORE_STATUSES,
  queryList,
  SCORE_CLASSES,
  type Actor,
  type FileRef,
  type Paginated,
  type PhotoScoreStatus,
} from './common';

export const FILE_SORTS = ['score:asc', 'score:desc', 'date:asc', 'date:desc'] as const;
export type FileSort = (typeof FILE_SORTS)[number];

const score = z.coerce.number().min(0).max(100);

export const filesQuerySchema = z
  .object({
    ...paginationQuery,
    /** `flagged,pending`: any of these statuses. */
    status: queryList(z.enum(PHOTO_SCORE_STATUSES)).optional(),
    /** `1,2`: any of these classes. */
    class: queryList(z.coerce.number().int().min(1).max(SCORE_CLASSES.length)).optional(),
    /** Score at least / at most (files without a score are left out when either is given). */
    minScore: score.optional(),
    maxScore: score.optional(),
    /** A folder's id: its files and those of its subfolders. */
    folder: z.coerce.number().int().positive().optional(),
    /** `image/jpeg`, or a family ending in a slash (`image/`). */
    mime: z
      .string()
      .regex(/^[a-z]+\/[a-z0-9.+-]*$/i, 'a MIME type such as image/jpeg, or a prefix such as image/')
      .optional(),
    /** Uploaded (`createdAt`) at or after / before these instants (ISO 8601 with offset). */
    uploadedAfter: isoInstant.optional(),
    uploadedBefore: isoInstant.optional(),
    /** Part of the file name, any case. */
    search: z.string().trim().min(1).max(200).optional(),
    /** Exactly these files (at most 100), e.g. the images of a Content Manager entry. */
    ids: queryList(z.coerce.number().int().positive()).pipe(z.array(z.number()).max(100)).optional(),
    sort: z.enum(FILE_SORTS).default('date:desc'),
  })
  .strict()
  .refine((q) => q.minScore === undefined || q.maxScore === undefined || q.minScore <= q.maxScore, {
    path: ['maxScore'],
    message: 'maxScore must be at least minScore',
  });

export type FilesQuery = z.infer<typeof filesQuerySchema>;
/** What a client may send (numbers as numbers or strings, lists as arrays or `a,b`). */
export type FilesQueryInput = z.input<typeof filesQuerySchema>;

export type Content = 'photo' | 'graphic';

/** One image of the library as the grid and the table show it. */
export interface FileSummary extends FileRef {
  mime: string;
  url: string;
  width: number | null;
  height: number | null;
  /** KB, as Strapi stores it. */
  size: number;
  createdAt: string;
  folderPath: string;
  /** Photo or graphic, as the content check judged it; null when it did not run. */
  content: Content | null;
  /** The scorers whose results make the score (`local`, a vendor id); empty when none did. */
  decidedBy: string[];
  /** Why the file has its status (`scored 21.4, below the review threshold of 30`). */
  reason: string | null;
  /** A short phrase per dimension that pulls the score down. */
  reasons: Record<string, string>;
}

export type FilesResponse = Paginated<FileSummary>;

export interface Moderation {
  level: 'safe' | 'suggestive' | 'nsfw';
  /** 0–100: how sure that the image is not safe. */
  confidence: number;
  label: string;
  /** The scorer that gave it. */
  by: string;
}

/** One scorer's verdict on the image. */
export interface ScorerVerdict {
  scorer: string;
  ok: boolean;
  /** 0–100; null for a scorer that only moderates or tags, or one that failed. */
  score: number | null;
  /** Named sub-scores, 0–100. */
  dimensions: Record<string, number>;
  reasons: Record<string, string>;
  version: string | null;
  durationMs: number;
  /** Served from the vendor result cache: not paid for again. */
  cached: boolean;
  /** Why it failed or was skipped. */
  error: string | null;
  moderation: Moderation | null;
}

/** A dimension as a bar: its value, which scorer measured it, and its reason when it pulls the score down. */
export interface Dimension {
  scorer: string;
  name: string;
  value: number;
  reason: string | null;
}

/** The evidence behind a verdict: what try-a-photo shows and what an asset opens to. */
export interface Evidence {
  score: number | null;
  class: FileRef['class'];
  status: PhotoScoreStatus;
  content: Content | null;
  /** 0.5–1, and the evidence in words, when the content check ran. */
  contentConfidence: number | null;
  contentWhy: string | null;
  decidedBy: string[];
  reason: string | null;
  reasons: Record<string, string>;
  dimensions: Dimension[];
  scorers: ScorerVerdict[];
  tags: string[];
  colours: string[];
  moderation: Moderation | null;
  faces: number | null;
  /** The upright size and container of the image, when it was decoded. */
  image: { format: string; width: number; height: number } | null;
  /** The thresholds in force when it was judged. */
  thresholds: { rejectBelow: number | null; flagBelow: number | null } | null;
  scoredAt: string | null;
}

export const DECISION_KINDS = ['approve', 'reject', 'apply', 'auto-reject'] as const;
/**
 * `approve`/`reject`: a reviewer's; `apply`: "apply to existing media" moved the file between
 * scored, flagged and rejected; `auto-reject`: async scoring judged a stored upload under `rejectBelow`.
 */
export type DecisionKind = (typeof DECISION_KINDS)[number];

export interface FeedbackOutcome {
  vendor: string;
  ok: boolean;
  /** Why it failed, without credentials. */
  error: string | null;
  at: string;
}

/** One entry of a file's history. */
export interface DecisionRecord {
  id: number;
  file: number;
  fileName: string;
  decision: DecisionKind;
  fromStatus: PhotoScoreStatus;
  toStatus: PhotoScoreStatus;
  /** The file was deleted (a rejection with `reviewReject: 'delete'`, or `asyncReject: 'delete'`). */
  deleted: boolean;
  by: Actor;
  at: string;
  /** The score when it was decided. */
  score: number | null;
  note: string | null;
  /** What the vendors that take feedback answered (empty until sent, or when none applies). */
  feedback: FeedbackOutcome[];
}

export interface FileDetail extends FileSummary, Evidence {
  alternativeText: string | null;
  caption: string | null;
  /** Newest first. */
  history: DecisionRecord[];
}

export interface FileDetailResponse {
  data: FileDetail;
}

export const fileParamsSchema = z.object({ id: z.coerce.number().int().positive() }).strict();

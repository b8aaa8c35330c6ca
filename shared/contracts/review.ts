/**
 * The review queue: `POST /photo-score/review` (RBAC `review`) approves or rejects up to 100
 * files at once; `GET /photo-score/review/counts` (RBAC `read`) counts each tab. The queue's
 * files themselves are `GET /photo-score/files?status=flagged` (files.ts).
 */
import { z } from 'zod';
import type { PhotoScoreStatus } from './common';

export const MAX_REVIEW_BATCH = 100;

export const reviewBodySchema = z
  .object({
    ids: z.array(z.number().int().positive()).min(1).max(MAX_REVIEW_BATCH),
    decision: z.enum(['approve', 'reject']),
    /** Kept with the decision in the file's history. */
    note: z.string().trim().max(500).optional(),
  })
  .strict();

export type ReviewBody = z.infer<typeof reviewBodySchema>;

/**
 * What happened to each file: `approved`, `rejected` (kept, status rejected), `deleted`
 * (`reviewReject: 'delete'`), `unchanged` (it already had that status), `not-found`.
 */
export type ReviewOutcome = 'approved' | 'rejected' | 'deleted' | 'unchanged' | 'not-found';

export interface ReviewResult {
  id: number;
  outcome: ReviewOutcome;
  /** Null for a file not found. */
  fromStatus: PhotoScoreStatus | null;
  toStatus: PhotoScoreStatus | null;
}

export interface ReviewResponse {
  data: {
    decision: ReviewBody['decision'];
    /** What a rejection did, per the `reviewReject` setting. */
    rejectAction: 'mark' | 'delete';
    /** Files whose status changed (or that were deleted). */
    decided: number;
    results: ReviewResult[];
  };
}

export interface ReviewCounts {
  flagged: number;
  pending: number;
  rejected: number;
  approved: number;
  /** What "reject" does now (the `reviewReject` setting), so the queue can confirm before a deletion. */
  rejectAction: 'mark' | 'delete';
}

export interface ReviewCountsResponse {
  data: ReviewCounts;
}

/**
 * Distribution and calibration (RBAC `read`):
 * - `GET /photo-score/distribution?bins=20`: a histogram of stored scores per class, with the thresholds;
 * - `POST /photo-score/preview` `{ rejectBelow, flagBelow }`: what those thresholds would do to
 *   the stored images "apply to existing media" re-judges (`POST /photo-score/apply`, RBAC
 *   `backfill`, does it), judged by the same policy code as uploads, with sample files on each
 *   side of each line;
 * - `GET /photo-score/calibration`: how often reviewers overturn the score, per class.
 */
import { z } from 'zod';
import { isoInstant, type FileRef, type ScoreClass } from './common';
import type { Thresholds } from './settings';

export const distributionQuerySchema = z.object({ bins: z.coerce.number().int().min(1).max(100).default(20) }).strict();

export interface DistributionBin {
  /** Scores in [from, to); the last bin includes 100. */
  from: number;
  to: number;
  total: number;
  /** Images per class in this bin (a bin wider than 20 points spans classes). */
  byClass: Record<ScoreClass, number>;
}

export interface Distribution {
  bins: DistributionBin[];
  /** Images with a score. */
  total: number;
  byClass: Record<ScoreClass, number>;
  /** Every file by status, scored or not. */
  byStatus: Record<string, number>;
  thresholds: Thresholds;
}

export interface DistributionResponse {
  data: Distribution;
}

export { thresholdsSchema as previewBodySchema } from './settings';

export interface PreviewSample extends FileRef {
  /** What the previewed thresholds would make its status. */
  wouldBe: 'scored' | 'flagged' | 'rejected';
}

/** The files nearest a line: `below` scored under it (closest first), `above` at or over it. */
export interface LineSamples {
  line: number;
  below: PreviewSample[];
  above: PreviewSample[];
}

export interface Preview {
  thresholds: Thresholds;
  /**
   * Images apply re-judges: a score, status scored, flagged or rejected, and no reviewer's
   * decision (an admin's approval or rejection stays).
   */
  total: number;
  /** "would refuse N and flag M of K images": N = refuse, M = flag, K = total. */
  refuse: number;
  flag: number;
  accept: number;
  /** Of those, how many would change status if applied. */
  changes: number;
  /** Null for a threshold that is off. */
  samples: { rejectBelow: LineSamples | null; flagBelow: LineSamples | null };
}

export interface PreviewResponse {
  data: Preview;
}

export const calibrationQuerySchema = z.object({ since: isoInstant.optional() }).strict();

/**
 * Per class of the score at the time of the decision. A review decision counts when the file
 * had a verdict of the scorer (status scored, flagged or rejected). It overturns the score when
 * the reviewer approves a flagged or rejected image, or rejects one the score accepted (scored).
 * Rejecting a flagged image, or approving a scored one, confirms it.
 */
export interface CalibrationRow {
  class: ScoreClass;
  reviewed: number;
  overturned: number;
  /** overturned / reviewed, 0–1; null when nothing was reviewed. */
  overturnRate: number | null;
  approvedFromFlagged: number;
  approvedFromRejected: number;
  rejectedFromScored: number;
}

export interface Calibration {
  classes: CalibrationRow[];
  total: { reviewed: number; overturned: number; overturnRate: number | null };
  /** Review decisions on files without a score or a scorer's verdict (pending, failed, skipped…): not counted above. */
  uncounted: number;
}

export interface CalibrationResponse {
  data: Calibration;
}

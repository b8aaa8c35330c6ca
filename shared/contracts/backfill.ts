/**
 * Backfill and apply (RBAC `backfill`): `POST /photo-score/backfill/estimate`,
 * `POST /photo-score/backfill`, `GET /photo-score/backfill[/:id]`, `POST …/:id/pause|resume|cancel`,
 * `POST /photo-score/apply`. The selection is validated here for the server, the CLI and the admin.
 */
import { z } from 'zod';
import { PHOTO_SCORE_STATUSES } from './common';

export const BACKFILL_STATES = ['running', 'paused', 'cancelled', 'done'] as const;
export type BackfillState = (typeof BACKFILL_STATES)[number];

export const backfillSelectionSchema = z
  .object({
    /** `unscored`: never scored; `outdated`: not scored by today's embedded model (or never); `all`. */
    scope: z.enum(['unscored', 'outdated', 'all']).default('unscored'),
    /** A folder's id: its files and those of its subfolders. */
    folder: z.number().int().positive().optional(),
    /** An exact type (`image/jpeg`) or a family ending in a slash (`image/`). */
    mime: z
      .string()
      .regex(/^[a-z]+\/[a-z0-9.+-]*$/i, 'a MIME type such as image/jpeg, or a prefix such as image/')
      .optional(),
    /** Uploaded at or after / before these instants (ISO 8601). */
    uploadedAfter: z.iso.datetime({ offset: true }).optional(),
    uploadedBefore: z.iso.datetime({ offset: true }).optional(),
    /** Only files with one of these statuses. */
    status: z.array(z.enum(PHOTO_SCORE_STATUSES)).min(1).optional(),
  })
  .strict();

export type BackfillSelection = z.infer<typeof backfillSelectionSchema>;
/** What a client may send: every key optional (`{}` is every unscored file). */
export type BackfillSelectionInput = z.input<typeof backfillSelectionSchema>;

export interface BackfillEstimate {
  selection: BackfillSelection;
  files: number;
  /** What each paid vendor would be asked, against its budget. */
  vendors: Array<{
    vendor: string;
    requests: number;
    budget: { perDay?: number; perMonth?: number; usedToday: number; usedThisMonth: number };
  }>;
}

export interface BackfillProgress {
  id: number;
  state: BackfillState;
  selection: BackfillSelection;
  startedBy: string | null;
  startedAt: string;
  finishedAt: string | null;
  total: number;
  done: number;
  failed: number;
  skipped: number;
  cancelled: number;
  remaining: number;
  /** Files finished per minute over the last minute. */
  perMinute: number;
  /** Seconds left at that rate; null when nothing moves. */
  etaSeconds: number | null;
  /** The first failures, with why. */
  failures: Array<{ file: number; reason: string | null }>;
}

/** `POST /photo-score/apply`: stored scores re-judged against the thresholds in force. */
export interface ApplyResult {
  examined: number;
  changed: number;
  byStatus: Record<string, number>;
}

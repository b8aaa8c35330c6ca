/**
 * What every admin contract shares: the statuses and classes stored on a file, pagination, and
 * the query-string helpers (a query string carries text: lists come as `a,b` or `a[]=…`).
 */
import { z } from 'zod';

/** `photoScoreStatus` on `plugin::upload.file`. */
export const PHOTO_SCORE_STATUSES = [
  'scored',
  'flagged',
  'approved',
  'rejected',
  'pending',
  'unscored',
  'skipped',
  'failed',
] as const;
export type PhotoScoreStatus = (typeof PHOTO_SCORE_STATUSES)[number];

/** `photoScoreClass`: the 20-point bands, 1 very bad (0–20) … 5 excellent (80–100). */
export const SCORE_CLASSES = [1, 2, 3, 4, 5] as const;
export type ScoreClass = (typeof SCORE_CLASSES)[number];

export const MAX_PAGE_SIZE = 100;

export interface Pagination {
  page: number;
  pageSize: number;
  total: number;
  pageCount: number;
}

export interface Paginated<T> {
  data: T[];
  pagination: Pagination;
}

export const paginationQuery = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(24),
};

/** A list in a query string: `a,b`, `a&a`, or `a[]=…`, each item checked by `item`. */
export const queryList = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => {
    const parts = Array.isArray(value) ? value : typeof value === 'string' ? [value] : undefined;
    if (!parts) return value;
    return parts.flatMap((part) =>
      typeof part === 'string'
        ? part
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : [part],
    );
  }, z.array(item).min(1));

/** A route that takes no query: any key is a client expecting an option that does not exist. */
export const noQuerySchema = z.object({}).strict();

export const isoInstant = z.iso.datetime({ offset: true });

/** A threshold: 0–100, or null for off. */
export const threshold = z.number().min(0).max(100).nullable();

/** The file as thumbnails show it. */
export interface FileRef {
  id: number;
  name: string;
  /** `formats.thumbnail.url`, or the file's own URL when it has no thumbnail. */
  thumbnailUrl: string | null;
  score: number | null;
  class: ScoreClass | null;
  status: PhotoScoreStatus;
}

/** An admin user as decisions name them. */
export interface Actor {
  id: number | null;
  /** `username`, or first and last name, or e-mail; for automatic decisions what made them (`async scoring`). */
  name: string;
}

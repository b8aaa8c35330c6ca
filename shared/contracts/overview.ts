/**
 * The homepage widget, `GET /photo-score/overview`, and the log of refused uploads,
 * `GET /photo-score/refusals` (RBAC `read`). A refused upload stores nothing, so refusals are
 * kept in a bounded log of their own (the latest 200; names, scores and reasons, never bytes).
 */
import { z } from 'zod';
import { paginationQuery, type FileRef, type Paginated, type ScoreClass } from './common';

export interface Refusal {
  id: number;
  fileName: string;
  mime: string | null;
  score: number | null;
  /** Why, as the uploader was told it (`"671.JPG" scored 12, below the minimum of 40: out of focus`). */
  message: string;
  reasons: Record<string, string>;
  /**
   * How it arrived: `admin` (the admin panel), `api-token` or `users-permissions` (the content
   * API), `server` (code calling the upload service).
   */
  via: 'admin' | 'api-token' | 'users-permissions' | 'server';
  /** The admin or user, or the API token's name; null when unknown. */
  by: string | null;
  at: string;
}

export const refusalsQuerySchema = z.object({ ...paginationQuery }).strict();

export type RefusalsResponse = Paginated<Refusal>;

export interface Overview {
  /** Flagged and pending images, with the latest few flagged or pending. */
  awaitingReview: { flagged: number; pending: number; latest: FileRef[] };
  /** Scored images per class, and every file by status. */
  distribution: { total: number; byClass: Record<ScoreClass, number>; byStatus: Record<string, number> };
  /** The latest refused uploads, newest first, and how many in the last 24 hours. */
  refusals: { last24h: number; latest: Refusal[] };
}

export interface OverviewResponse {
  data: Overview;
}

/**
 * Which stored files a backfill covers: a scope (never scored, scored by another model than
 * today's, or all) narrowed by folder, MIME type, upload date and status. The request's shape
 * is validated here; the matching runs on the database where it can (mime, dates, status,
 * folder) and on the stored record where it cannot (the model version inside the JSON).
 */
import { z } from 'zod';
import { FILE_UID, PHOTO_SCORE_STATUSES } from '../attributes';
import type { PhotoScoreDetails } from '../pipeline/record';

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

/** The columns a selection reads of each file. */
export interface CandidateFile {
  id: number;
  mime: string | null;
  photoScoreStatus: string | null;
  photoScoreDetails: PhotoScoreDetails | null;
}

type Where = Record<string, unknown>;

/** The database part of a selection, as a Strapi query `where`; `folderPath` is the folder's path when one is given. */
export function selectionWhere(selection: BackfillSelection, folderPath?: string): Where {
  const clauses: Where[] = [];
  if (selection.mime) {
    clauses.push({ mime: selection.mime.endsWith('/') ? { $startsWith: selection.mime } : selection.mime });
  }
  if (selection.uploadedAfter) clauses.push({ createdAt: { $gte: selection.uploadedAfter } });
  if (selection.uploadedBefore) clauses.push({ createdAt: { $lt: selection.uploadedBefore } });
  if (selection.status) clauses.push({ photoScoreStatus: { $in: selection.status } });
  if (selection.scope === 'unscored') {
    clauses.push({ $or: [{ photoScoreStatus: 'unscored' }, { photoScoreStatus: { $null: true } }] });
  }
  if (folderPath !== undefined) {
    clauses.push({ $or: [{ folderPath }, { folderPath: { $startsWith: `${folderPath}/` } }] });
  }
  return clauses.length === 0 ? {} : { $and: clauses };
}

/** The embedded model version a stored record was scored by, if any. */
export function embeddedVersionOf(details: PhotoScoreDetails | null): string | undefined {
  if (!details || !('scorers' in details) || !details.scorers) return undefined;
  const local = details.scorers.find((outcome) => outcome.scorer === 'local');
  return local?.ok ? local.version : undefined;
}

/** The part of a selection the database cannot answer: is this file's score from another model? */
export const matchesScope = (file: CandidateFile, selection: BackfillSelection, currentVersion: string): boolean =>
  selection.scope !== 'outdated' || embeddedVersionOf(file.photoScoreDetails) !== currentVersion;

export { FILE_UID };

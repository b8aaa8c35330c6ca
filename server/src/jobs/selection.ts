/**
 * Which stored files a backfill covers: a scope (never scored, scored by another model than
 * today's, or all) narrowed by folder, MIME type, upload date and status. The request's shape
 * is shared/contracts/backfill.ts; the matching runs on the database where it can (mime, dates, status,
 * folder) and on the stored record where it cannot (the model version inside the JSON).
 */
import type { BackfillSelection } from '../../../shared/contracts/backfill';
import { FILE_UID } from '../attributes';
import type { PhotoScoreDetails } from '../pipeline/record';

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

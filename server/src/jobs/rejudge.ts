/**
 * Re-judging stored scores against thresholds without scoring again: what "apply to existing
 * media" does and what the threshold preview counts, with the same policy code as uploads
 * (pipeline/policy.ts), over the same files. A reviewer's decision stays: it is not re-judged.
 */
import type { Core } from '@strapi/strapi';
import { FILE_UID, type PhotoScoreStatus } from '../attributes';
import type { PluginConfig } from '../config';
import { decide, moderate, type PolicySettings } from '../pipeline/policy';
import type { PhotoScoreDetails } from '../pipeline/record';

/** The statuses a stored score moves between. */
export type RejudgedStatus = Extract<PhotoScoreStatus, 'scored' | 'flagged' | 'rejected'>;

export interface RejudgeableFile {
  id: number;
  photoScore: number;
  photoScoreStatus: RejudgedStatus;
  photoScoreDetails: PhotoScoreDetails | null;
}

const PAGE = 500;

/**
 * The status and reason a stored score gets under `settings`, or undefined for a file that is
 * not re-judged: no scorer's evidence, or a reviewer's decision.
 */
export function rejudge(
  file: RejudgeableFile,
  settings: PolicySettings,
  nsfw: PluginConfig['nsfw'],
): { status: RejudgedStatus; reason: string } | undefined {
  const details = file.photoScoreDetails;
  if (!details || !('scorers' in details) || details.review) return undefined;
  const decision = moderate(decide(file.photoScore, settings), details.scorers ?? [], nsfw);
  return decision.action === 'reject'
    ? { status: 'rejected', reason: decision.reason }
    : { status: decision.status === 'flagged' ? 'flagged' : 'scored', reason: decision.reason };
}

/** Every file with a stored score and a status apply moves, page by page, with the columns asked for. */
export async function forEachRejudgeable<Row extends RejudgeableFile>(
  strapi: Core.Strapi,
  columns: ReadonlyArray<string>,
  visit: (file: Row) => Promise<void> | void,
): Promise<void> {
  for (let after = 0; ; ) {
    const page = (await strapi.db.query(FILE_UID).findMany({
      where: {
        photoScoreStatus: { $in: ['scored', 'flagged', 'rejected'] },
        photoScore: { $notNull: true },
        id: { $gt: after },
      },
      orderBy: { id: 'asc' },
      limit: PAGE,
      select: [...new Set(['id', 'photoScore', 'photoScoreStatus', 'photoScoreDetails', ...columns])],
    })) as Row[];
    for (const file of page) await visit(file);
    if (page.length < PAGE) return;
    after = page[page.length - 1].id;
  }
}

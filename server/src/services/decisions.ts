/**
 * The history of decisions on files (content-types/decision.ts): written by reviews, by "apply"
 * and by async scoring's rejections; read as a file's history and as the calibration of the
 * score against reviewers.
 */
import type { Core } from '@strapi/strapi';
import type { Actor, ScoreClass } from '../../../shared/contracts/common';
import { SCORE_CLASSES } from '../../../shared/contracts/common';
import type { DecisionKind, DecisionRecord, FeedbackOutcome } from '../../../shared/contracts/files';
import type { Calibration, CalibrationRow } from '../../../shared/contracts/thresholds';
import type { PhotoScoreStatus } from '../attributes';
import { UIDS } from '../content-types';
import { scoreToClass } from '../scorers/score-class';

export interface NewDecision {
  file: number;
  fileName: string;
  decision: DecisionKind;
  fromStatus: PhotoScoreStatus;
  toStatus: PhotoScoreStatus;
  deleted?: boolean;
  by: Actor;
  score: number | null;
  note?: string | null;
}

interface DecisionRow {
  id: number;
  file: number;
  fileName: string | null;
  decision: DecisionKind;
  fromStatus: PhotoScoreStatus;
  toStatus: PhotoScoreStatus;
  deleted: boolean | null;
  byId: number | null;
  byName: string | null;
  decidedAt: string | Date;
  score: number | null;
  note: string | null;
  feedback: FeedbackOutcome[] | null;
}

/** Statuses that carry the scorer's own verdict: a review from one of them confirms or overturns it. */
const MACHINE_VERDICTS: ReadonlySet<PhotoScoreStatus> = new Set(['scored', 'flagged', 'rejected']);
const PAGE = 500;

const toRecord = (row: DecisionRow): DecisionRecord => ({
  id: row.id,
  file: row.file,
  fileName: row.fileName ?? '',
  decision: row.decision,
  fromStatus: row.fromStatus,
  toStatus: row.toStatus,
  deleted: Boolean(row.deleted),
  by: { id: row.byId, name: row.byName ?? '' },
  at: new Date(row.decidedAt).toISOString(),
  score: row.score,
  note: row.note,
  feedback: row.feedback ?? [],
});

const rate = (overturned: number, reviewed: number): number | null =>
  reviewed === 0 ? null : Math.round((overturned / reviewed) * 1000) / 1000;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const rows = () => strapi.db.query(UIDS.decision);

  return {
    /** Writes one decision; returns its id (feedback outcomes are added to it later). */
    async record(decision: NewDecision): Promise<number> {
      const { by, ...rest } = decision;
      const row = (await rows().create({
        data: {
          ...rest,
          deleted: decision.deleted ?? false,
          note: decision.note ?? null,
          byId: by.id,
          byName: by.name,
          decidedAt: new Date(),
          feedback: [],
        },
      })) as { id: number };
      return row.id;
    },

    async setFeedback(id: number, feedback: FeedbackOutcome[]): Promise<void> {
      await rows().update({ where: { id }, data: { feedback } });
    },

    /** A file's decisions, newest first. */
    async history(file: number): Promise<DecisionRecord[]> {
      const found = (await rows().findMany({
        where: { file },
        orderBy: [{ decidedAt: 'desc' }, { id: 'desc' }],
      })) as DecisionRow[];
      return found.map(toRecord);
    },

    /**
     * How often reviewers overturn the score, per class of the score at the time (definition in
     * shared/contracts/thresholds.ts): approving a flagged or rejected image, or rejecting a scored one.
     */
    async calibration(since?: string): Promise<Calibration> {
      const byClass = new Map<ScoreClass, CalibrationRow>(
        SCORE_CLASSES.map((c) => [
          c,
          {
            class: c,
            reviewed: 0,
            overturned: 0,
            overturnRate: null,
            approvedFromFlagged: 0,
            approvedFromRejected: 0,
            rejectedFromScored: 0,
          },
        ]),
      );
      let uncounted = 0;
      const where = {
        decision: { $in: ['approve', 'reject'] },
        ...(since ? { decidedAt: { $gte: since } } : {}),
      };
      for (let after = 0; ; ) {
        const page = (await rows().findMany({
          where: { ...where, id: { $gt: after } },
          orderBy: { id: 'asc' },
          limit: PAGE,
          select: ['id', 'decision', 'fromStatus', 'score'],
        })) as Array<Pick<DecisionRow, 'id' | 'decision' | 'fromStatus' | 'score'>>;
        for (const decision of page) {
          if (decision.score === null || !MACHINE_VERDICTS.has(decision.fromStatus)) {
            uncounted++;
            continue;
          }
          const row = byClass.get(scoreToClass(decision.score) as ScoreClass);
          if (!row) continue;
          row.reviewed++;
          const approved = decision.decision === 'approve';
          if (approved && decision.fromStatus === 'flagged') row.approvedFromFlagged++;
          if (approved && decision.fromStatus === 'rejected') row.approvedFromRejected++;
          if (!approved && decision.fromStatus === 'scored') row.rejectedFromScored++;
        }
        if (page.length < PAGE) break;
        after = page[page.length - 1].id;
      }
      const classes = [...byClass.values()].map((row) => {
        const overturned = row.approvedFromFlagged + row.approvedFromRejected + row.rejectedFromScored;
        return { ...row, overturned, overturnRate: rate(overturned, row.reviewed) };
      });
      const reviewed = classes.reduce((sum, row) => sum + row.reviewed, 0);
      const overturned = classes.reduce((sum, row) => sum + row.overturned, 0);
      return { classes, total: { reviewed, overturned, overturnRate: rate(overturned, reviewed) }, uncounted };
    },
  };
};

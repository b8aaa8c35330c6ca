/**
 * Reviewers' decisions: approve or reject up to 100 files at once. Approve gives status
 * `approved`; reject keeps the file as `rejected` or deletes it, per the `reviewReject` setting.
 * Saved through the upload service (`updateFileInfo`, `remove`), so Strapi's `media.update` /
 * `media.delete` and our `photo-score.approved` / `.rejected` events fire; each decision is
 * recorded with who, when and from which status; vendors that take feedback are told, after
 * the answer, and a failure there never fails the review.
 */
import type { Core } from '@strapi/strapi';
import type { Actor } from '../../../shared/contracts/common';
import type { ReviewBody, ReviewCounts, ReviewResult } from '../../../shared/contracts/review';
import { FILE_UID, type PhotoScoreFields, type PhotoScoreStatus } from '../attributes';
import { emitVerdict } from '../events';
import { getService } from '../get-service';
import { saveVerdict } from '../pipeline/persist';
import type { PhotoScoreDetails, ReviewMark } from '../pipeline/record';
import type { ScorerOutcome } from '../scorers/types';

interface ReviewedFile {
  id: number;
  name: string;
  mime: string | null;
  url: string | null;
  photoScore: number | null;
  photoScoreClass: number | null;
  photoScoreStatus: PhotoScoreStatus | null;
  photoScoreDetails: PhotoScoreDetails | null;
}

/** Feedback to a vendor gives up after this long; the review has long been answered. */
const FEEDBACK_TIMEOUT_MS = 30_000;

/** The fields a reviewed file is saved with: the scorer's evidence kept, the reviewer's mark beside it. */
function reviewedFields(file: ReviewedFile, status: PhotoScoreStatus, review: ReviewMark): PhotoScoreFields {
  const details: PhotoScoreDetails = file.photoScoreDetails ?? {
    version: 1,
    scoredAt: review.at,
    mime: file.mime ?? '',
    reason: 'not scored',
  };
  return {
    photoScore: file.photoScore,
    photoScoreClass: file.photoScoreClass,
    photoScoreStatus: status,
    photoScoreDetails: { ...details, review },
  };
}

const scorersOf = (details: PhotoScoreDetails | null): ScorerOutcome[] =>
  details && 'scorers' in details ? (details.scorers ?? []) : [];

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const decisions = () => getService(strapi, 'decisions');
  const inFlight = new Set<Promise<void>>();

  /** Tells the vendors that scored the file, then records what they answered on the decision. */
  const sendFeedback = (decisionId: number, outcomes: ScorerOutcome[], decision: ReviewBody['decision']): void => {
    const sending = getService(strapi, 'vendors')
      .feedback(outcomes, decision, AbortSignal.timeout(FEEDBACK_TIMEOUT_MS))
      .then((sent) => (sent.length > 0 ? decisions().setFeedback(decisionId, sent) : undefined))
      .catch((error: unknown) => {
        strapi.log.warn(
          `[photo-score] feedback of decision ${decisionId} not recorded: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };

  const decideOne = async (
    file: ReviewedFile,
    body: ReviewBody,
    rejectAction: 'mark' | 'delete',
    by: Actor,
  ): Promise<ReviewResult> => {
    const fromStatus = file.photoScoreStatus ?? 'unscored';
    const approve = body.decision === 'approve';
    const toStatus: PhotoScoreStatus = approve ? 'approved' : 'rejected';
    const deleting = !approve && rejectAction === 'delete';
    if (fromStatus === toStatus && !deleting) return { id: file.id, outcome: 'unchanged', fromStatus, toStatus };

    const review: ReviewMark = { decision: body.decision, by, at: new Date().toISOString() };
    const fields = reviewedFields(file, toStatus, review);
    if (deleting) {
      // The row is gone after remove(): the event is fired first, with the file as it was.
      await emitVerdict(strapi, file, fields);
      const stored = await strapi.db.query(FILE_UID).findOne({ where: { id: file.id } });
      await strapi.plugin('upload').service('upload').remove(stored);
    } else {
      await saveVerdict(strapi, file.id, fields);
    }
    const decisionId = await decisions().record({
      file: file.id,
      fileName: file.name,
      decision: body.decision,
      fromStatus,
      toStatus,
      deleted: deleting,
      by,
      score: file.photoScore,
      note: body.note ?? null,
    });
    sendFeedback(decisionId, scorersOf(file.photoScoreDetails), body.decision);
    return { id: file.id, outcome: deleting ? 'deleted' : approve ? 'approved' : 'rejected', fromStatus, toStatus };
  };

  return {
    async review(body: ReviewBody, by: Actor) {
      const { reviewReject } = await getService(strapi, 'settings').get();
      const ids = [...new Set(body.ids)];
      const found = (await strapi.db.query(FILE_UID).findMany({
        where: { id: { $in: ids } },
        select: ['id', 'name', 'mime', 'url', 'photoScore', 'photoScoreClass', 'photoScoreStatus', 'photoScoreDetails'],
      })) as ReviewedFile[];
      const byId = new Map(found.map((file) => [file.id, file]));
      const results: ReviewResult[] = [];
      // One at a time: each is a save through the upload service and its events, in order.
      for (const id of ids) {
        const file = byId.get(id);
        results.push(
          file
            ? await decideOne(file, body, reviewReject, by)
            : { id, outcome: 'not-found', fromStatus: null, toStatus: null },
        );
      }
      return {
        decision: body.decision,
        rejectAction: reviewReject,
        decided: results.filter((r) => r.outcome !== 'unchanged' && r.outcome !== 'not-found').length,
        results,
      };
    },

    /** How many files wait in each tab of the review queue. */
    async counts(): Promise<ReviewCounts> {
      const count = (status: PhotoScoreStatus) =>
        strapi.db.query(FILE_UID).count({ where: { photoScoreStatus: status } }) as Promise<number>;
      const [[flagged, pending, rejected, approved], { reviewReject }] = await Promise.all([
        Promise.all((['flagged', 'pending', 'rejected', 'approved'] as const).map(count)),
        getService(strapi, 'settings').get(),
      ]);
      return { flagged, pending, rejected, approved, rejectAction: reviewReject };
    },

    /** Feedback still being sent (destroy waits for it, so no write lands on a closed database). */
    async settled(): Promise<void> {
      await Promise.all([...inFlight]);
    },
  };
};

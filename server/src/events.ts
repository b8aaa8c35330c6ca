/**
 * Webhook events: `photo-score.scored`, `.flagged`, `.rejected` and `.approved`, registered with
 * Strapi's webhook store so a webhook can subscribe to them (through the webhooks API: the
 * admin's form lists only core events), and fired on Strapi's event hub whenever a verdict is
 * saved on a file (upload, replace, backfill, apply) or an upload is refused.
 */
import type { Core } from '@strapi/strapi';
import type { PhotoScoreFields, PhotoScoreStatus } from './attributes';
import type { ReviewMark } from './pipeline/record';

export const PHOTO_SCORE_EVENTS = {
  scored: 'photo-score.scored',
  flagged: 'photo-score.flagged',
  rejected: 'photo-score.rejected',
  approved: 'photo-score.approved',
} as const satisfies Partial<Record<PhotoScoreStatus, string>>;

type EventStatus = keyof typeof PHOTO_SCORE_EVENTS;
const isEventStatus = (status: string): status is EventStatus => status in PHOTO_SCORE_EVENTS;

interface WebhookStore {
  addAllowedEvent(key: string, value: string): void;
}

export function registerEvents(strapi: Core.Strapi): void {
  const store = strapi.get('webhookStore') as WebhookStore;
  for (const [status, event] of Object.entries(PHOTO_SCORE_EVENTS)) {
    store.addAllowedEvent(`PHOTO_SCORE_${status.toUpperCase()}`, event);
  }
}

/** The file as a webhook receiver needs it: null id for an upload refused before it was stored. */
export interface EventFile {
  id: number | null;
  name: string;
  url?: string | null;
  mime?: string | null;
}

const reasonsOf = (fields: Pick<PhotoScoreFields, 'photoScoreDetails'>): Record<string, string> => {
  const details = fields.photoScoreDetails;
  return 'reasons' in details ? details.reasons : 'reason' in details ? { overall: details.reason } : {};
};

/** What a reviewer's decision reads as: "approved by Ada Admin". */
export const reviewReason = (review: ReviewMark): string =>
  `${review.decision === 'approve' ? 'approved' : 'rejected'} by ${review.by.name}`;

/** Fires the event of a verdict's status (nothing for statuses without one, e.g. skipped). */
export async function emitVerdict(
  strapi: Core.Strapi,
  file: EventFile,
  fields: Pick<PhotoScoreFields, 'photoScore' | 'photoScoreClass' | 'photoScoreStatus' | 'photoScoreDetails'>,
): Promise<void> {
  if (!isEventStatus(fields.photoScoreStatus)) return;
  const details = fields.photoScoreDetails;
  await strapi.eventHub.emit(PHOTO_SCORE_EVENTS[fields.photoScoreStatus], {
    file: { id: file.id, name: file.name, url: file.url ?? null, mime: file.mime ?? null },
    score: fields.photoScore,
    class: fields.photoScoreClass,
    status: fields.photoScoreStatus,
    reason: details.review
      ? reviewReason(details.review)
      : 'decision' in details
        ? details.decision.reason
        : 'reason' in details
          ? details.reason
          : null,
    reasons: reasonsOf(fields),
  });
}

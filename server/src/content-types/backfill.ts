/** A backfill: which stored files it covers, and whether it is running, paused, cancelled or done. */
import { BACKFILL_STATES } from '../../../shared/contracts/backfill';

export default {
  schema: {
    collectionName: 'photo_score_backfills',
    info: { singularName: 'backfill', pluralName: 'backfills', displayName: 'Photo Score backfill' },
    options: { draftAndPublish: false },
    pluginOptions: { 'content-manager': { visible: false }, 'content-type-builder': { visible: false } },
    attributes: {
      state: { type: 'enumeration', enum: [...BACKFILL_STATES], default: 'running', required: true },
      /** The request it was started with (scope and filters), as validated. */
      selection: { type: 'json', required: true },
      total: { type: 'integer', default: 0 },
      startedBy: { type: 'string' },
      startedAt: { type: 'datetime' },
      finishedAt: { type: 'datetime' },
    },
  },
};

/**
 * The history of decisions on files: every reviewer's approval or rejection, every status
 * "apply to existing media" changed, every stored upload async scoring rejected. Kept after the
 * file is deleted (its name is copied), so "who deleted what" can still be answered.
 */
import { DECISION_KINDS } from '../../../shared/contracts/files';
import { PHOTO_SCORE_STATUSES } from '../../../shared/contracts/common';

export default {
  schema: {
    collectionName: 'photo_score_decisions',
    info: { singularName: 'decision', pluralName: 'decisions', displayName: 'Photo Score decision' },
    options: { draftAndPublish: false },
    pluginOptions: { 'content-manager': { visible: false }, 'content-type-builder': { visible: false } },
    attributes: {
      file: { type: 'integer', required: true },
      fileName: { type: 'string' },
      decision: { type: 'enumeration', enum: [...DECISION_KINDS], required: true },
      fromStatus: { type: 'enumeration', enum: [...PHOTO_SCORE_STATUSES] },
      toStatus: { type: 'enumeration', enum: [...PHOTO_SCORE_STATUSES] },
      deleted: { type: 'boolean', default: false },
      /** The admin user's id; null for automatic decisions. */
      byId: { type: 'integer' },
      byName: { type: 'string' },
      decidedAt: { type: 'datetime', required: true },
      /** The file's score when it was decided. */
      score: { type: 'float' },
      note: { type: 'text' },
      /** What the vendors that take feedback answered: [{ vendor, ok, error, at }]. */
      feedback: { type: 'json' },
    },
    indexes: [{ name: 'photo_score_decisions_file', columns: ['file'] }],
  },
};

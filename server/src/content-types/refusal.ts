/**
 * Recently refused uploads. A refused upload leaves nothing else behind, so this bounded log
 * (the newest `REFUSAL_LOG_SIZE`) is what tells admins what was turned away, how and by whom:
 * names, scores and reasons, never the image.
 */
export const REFUSAL_LOG_SIZE = 200;
export const REFUSAL_VIAS = ['admin', 'api-token', 'users-permissions', 'server'] as const;

export default {
  schema: {
    collectionName: 'photo_score_refusals',
    info: { singularName: 'refusal', pluralName: 'refusals', displayName: 'Photo Score refusal' },
    options: { draftAndPublish: false },
    pluginOptions: { 'content-manager': { visible: false }, 'content-type-builder': { visible: false } },
    attributes: {
      fileName: { type: 'string', required: true },
      mime: { type: 'string' },
      score: { type: 'float' },
      message: { type: 'text', required: true },
      reasons: { type: 'json' },
      via: { type: 'enumeration', enum: [...REFUSAL_VIAS], required: true },
      by: { type: 'string' },
      refusedAt: { type: 'datetime', required: true },
    },
  },
};

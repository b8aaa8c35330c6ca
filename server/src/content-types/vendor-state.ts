/**
 * What admins need to know about a vendor beyond one process's life: a quota suspension (until
 * an admin resumes it or it runs out), the last error and the last time it was skipped.
 */
export default {
  schema: {
    collectionName: 'photo_score_vendor_states',
    info: { singularName: 'vendor-state', pluralName: 'vendor-states', displayName: 'Vendor state' },
    options: { draftAndPublish: false },
    pluginOptions: { 'content-manager': { visible: false }, 'content-type-builder': { visible: false } },
    attributes: {
      vendor: { type: 'string', required: true },
      suspendedUntil: { type: 'datetime' },
      suspensionReason: { type: 'text' },
      lastError: { type: 'json' },
      lastSkip: { type: 'json' },
    },
    indexes: [{ name: 'photo_score_vendor_states_vendor', columns: ['vendor'], type: 'unique' }],
  },
};

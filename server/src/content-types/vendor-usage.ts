/**
 * Paid requests per vendor and period: one row per vendor and UTC day (`2026-11-21`) and one per
 * UTC month (`2026-11`). The unique key lets every process increment the same row atomically.
 */
export default {
  schema: {
    collectionName: 'photo_score_vendor_usage',
    info: { singularName: 'vendor-usage', pluralName: 'vendor-usages', displayName: 'Vendor usage' },
    options: { draftAndPublish: false },
    pluginOptions: { 'content-manager': { visible: false }, 'content-type-builder': { visible: false } },
    attributes: {
      vendor: { type: 'string', required: true },
      period: { type: 'string', required: true },
      used: { type: 'integer', required: true, default: 0 },
    },
    indexes: [{ name: 'photo_score_vendor_usage_key', columns: ['vendor', 'period'], type: 'unique' }],
  },
};

/**
 * The result cache: one vendor's verdict on one image (`hash`: the sha256 of its bytes and a
 * fingerprint of the vendor options that shape verdicts), reused until `expiresAt` so the same
 * image is not paid for twice, by any Strapi process.
 */
export default {
  schema: {
    collectionName: 'photo_score_vendor_verdicts',
    info: { singularName: 'vendor-verdict', pluralName: 'vendor-verdicts', displayName: 'Vendor verdict' },
    options: { draftAndPublish: false },
    pluginOptions: { 'content-manager': { visible: false }, 'content-type-builder': { visible: false } },
    attributes: {
      vendor: { type: 'string', required: true },
      hash: { type: 'string', required: true },
      verdict: { type: 'json', required: true },
      expiresAt: { type: 'datetime', required: true },
    },
    indexes: [
      { name: 'photo_score_vendor_verdicts_key', columns: ['vendor', 'hash'], type: 'unique' },
      { name: 'photo_score_vendor_verdicts_expiry', columns: ['expires_at'] },
    ],
  },
};

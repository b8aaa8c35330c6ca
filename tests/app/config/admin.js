module.exports = ({ env }) => ({
  auth: { secret: env('ADMIN_JWT_SECRET', 'photo-score-demo-admin-secret') },
  apiToken: { salt: env('API_TOKEN_SALT', 'photo-score-demo-api-token-salt') },
  transfer: { token: { salt: env('TRANSFER_TOKEN_SALT', 'photo-score-demo-transfer-salt') } },
  secrets: { encryptionKey: env('ENCRYPTION_KEY', 'photo-score-demo-encryption-key') },
});

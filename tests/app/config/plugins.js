const path = require('path');

// The plugin loads from the repository root, from its built dist/ as an npm install would.
module.exports = ({ env }) => ({
  'users-permissions': { config: { jwtSecret: env('JWT_SECRET', 'photo-score-demo-jwt-secret') } },
  'photo-score': {
    enabled: env.bool('PHOTO_SCORE_ENABLED', true),
    resolve: path.resolve(__dirname, '..', '..', '..'),
    config: {
      rejectBelow: env('PHOTO_SCORE_REJECT_BELOW') ? env.float('PHOTO_SCORE_REJECT_BELOW') : null,
      flagBelow: env('PHOTO_SCORE_FLAG_BELOW') ? env.float('PHOTO_SCORE_FLAG_BELOW') : null,
      onScorerError: env('PHOTO_SCORE_ON_SCORER_ERROR', 'accept'),
    },
  },
});

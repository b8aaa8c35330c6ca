const path = require('path');

// Each vendor is switched on by its credentials in the environment; PHOTO_SCORE_SCORERS
// orders the chain (default: the embedded `local` scorer alone).
const vendors = (env) => {
  const common = (prefix) => ({
    enabled: true,
    ...(env(`${prefix}_BASE_URL`) ? { baseUrl: env(`${prefix}_BASE_URL`) } : {}),
    ...(env(`${prefix}_WEIGHT`) ? { weight: env.float(`${prefix}_WEIGHT`) } : {}),
    ...(env(`${prefix}_TIMEOUT_MS`) ? { timeoutMs: env.int(`${prefix}_TIMEOUT_MS`) } : {}),
    ...(env(`${prefix}_RETRIES`) ? { retries: env.int(`${prefix}_RETRIES`) } : {}),
    ...(env(`${prefix}_RATE_PER_SECOND`) ? { ratePerSecond: env.float(`${prefix}_RATE_PER_SECOND`) } : {}),
    ...(env(`${prefix}_CONCURRENCY`) ? { concurrency: env.int(`${prefix}_CONCURRENCY`) } : {}),
  });
  const all = {
    photoilike: env('PHOTOILIKE_USERNAME') && {
      ...common('PHOTOILIKE'),
      username: env('PHOTOILIKE_USERNAME'),
      password: env('PHOTOILIKE_PASSWORD'),
      clientKey: env('PHOTOILIKE_CLIENT_KEY'),
    },
    everypixel: env('EVERYPIXEL_CLIENT_ID') && {
      ...common('EVERYPIXEL'),
      clientId: env('EVERYPIXEL_CLIENT_ID'),
      clientSecret: env('EVERYPIXEL_CLIENT_SECRET'),
    },
    'ai-image-rating': env('AI_IMAGE_RATING_CLIENT_ID') && {
      ...common('AI_IMAGE_RATING'),
      clientId: env('AI_IMAGE_RATING_CLIENT_ID'),
      clientSecret: env('AI_IMAGE_RATING_CLIENT_SECRET'),
    },
    imagga: env('IMAGGA_API_KEY') && {
      ...common('IMAGGA'),
      apiKey: env('IMAGGA_API_KEY'),
      apiSecret: env('IMAGGA_API_SECRET'),
      ...(env('IMAGGA_FEATURES') ? { features: env.array('IMAGGA_FEATURES') } : {}),
    },
    'alibaba-imm': env('ALIBABA_ACCESS_KEY_ID') && {
      ...common('ALIBABA_IMM'),
      regionId: env('ALIBABA_REGION_ID'),
      accessKeyId: env('ALIBABA_ACCESS_KEY_ID'),
      accessKeySecret: env('ALIBABA_ACCESS_KEY_SECRET'),
      projectName: env('ALIBABA_IMM_PROJECT'),
      bucket: env('ALIBABA_OSS_BUCKET'),
      ...(env('ALIBABA_OSS_ENDPOINT') ? { ossEndpoint: env('ALIBABA_OSS_ENDPOINT') } : {}),
    },
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value));
};

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
      scorers: env.array('PHOTO_SCORE_SCORERS', ['local']),
      strategy: env('PHOTO_SCORE_STRATEGY', 'fallback'),
      nsfw: env('PHOTO_SCORE_NSFW', 'ignore'),
      graphics: env('PHOTO_SCORE_GRAPHICS', 'skip'), // 'skip' | 'score'
      publicDetails: env.bool('PHOTO_SCORE_PUBLIC_DETAILS', false),
      local: {
        mode: env('PHOTO_SCORE_LOCAL_MODE', 'fast'), // 'fast' | 'deep'
        moderation: env.bool('PHOTO_SCORE_LOCAL_MODERATION', false),
        ...(env('PHOTO_SCORE_LOCAL_THREADS') ? { threads: env.int('PHOTO_SCORE_LOCAL_THREADS') } : {}),
        // e.g. {"nsfw":0.7,"suggestive":0.5}
        ...(env('PHOTO_SCORE_LOCAL_MODERATION_THRESHOLDS')
          ? { moderationThresholds: env.json('PHOTO_SCORE_LOCAL_MODERATION_THRESHOLDS') }
          : {}),
      },
      ...(env('PHOTO_SCORE_DEADLINE_MS') ? { deadlineMs: env.int('PHOTO_SCORE_DEADLINE_MS') } : {}),
      mode: env('PHOTO_SCORE_MODE', 'sync'), // 'sync' | 'async'
      asyncReject: env('PHOTO_SCORE_ASYNC_REJECT', 'mark'), // 'mark' | 'delete'
      // e.g. {"concurrency":2,"pollMs":100}
      ...(env('PHOTO_SCORE_JOBS') ? { jobs: env.json('PHOTO_SCORE_JOBS') } : {}),
      // Redis for the BullMQ job engine, e.g. {"connection":{"host":"127.0.0.1","port":6379},"prefix":"site-a"}
      ...(env('PHOTO_SCORE_QUEUE') ? { queue: env.json('PHOTO_SCORE_QUEUE') } : {}),
      // e.g. {"everypixel":{"perDay":100}}
      budgets: env.json('PHOTO_SCORE_BUDGETS', {}),
      ...(env('PHOTO_SCORE_CACHE_TTL_HOURS') ? { cacheTtlHours: env.float('PHOTO_SCORE_CACHE_TTL_HOURS') } : {}),
      vendors: vendors(env),
    },
  },
});

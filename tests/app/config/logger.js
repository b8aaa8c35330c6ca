const { winston, formats: { prettyPrint, levelFilterMiddleware } } = require('@strapi/logger');

// LOG_LEVEL=warn keeps test output to what matters.
module.exports = {
  transports: [
    new winston.transports.Console({
      level: process.env.LOG_LEVEL || 'http',
      format: winston.format.combine(levelFilterMiddleware(process.env.LOG_LEVEL || 'http'), prettyPrint({ timestamps: 'YYYY-MM-DD hh:mm:ss.SSS' })),
    }),
  ],
};

const { winston, formats: { prettyPrint, levelFilter } } = require('@strapi/logger');

// LOG_LEVEL=warn keeps test output to what matters.
module.exports = {
  transports: [
    new winston.transports.Console({
      level: process.env.LOG_LEVEL || 'http',
      format: winston.format.combine(levelFilter(process.env.LOG_LEVEL || 'http'), prettyPrint({ timestamps: 'YYYY-MM-DD hh:mm:ss.SSS' })),
    }),
  ],
};

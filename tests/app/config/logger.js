const { configs } = require('@strapi/logger');

// Strapi's default logger; LOG_LEVEL=error keeps test and bench output to what matters.
module.exports = { ...configs.createDefaultConfiguration(), level: process.env.LOG_LEVEL || 'http' };

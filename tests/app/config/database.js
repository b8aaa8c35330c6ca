const path = require('path');

// SQLite by default; DATABASE_CLIENT=postgres or mysql (MariaDB) runs the same app on that
// server, in a schema (PostgreSQL) or database (MariaDB) of its own, so test files never see
// each other's rows.
module.exports = ({ env }) => {
  const client = env('DATABASE_CLIENT', 'sqlite');
  if (client === 'postgres') {
    return {
      connection: {
        client: 'postgres',
        connection: {
          host: env('DATABASE_HOST', '127.0.0.1'),
          port: env.int('DATABASE_PORT', 5432),
          database: env('DATABASE_NAME', 'test'),
          user: env('DATABASE_USERNAME', 'postgres'),
          password: env('DATABASE_PASSWORD', ''),
          schema: env('DATABASE_SCHEMA', 'public'),
        },
        pool: { min: 0, max: 5 },
      },
    };
  }
  if (client === 'mysql') {
    return {
      connection: {
        client: 'mysql',
        connection: {
          host: env('DATABASE_HOST', '127.0.0.1'),
          port: env.int('DATABASE_PORT', 3306),
          database: env('DATABASE_NAME', 'test'),
          user: env('DATABASE_USERNAME', 'root'),
          password: env('DATABASE_PASSWORD', ''),
        },
        pool: { min: 0, max: 5 },
        // Strapi's schema sync runs DDL inside transactions, which MySQL commits implicitly; knex
        // says so once per statement. Its other warnings still print.
        log: { warn: (message) => /implicitly committed/.test(message) || console.warn(message) },
      },
    };
  }
  return {
    connection: {
      client: 'sqlite',
      connection: { filename: env('DATABASE_FILENAME', path.join(__dirname, '..', '.tmp', 'data.db')) },
      useNullAsDefault: true,
    },
  };
};

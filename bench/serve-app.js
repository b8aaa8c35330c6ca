#!/usr/bin/env node
// Boots the demo app on a private SQLite file and uploads folder, creates a full-access API
// token and prints `READY <port> <token>`. PHOTO_SCORE_ENABLED=false boots it without the plugin.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'photo-score-bench-app-'));
fs.mkdirSync(path.join(root, 'public', 'uploads'), { recursive: true });
Object.assign(process.env, {
  NODE_ENV: 'production',
  LOG_LEVEL: 'error',
  STRAPI_TELEMETRY_DISABLED: 'true',
  DATABASE_FILENAME: path.join(root, 'data.db'),
  PUBLIC_DIR: path.join(root, 'public'),
  HOST: '127.0.0.1',
});

const appDir = path.resolve(__dirname, '..', 'tests', 'app');
const { createStrapi } = require('@strapi/strapi');

(async () => {
  const strapi = await createStrapi({ appDir, distDir: appDir, autoReload: false, serveAdminPanel: false }).load();
  const token = await strapi
    .service('admin::api-token')
    .create({ name: 'bench', description: '', type: 'full-access', lifespan: null });
  await new Promise((resolve) => strapi.server.listen(0, '127.0.0.1', resolve));
  const { port } = strapi.server.httpServer.address();
  process.stdout.write(`READY ${port} ${token.accessKey}\n`);
  const stop = async () => {
    await strapi.destroy();
    fs.rmSync(root, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});

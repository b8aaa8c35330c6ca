#!/usr/bin/env node
// Boots the demo app on a private SQLite file and uploads folder, creates a full-access API
// token and prints `READY <port> <token>`. PHOTO_SCORE_ENABLED=false boots it without the plugin.
// BENCH_SITE_ROOT=<folder> boots it on that folder's database and files instead, left in place
// at exit: several processes so booted are servers of one site.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { privateAppEnv, siteAppEnv } = require('./harness');

// BENCH_LOG_LEVEL: Strapi's log level (default error).
const site = process.env.BENCH_SITE_ROOT;
const extra = { HOST: '127.0.0.1', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error' };
const { root } = site ? siteAppEnv(site, extra) : privateAppEnv('photo-score-bench-app-', extra);

const appDir = path.resolve(__dirname, '..', 'tests', 'app');
const { createStrapi } = require('@strapi/strapi');

(async () => {
  const strapi = await createStrapi({ appDir, distDir: appDir, autoReload: false, serveAdminPanel: false }).load();
  const token = await strapi
    .service('admin::api-token')
    .create({ name: `bench-${process.pid}`, description: '', type: 'full-access', lifespan: null });
  await new Promise((resolve) => strapi.server.listen(0, '127.0.0.1', resolve));
  const { port } = strapi.server.httpServer.address();
  process.stdout.write(`READY ${port} ${token.accessKey}\n`);
  // Strapi's own signal handler destroys it too: destroy once, whichever comes first.
  let stopping;
  const stop = () =>
    (stopping ??= strapi
      .destroy()
      .catch(() => undefined)
      .then(() => {
        if (!site) fs.rmSync(root, { recursive: true, force: true });
        process.exit(0);
      }));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});

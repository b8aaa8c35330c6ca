#!/usr/bin/env node
/**
 * The BullMQ engine with several Strapi processes: how much faster two finish a backfill than
 * one, and how closely two together hold a vendor's rate limit.
 *
 *   node bench/bullmq.bench.js [--files 1000] [--vendor-files 100] [--postgres]
 *
 * Boots the demo app in this process (SQLite, or with `--postgres` a schema of its own on the
 * local PostgreSQL, as several servers of one site would share; local provider, BullMQ on the local Redis under
 * a prefix of its own, one worker per process) and, as a second server of the same site would
 * be, another process on the same database, files and Redis (tests/helpers/second-instance.ts).
 * - (a) `--files` stored 320×240 JPEGs backfilled (scope `all`) by this process alone, then by
 *   both, then by this one alone again: the ratio of the mean single-process time to the
 *   two-process time (goal ≥ 1.7).
 * - (b) `--vendor-files` distinct images backfilled by both through the strict PhotoILike
 *   stand-in of the tests, limited to 5 scoring calls per second (429 beyond): the sustained
 *   rate it saw, first call to last (goal ≥ 4.5 per second), and how many 429 it answered (goal 0).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const {
  benchQueue,
  numberArg,
  postgresSchema,
  privateAppEnv,
  storeLibrary,
  syntheticPhoto,
  timedBackfill,
} = require('./harness');
const { requireTypeScript } = require('../scripts/require-ts');

const FILES = numberArg('--files', 1000);
const VENDOR_FILES = numberArg('--vendor-files', 100);
const DISTINCT = 40;
const POSTGRES = process.argv.includes('--postgres');
const DATABASE = POSTGRES ? 'PostgreSQL' : 'SQLite';

const { startSecondInstance, startPhotoILikeFake } = requireTypeScript(
  [
    "export { startSecondInstance } from './tests/helpers/second-instance';",
    "export { startPhotoILikeFake } from './tests/vendors/photoilike-server';",
  ],
  'bench-bullmq',
);

const queue = benchQueue();
const { root, uploads } = privateAppEnv('photo-score-bullmq-bench-', {
  PHOTO_SCORE_QUEUE: queue.config,
  PHOTO_SCORE_JOBS: JSON.stringify({ concurrency: 1, pollMs: 200 }),
});
const appDir = path.resolve(__dirname, '..', 'tests', 'app');
const { createStrapi } = require('@strapi/strapi');
const boot = () => createStrapi({ appDir, distDir: appDir, autoReload: false, serveAdminPanel: false }).load();

/** The other process, on this one's database, files, Redis and plugin config. */
const secondProcess = () => startSecondInstance({ NODE_ENV: 'production' }, appDir);

async function instancesAgainstOne() {
  const images = [];
  for (let i = 0; i < DISTINCT; i++) images.push(await syntheticPhoto({ width: 320, height: 240, seed: i + 1 }));
  const strapi = await boot();
  try {
    await storeLibrary(strapi, uploads, images, FILES, { width: 320, height: 240 });
    const oneBefore = await timedBackfill(strapi, { scope: 'all' });
    const second = await secondProcess();
    const two = await timedBackfill(strapi, { scope: 'all' });
    await second.stop();
    const oneAfter = await timedBackfill(strapi, { scope: 'all' });
    const one = (oneBefore.seconds + oneAfter.seconds) / 2;
    const line = (label, run) =>
      `  ${label.padEnd(22)} ${run.seconds.toFixed(1)} s, ${run.rate.toFixed(1)} files/s (${run.progress.done} done, ${run.progress.failed} failed)`;
    console.log(`(a) backfill of ${FILES} stored 320×240 JPEGs, ${DATABASE}, BullMQ, one worker per process`);
    console.log(line('one process', oneBefore));
    console.log(line('two processes', two));
    console.log(line('one process again', oneAfter));
    console.log(`  two against one       ${(one / two.seconds).toFixed(2)}× faster (goal ≥ 1.7)`);
  } finally {
    await strapi.destroy();
  }
}

async function vendorRate() {
  const vendor = await startPhotoILikeFake({
    username: 'bench',
    password: 'bench-password',
    clientKeys: ['bench-key'],
    ratePerSecond: 5,
  });
  Object.assign(process.env, {
    PHOTO_SCORE_SCORERS: 'photoilike',
    PHOTOILIKE_USERNAME: 'bench',
    PHOTOILIKE_PASSWORD: 'bench-password',
    PHOTOILIKE_CLIENT_KEY: 'bench-key',
    PHOTOILIKE_BASE_URL: `${vendor.url}/v2.0`,
    PHOTOILIKE_RATE_PER_SECOND: '5',
    // Enough workers that the vendor's limit, not the scoring, sets the pace.
    PHOTO_SCORE_JOBS: JSON.stringify({ concurrency: 3, pollMs: 200 }),
  });
  const images = [];
  for (let i = 0; i < VENDOR_FILES; i++) images.push(await syntheticPhoto({ width: 160, height: 120, seed: 5000 + i }));
  const strapi = await boot();
  const second = await secondProcess();
  try {
    await storeLibrary(strapi, uploads, images, VENDOR_FILES, { width: 160, height: 120, prefix: 'vendor' });
    const run = await timedBackfill(strapi, { scope: 'unscored' });
    const arrivals = vendor.scoreArrivals;
    const sustained = (arrivals.length - 1) / ((arrivals[arrivals.length - 1] - arrivals[0]) / 1000);
    console.log(
      `(b) ${VENDOR_FILES} distinct images through a PhotoILike stand-in limited to 5 calls/s, two processes`,
    );
    console.log(
      `  backfill              ${run.seconds.toFixed(1)} s (${run.progress.done} done, ${run.progress.failed} failed)`,
    );
    console.log(
      `  vendor saw            ${arrivals.length} scoring calls, ${sustained.toFixed(2)} per second sustained (goal ≥ 4.5)`,
    );
    console.log(`  429 answered          ${vendor.rateLimited} (goal 0)`);
  } finally {
    await second.stop();
    await strapi.destroy();
    await vendor.close();
  }
}

(async () => {
  // Both processes inherit this one's environment, the schema included.
  const schema = POSTGRES ? await postgresSchema() : undefined;
  if (schema) Object.assign(process.env, schema.env);
  try {
    await instancesAgainstOne();
    await vendorRate();
  } finally {
    await queue.drop();
    await schema?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});

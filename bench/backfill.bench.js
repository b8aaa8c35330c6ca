#!/usr/bin/env node
/**
 * Backfill throughput against the embedded scorer's own single-core rate, and memory over the run.
 *
 *   node bench/backfill.bench.js [--files 10000] [--concurrency 1] [--engine database|bullmq]
 *
 * Boots the demo app in this process (SQLite, local provider, production mode), writes
 * `--files` stored images (40 distinct 320×240 JPEGs, each stored many times under its own
 * name) as rows of `plugin::upload.file` the way an import leaves them (status `unscored`),
 * then measures, in one run:
 * - (a) the scorer alone: decode, content check and fast-mode score of the same bytes in a
 *   loop, one thread, its mean rate over measurements before, during (the backfill paused every
 *   15 s) and after (b);
 * - (b) a backfill of every file through the admin service: read back from the provider,
 *   the whole pipeline, the save through the upload service (media.update), job bookkeeping,
 *   on the database engine (default) or BullMQ on the local Redis (`--engine bullmq`).
 * It prints both rates, the ratio b/a per worker (goal ≥ 0.9) and the RSS growth over the
 * backfill (goal ≤ 100 MB).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const {
  benchQueue,
  embeddedScorerRate,
  scorerRateOf,
  numberArg,
  privateAppEnv,
  storeLibrary,
  syntheticPhoto,
  timedBackfill,
} = require('./harness');

const FILES = numberArg('--files', 10_000);
const CONCURRENCY = numberArg('--concurrency', 1);
const ENGINE = process.argv.includes('--engine') ? process.argv[process.argv.indexOf('--engine') + 1] : 'database';
const DISTINCT = 40;

const queue = ENGINE === 'bullmq' ? benchQueue() : undefined;
const { root, uploads } = privateAppEnv('photo-score-backfill-bench-', {
  PHOTO_SCORE_JOBS: JSON.stringify({ concurrency: CONCURRENCY }),
  ...(queue ? { PHOTO_SCORE_QUEUE: queue.config } : {}),
});

(async () => {
  const images = [];
  for (let i = 0; i < DISTINCT; i++) images.push(await syntheticPhoto({ width: 320, height: 240, seed: i + 1 }));
  const before = await embeddedScorerRate(images);

  const appDir = path.resolve(__dirname, '..', 'tests', 'app');
  const { createStrapi } = require('@strapi/strapi');
  const strapi = await createStrapi({ appDir, distDir: appDir, autoReload: false, serveAdminPanel: false }).load();
  try {
    await storeLibrary(strapi, uploads, images, FILES, { width: 320, height: 240 });
    // The machine's speed drifts over a long run (seen: 18 % between two measurements six
    // minutes apart), so the scorer is also measured in pauses of the backfill, every 15 s.
    const during = [];
    const run = await timedBackfill(
      strapi,
      {},
      {
        pauses: { everyMs: 15_000, measure: async () => during.push(await embeddedScorerRate(images, { rounds: 1 })) },
      },
    );
    const after = await embeddedScorerRate(images);
    const measured = [before, ...during, after];
    const scorer = scorerRateOf(
      measured.flatMap((m) => m.perImage),
      measured.flatMap((m) => m.contentChecks),
    );
    const lowest = Math.min(...measured.map((m) => m.rate));
    const highest = Math.max(...measured.map((m) => m.rate));
    const mb = (bytes) => (bytes / 1e6).toFixed(0);
    console.log(
      `backfill of ${FILES} stored 320×240 JPEGs, ${CONCURRENCY} worker(s), ${ENGINE} engine, SQLite, local provider`,
    );
    console.log(
      `  (a) scorer alone       ${scorer.rate.toFixed(1)} images/s (mean ${scorer.meanMs.toFixed(1)} ms: decode, content check, score; one thread; measured ${measured.length} times, before, during and after the backfill: ${lowest.toFixed(1)} to ${highest.toFixed(1)}; ${scorer.withoutContent.toFixed(1)} without the content check)`,
    );
    console.log(
      `  (b) backfill           ${run.rate.toFixed(1)} files/s  (${run.progress.done} done, ${run.progress.failed} failed, ${run.seconds.toFixed(1)} s running, pauses left out)`,
    );
    console.log(
      `  ratio b/a per worker   ${(run.rate / scorer.rate / CONCURRENCY).toFixed(2)} (goal ≥ 0.9; ${(run.rate / highest / CONCURRENCY).toFixed(2)} against the fastest of the measurements of (a); ${(run.rate / scorer.withoutContent / CONCURRENCY).toFixed(2)} against the scorer without its content check)`,
    );
    console.log(
      `  RSS                    ${mb(run.rssBefore)} MB before, peak ${mb(run.rssPeak)} MB, ${mb(run.rssAfter)} MB after: growth ${mb(run.rssAfter - run.rssBefore)} MB (goal ≤ 100)`,
    );
  } finally {
    await strapi.destroy();
    await queue?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});

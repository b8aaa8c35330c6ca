#!/usr/bin/env node
/**
 * Backfill throughput against the embedded scorer's own single-core rate, and memory over the run.
 *
 *   node bench/backfill.bench.js [--files 10000] [--concurrency 1]
 *
 * Boots the demo app in this process (SQLite, local provider, production mode), writes
 * `--files` stored images (40 distinct 320×240 JPEGs, each stored many times under its own
 * name) as rows of `plugin::upload.file` the way an import leaves them (status `unscored`),
 * then measures, in one run:
 * - (a) the scorer alone: decode + fast-mode score of the same bytes in a loop, one thread;
 * - (b) a backfill of every file through the admin service: read back from the provider,
 *   the whole pipeline, the save through the upload service (media.update), job bookkeeping.
 * It prints both rates, the ratio b/a per worker (goal ≥ 0.9) and the RSS growth over the
 * backfill (goal ≤ 100 MB).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { privateAppEnv, syntheticPhoto, median } = require('./harness');
const { requireTypeScript } = require('../scripts/require-ts');

const arg = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const FILES = arg('--files', 10_000);
const CONCURRENCY = arg('--concurrency', 1);
const DISTINCT = 40;

const { root, uploads } = privateAppEnv('photo-score-backfill-bench-', {
  PHOTO_SCORE_JOBS: JSON.stringify({ concurrency: CONCURRENCY, pollMs: 20 }),
});

(async () => {
  const images = [];
  for (let i = 0; i < DISTINCT; i++) images.push(await syntheticPhoto({ width: 320, height: 240, seed: i + 1 }));

  // (a) The scorer alone, as the pipeline calls it, on one libvips thread like the backfill.
  const code = requireTypeScript(
    [
      "export { decodeWorkingImageDeferred } from './server/src/prepare/decode';",
      "export { scoreLocalDeferred } from './server/src/scorers/local';",
    ],
    'backfill-bench',
  );
  const sharp = require('sharp');
  sharp.concurrency(1);
  const perImage = [];
  for (let round = 0; round < 5; round++) {
    for (const bytes of images) {
      const started = performance.now();
      await code.scoreLocalDeferred(await code.decodeWorkingImageDeferred(bytes));
      if (round > 0) perImage.push(performance.now() - started);
    }
  }
  const scorerRate = 1000 / median(perImage);

  const appDir = path.resolve(__dirname, '..', 'tests', 'app');
  const { createStrapi } = require('@strapi/strapi');
  const strapi = await createStrapi({ appDir, distDir: appDir, autoReload: false, serveAdminPanel: false }).load();
  try {
    const rows = [];
    for (let i = 0; i < FILES; i++) {
      const bytes = images[i % DISTINCT];
      const name = `library-${i}.jpg`;
      fs.writeFileSync(path.join(uploads, name), bytes);
      rows.push({
        name,
        hash: `library_${i}`,
        ext: '.jpg',
        mime: 'image/jpeg',
        size: bytes.length / 1000,
        width: 320,
        height: 240,
        url: `/uploads/${name}`,
        provider: 'local',
        folderPath: '/',
      });
    }
    for (let i = 0; i < rows.length; i += 500) {
      await strapi.db.query('plugin::upload.file').createMany({ data: rows.slice(i, i + 500) });
    }

    const backfill = strapi.plugin('photo-score').service('backfill');
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const started = performance.now();
    const run = await backfill.start({});
    let progress = run;
    while (progress.state === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 500));
      progress = await backfill.progress(run.id);
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
    const seconds = (performance.now() - started) / 1000;
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    const rate = progress.done / seconds;
    const mb = (bytes) => (bytes / 1e6).toFixed(0);
    console.log(`backfill of ${FILES} stored 320×240 JPEGs, ${CONCURRENCY} worker(s), SQLite, local provider`);
    console.log(
      `  (a) scorer alone       ${scorerRate.toFixed(1)} images/s (median ${median(perImage).toFixed(1)} ms, one thread)`,
    );
    console.log(
      `  (b) backfill           ${rate.toFixed(1)} files/s  (${progress.done} done, ${progress.failed} failed, ${seconds.toFixed(1)} s)`,
    );
    console.log(`  ratio b/a per worker   ${(rate / scorerRate / CONCURRENCY).toFixed(2)} (goal ≥ 0.9)`);
    console.log(
      `  RSS                    ${mb(rssBefore)} MB before, peak ${mb(rssPeak)} MB, ${mb(rssAfter)} MB after: growth ${mb(rssAfter - rssBefore)} MB (goal ≤ 100)`,
    );
  } finally {
    await strapi.destroy();
    fs.rmSync(root, { recursive: true, force: true });
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});

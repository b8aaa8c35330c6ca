// What the benchmarks share: booting the demo app in a child process, a synthetic photo,
// one timed upload, and the median.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const sharp = require('sharp');

/**
 * A private SQLite file and public folder for a demo app booted in this process, set in its
 * environment (production mode, quiet, photoScoreDetails public); `extra` adds variables. Returns the folder and its uploads.
 */
function privateAppEnv(prefix, extra = {}) {
  const fs = require('node:fs');
  const os = require('node:os');
  return siteAppEnv(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), extra);
}

/**
 * The same for a site folder that already exists or is shared (`data.db` and `public/` in
 * `root`): several processes booted with one root are servers of one site.
 */
function siteAppEnv(root, extra = {}) {
  const fs = require('node:fs');
  const uploads = path.join(root, 'public', 'uploads');
  fs.mkdirSync(uploads, { recursive: true });
  Object.assign(process.env, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    STRAPI_TELEMETRY_DISABLED: 'true',
    DATABASE_FILENAME: path.join(root, 'data.db'),
    PUBLIC_DIR: path.join(root, 'public'),
    // The benches read the scorers' timings from photoScoreDetails in the upload's answer.
    PHOTO_SCORE_PUBLIC_DETAILS: 'true',
    ...extra,
  });
  return { root, uploads };
}

/** A PostgreSQL schema of this run's own, dropped at the end. */
async function postgresSchema() {
  const { Client } = require('pg');
  const config = {
    host: process.env.DATABASE_HOST ?? '127.0.0.1',
    port: Number(process.env.DATABASE_PORT ?? 5432),
    database: process.env.DATABASE_NAME ?? 'test',
    user: process.env.DATABASE_USERNAME ?? 'postgres',
  };
  const schema = `photo_score_bench_${process.pid}_${Date.now()}`;
  const run = async (sql) => {
    const client = new Client(config);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE SCHEMA ${schema}`);
  return {
    env: { DATABASE_CLIENT: 'postgres', DATABASE_SCHEMA: schema },
    drop: () => run(`DROP SCHEMA ${schema} CASCADE`),
  };
}

/** Boots the demo app (bench/serve-app.js) with extra environment; resolves to {child, url, token}. */
function bootApp(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'serve-app.js')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /READY (\d+) (\S+)/.exec(out);
      if (match) resolve({ child, url: `http://127.0.0.1:${match[1]}`, token: match[2] });
    });
    child.on('exit', (code) => reject(new Error(`app (${JSON.stringify(env)}) exited with ${code}`)));
  });
}

/** A deterministic gradient with fine grain, JPEG-encoded: a stand-in for a photo. */
async function syntheticPhoto({ width, height, seed = 12345, quality = 88 }) {
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed >>> 0;
  for (let i = 0; i < pixels.length; i += 3) {
    state = (state * 1664525 + 1013904223) >>> 0;
    const x = (i / 3) % width;
    const y = Math.floor(i / 3 / width);
    const grain = ((state >>> 24) - 128) * 0.4;
    pixels[i] = Math.max(0, Math.min(255, 80 + (x / width) * 130 + grain));
    pixels[i + 1] = Math.max(0, Math.min(255, 60 + (y / height) * 150 + grain));
    pixels[i + 2] = Math.max(0, Math.min(255, 170 - (x / width) * 90 + grain));
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .blur(0.8)
    .jpeg({ quality })
    .toBuffer();
}

/** One POST /api/upload, timed; resolves to {ms, file} with the stored file as answered. */
async function timedUpload(app, bytes, name) {
  const form = new FormData();
  form.append('files', new Blob([bytes], { type: 'image/jpeg' }), name);
  const started = performance.now();
  const res = await fetch(`${app.url}/api/upload`, {
    method: 'POST',
    body: form,
    headers: { Authorization: `Bearer ${app.token}` },
  });
  const body = await res.json();
  const ms = performance.now() - started;
  if (res.status !== 201) throw new Error(`upload answered ${res.status}`);
  return { ms, file: body[0] };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** `--name <number>` of the command line, or `fallback`. */
const numberArg = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};

let scorerCode;

/**
 * The embedded scorer alone, as the pipeline calls it (decode, the content check that tells
 * photos from graphics, the fast-mode score), on one libvips thread like a backfill worker:
 * images per second over `rounds` rounds of `images` after a warm-up round, also without the
 * content check. `perImage` and `contentChecks` (ms) let several measurements be pooled.
 */
async function embeddedScorerRate(images, { rounds = 4 } = {}) {
  // Bundled once: each bundle is new code, cold for the JIT, and memory the run never gets back.
  scorerCode ??= require('../scripts/require-ts').requireTypeScript(
    [
      "export { decodeWorkingImageDeferred } from './server/src/prepare/decode';",
      "export { detectContent } from './server/src/scorers/content';",
      "export { scoreLocalDeferred } from './server/src/scorers/local';",
    ],
    'backfill-bench',
  );
  const code = scorerCode;
  sharp.concurrency(1);
  const perImage = [];
  const contentChecks = [];
  for (let round = 0; round <= rounds; round++) {
    for (const bytes of images) {
      const started = performance.now();
      const image = await code.decodeWorkingImageDeferred(bytes);
      const checking = performance.now();
      code.detectContent(image);
      const checked = performance.now();
      await code.scoreLocalDeferred(image);
      if (round > 0) {
        perImage.push(performance.now() - started);
        contentChecks.push(checked - checking);
      }
    }
  }
  return scorerRateOf(perImage, contentChecks);
}

/**
 * A rate is images over time, as the backfill's is: the mean, not the median, which would leave
 * out the slow images (and the collections) a long run pays for.
 */
function scorerRateOf(perImage, contentChecks) {
  const mean = (values) => values.reduce((sum, ms) => sum + ms, 0) / values.length;
  const meanMs = mean(perImage);
  const withoutContentMs = meanMs - mean(contentChecks);
  return {
    rate: 1000 / meanMs,
    meanMs,
    withoutContent: 1000 / withoutContentMs,
    medianMs: median(perImage),
    perImage,
    contentChecks,
  };
}

/**
 * `files` stored images as rows of `plugin::upload.file` the way an import leaves them (status
 * `unscored`): `images[i % images.length]` written under its own name in `uploads`.
 */
async function storeLibrary(strapi, uploads, images, files, { width, height, prefix = 'library' }) {
  const fs = require('node:fs');
  const rows = [];
  for (let i = 0; i < files; i++) {
    const bytes = images[i % images.length];
    const name = `${prefix}-${i}.jpg`;
    fs.writeFileSync(path.join(uploads, name), bytes);
    rows.push({
      name,
      hash: `${prefix}_${i}`,
      ext: '.jpg',
      mime: 'image/jpeg',
      size: bytes.length / 1000,
      width,
      height,
      url: `/uploads/${name}`,
      provider: 'local',
      folderPath: '/',
    });
  }
  for (let i = 0; i < rows.length; i += 500) {
    await strapi.db.query('plugin::upload.file').createMany({ data: rows.slice(i, i + 500) });
  }
}

/**
 * A backfill through the plugin's service, followed to its end: seconds, progress and RSS.
 * `pauses`: every `everyMs` the backfill is paused, and once its job in hand has finished,
 * `measure()` runs (the scorer alone, say, so both rates are taken through the same stretch of
 * a long run on a machine whose speed drifts); the paused time is left out of `seconds`.
 */
async function timedBackfill(strapi, selection = {}, { pauses } = {}) {
  const backfill = strapi.plugin('photo-score').service('backfill');
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const activeJobs = (run) => strapi.db.query('plugin::photo-score.job').count({ where: { run, state: 'active' } });
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let running = 0;
  let since = performance.now();
  let progress = await backfill.start(selection);
  while (progress.state === 'running') {
    await sleep(pauses ? 50 : 250);
    progress = await backfill.progress(progress.id);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (pauses && progress.state === 'running' && performance.now() - since >= pauses.everyMs) {
      await backfill.pause(progress.id);
      while ((await activeJobs(progress.id)) > 0) await sleep(5);
      running += performance.now() - since;
      await pauses.measure();
      progress = await backfill.resume(progress.id);
      since = performance.now();
    }
  }
  const seconds = (running + performance.now() - since) / 1000;
  global.gc?.();
  return { seconds, progress, rate: progress.done / seconds, rssBefore, rssPeak, rssAfter: process.memoryUsage().rss };
}

/** The BullMQ engine on the local Redis, under a prefix of this run's own; `drop()` deletes its keys. */
function benchQueue() {
  const connection = { host: '127.0.0.1', port: 6379 };
  const prefix = `photo-score-bench-${process.pid}-${Date.now()}`;
  return {
    config: JSON.stringify({ connection, prefix }),
    async drop() {
      const Redis = require('ioredis');
      const redis = new Redis(connection);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

module.exports = {
  postgresSchema,
  benchQueue,
  bootApp,
  embeddedScorerRate,
  scorerRateOf,
  numberArg,
  privateAppEnv,
  siteAppEnv,
  storeLibrary,
  syntheticPhoto,
  timedBackfill,
  timedUpload,
  median,
};

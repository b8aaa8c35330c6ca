#!/usr/bin/env node
/**
 * Strapi's responsiveness while uploads are scored: the embedded scorer in the worker pool
 * against the embedded scorer on the event loop, in deep mode (CNN and head; the fast mode
 * alone scores on the event loop: scorers/pool.ts `embeddedBackend`).
 *
 *   node bench/deep-health.bench.js [--rounds 3] [--uploads 10] [--single 10] [--postgres]
 *
 * Boots the demo app twice in deep mode (one worker thread, the default): once as built, once with bench/in-thread-pool.js, which runs the same worker code
 * on the main thread. Then, in alternating rounds, sends 10 uploads at once to one app and,
 * until all are answered, polls `GET /_health` every 10 ms, each request after the previous
 * answered; it prints the p50, p99 and max of those answers per setup (all rounds pooled),
 * and how long the 10 uploads took. Then `--single` uploads one at a time, alternating between
 * the apps: the median upload and the embedded scorer's own time (what the hand-off to a
 * worker costs one upload). SQLite by default; `--postgres` puts each app in its own
 * schema of the PostgreSQL at DATABASE_HOST (127.0.0.1) instead: better-sqlite3 runs every
 * query, commit and fsync on the event loop, PostgreSQL's client does not.
 */
'use strict';
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { bootApp, syntheticPhoto, timedUpload, median } = require('./harness');

const arg = (name, fallback) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;
const rounds = arg('rounds', 3);
const uploads = arg('uploads', 10);
const POLL_MS = 10;
const postgres = process.argv.includes('--postgres');
const mode = 'deep';
/** Sequential uploads per app, after the rounds: the latency of one upload alone. */
const SINGLE = arg('single', 10);

/** A private PostgreSQL schema per app; resolves to its environment and a drop(). */
async function pgSchema(name) {
  const { Client } = require('pg');
  const connect = async (run) => {
    const client = new Client({
      host: process.env.DATABASE_HOST ?? '127.0.0.1',
      user: process.env.DATABASE_USERNAME ?? 'postgres',
      database: process.env.DATABASE_NAME ?? 'test',
    });
    await client.connect();
    try {
      await run(client);
    } finally {
      await client.end();
    }
  };
  const schema = `photo_score_bench_${name}_${process.pid}`;
  await connect((client) => client.query(`CREATE SCHEMA ${schema}`));
  return {
    env: { DATABASE_CLIENT: 'postgres', DATABASE_SCHEMA: schema },
    drop: () => connect((client) => client.query(`DROP SCHEMA ${schema} CASCADE`)),
  };
}

const percentile = (values, fraction) => [...values].sort((a, b) => a - b)[Math.ceil(fraction * values.length) - 1];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** 10 uploads in flight, /_health polled meanwhile: resolves to the health latencies and the uploads' wall time. */
async function round(app, photos, tag) {
  const latencies = [];
  let done = false;
  const poller = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${app.url}/_health`);
      await res.arrayBuffer();
      if (res.status !== 204) throw new Error(`/_health answered ${res.status}`);
      latencies.push(performance.now() - started);
      await sleep(Math.max(0, POLL_MS - (performance.now() - started)));
    }
  })();
  const started = performance.now();
  const files = await Promise.all(photos.map((bytes, i) => timedUpload(app, bytes, `${tag}-${i}.jpg`)));
  const uploadsMs = performance.now() - started;
  done = true;
  await poller;
  for (const { file } of files) localOutcome(file);
  return { latencies, uploadsMs };
}

/** The embedded scorer's outcome of an upload, checked to be of the mode measured. */
function localOutcome(file) {
  const local = file.photoScoreDetails.scorers.find((s) => s.scorer === 'local');
  if (!local?.ok || String(local.version).startsWith('deep-') !== (mode === 'deep'))
    throw new Error(`not scored in ${mode} mode: ${JSON.stringify(local)}`);
  return local;
}

(async () => {
  const env = { PHOTO_SCORE_LOCAL_MODE: mode };
  const schemas = postgres ? [await pgSchema('pool'), await pgSchema('loop')] : [];
  const pooled = await bootApp({ ...env, ...schemas[0]?.env });
  const inThread = await bootApp({
    ...env,
    ...schemas[1]?.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(__dirname, 'in-thread-pool.js')}`.trim(),
  });
  const setups = [
    ['worker pool', pooled],
    ['event loop', inThread],
  ];
  try {
    // 1600×1200 JPEGs, a different one per upload (seeded grain), so no cache answers.
    const photos = await Promise.all(
      Array.from({ length: uploads }, (_, i) => syntheticPhoto({ width: 1600, height: 1200, seed: 1000 + i })),
    );
    // Warm-up (the network itself is loaded at boot): one upload alone first, since Strapi
    // creates its "API Uploads" folder on the first one and concurrent first uploads race to
    // insert it (UNIQUE constraint failed: upload_folders.path); then the first requests' JIT.
    for (const [, app] of setups) {
      await timedUpload(app, photos[0], 'first.jpg');
      await round(app, photos.slice(0, 2), 'warm');
    }
    const results = new Map(setups.map(([label]) => [label, { latencies: [], uploadsMs: [] }]));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? setups : [...setups].reverse();
      for (const [label, app] of order) {
        const { latencies, uploadsMs } = await round(app, photos, `r${r}`);
        results.get(label).latencies.push(...latencies);
        results.get(label).uploadsMs.push(uploadsMs);
      }
    }
    // One upload alone, alternating between the apps: what the hand-off costs an upload.
    const single = new Map(setups.map(([label]) => [label, { uploadMs: [], scorerMs: [] }]));
    for (let i = 0; i < SINGLE; i++) {
      for (const [label, app] of i % 2 === 0 ? setups : [...setups].reverse()) {
        const { ms, file } = await timedUpload(app, photos[i % photos.length], `single-${i}.jpg`);
        single.get(label).uploadMs.push(ms);
        single.get(label).scorerMs.push(localOutcome(file).durationMs);
      }
    }
    console.log(
      `GET /_health every ${POLL_MS} ms while ${uploads} ${mode}-mode uploads (1600x1200 JPEG) are in flight, ${rounds} alternating rounds each, ${postgres ? 'PostgreSQL' : 'SQLite'}`,
    );
    for (const [label, { latencies, uploadsMs }] of results) {
      console.log(
        `  ${label.padEnd(12)} /_health p50 ${percentile(latencies, 0.5).toFixed(1)} ms  p99 ${percentile(latencies, 0.99).toFixed(1)} ms  max ${Math.max(...latencies).toFixed(1)} ms  (${latencies.length} answers)  ${uploads} uploads in ${median(uploadsMs).toFixed(0)} ms (median)`,
      );
    }
    console.log(`one upload alone, median of ${SINGLE} alternating each`);
    for (const [label, { uploadMs, scorerMs }] of single) {
      console.log(
        `  ${label.padEnd(12)} upload ${median(uploadMs).toFixed(1)} ms  embedded scorer ${median(scorerMs).toFixed(1)} ms`,
      );
    }
  } finally {
    await Promise.all(
      setups.map(([, app]) => new Promise((resolve) => app.child.once('exit', resolve).kill('SIGTERM'))),
    );
    for (const schema of schemas) await schema.drop();
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});

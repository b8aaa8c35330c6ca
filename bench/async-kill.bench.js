#!/usr/bin/env node
/**
 * Two Strapi processes serving one site in async mode, one killed (kill -9) in the middle of
 * 1,000 uploads: is any upload lost, any file scored twice, any file left `pending`?
 *
 *   node bench/async-kill.bench.js [--uploads 1000] [--concurrency 6] [--lease-ms 15000] [--postgres]
 *
 * - Both processes are the demo app serving HTTP (bench/serve-app.js) on one database (SQLite,
 *   or with `--postgres` a schema of its own on the local PostgreSQL), one uploads folder and
 *   BullMQ on the local Redis under one prefix of this run's own, `mode: 'async'`, one vendor in
 *   the chain: the strict PhotoILike stand-in of the tests on 127.0.0.1, which records every
 *   scoring call.
 * - A client sends `--uploads` distinct 160×120 JPEGs, `--concurrency` in flight, alternating
 *   between the two. When half are acknowledged the second process is killed; an upload sent to
 *   it that got no answer is sent again to the survivor, as a load balancer would, and every
 *   upload after the kill goes to the survivor.
 * - Then it waits until no file is `pending` and prints what was acknowledged, stored, in which
 *   final status, still pending, lost (acknowledged, no row), and the vendor's scoring calls per
 *   distinct image: told apart by the bytes the plugin sent (each stored file is encoded here as
 *   prepare/for-vendor.ts encodes it for the vendor) and, each process having a client-key of
 *   its own, by who sent them. An image sent twice is either the killed process's call in flight
 *   at the kill, whose answer died with it and which the survivor made again once BullMQ handed
 *   it the job (at most the killed process's jobs at once), or a file scored twice.
 * - Exits 1 when a goal fails: an upload not acknowledged, a file pending or lost, a file scored
 *   twice, more repeated calls than the killed process had in flight.
 */
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { benchQueue, bootApp, numberArg, postgresSchema, syntheticPhoto } = require('./harness');
const { requireTypeScript } = require('../scripts/require-ts');

const UPLOADS = numberArg('--uploads', 1000);
const CONCURRENCY = numberArg('--concurrency', 6);
// The plugin's default lease is 5 minutes; a shorter one lets the run end soon after the kill.
// Not much shorter: better-sqlite3 can block a process up to 5 s waiting for the other's write
// lock, and a lock not renewed in time would hand a live job to the other process.
const LEASE_MS = numberArg('--lease-ms', 15_000);
const POSTGRES = process.argv.includes('--postgres');
const WIDTH = 160;
const HEIGHT = 120;
/** The plugin's pace for the vendor, and the stand-in's own limit (higher: a 429 would read as a second call). */
const VENDOR_RATE = 40;
const FAKE_RATE = 200;
const WARM_UP = 'warm-up.jpg';
/** Jobs each process works at once (jobs.concurrency). */
const JOBS_AT_ONCE = 2;
const WAIT_FOR_FINAL_MS = 3 * LEASE_MS + 180_000;

const { startPhotoILikeFake, encodeForVendor } = requireTypeScript(
  [
    "export { startPhotoILikeFake } from './tests/vendors/photoilike-server';",
    "export { encodeForVendor } from './server/src/prepare/for-vendor';",
  ],
  'bench-async-kill',
);
/** PhotoILike's spec in server/src/scorers/vendors/photoilike.ts. */
const PHOTOILIKE_SPEC = { formats: ['jpeg', 'png', 'webp'], maxLongSide: 2048, maxBytes: 5 * 1024 * 1024 };

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const countBy = (items, key) =>
  items.reduce((counts, item) => ({ ...counts, [key(item)]: (counts[key(item)] ?? 0) + 1 }), {});
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** One POST /api/upload: {status, body} or throws when the connection fails (no answer). */
async function upload(app, bytes, name) {
  const form = new FormData();
  form.append('files', new Blob([bytes], { type: 'image/jpeg' }), name);
  const res = await fetch(`${app.url}/api/upload`, {
    method: 'POST',
    body: form,
    headers: { Authorization: `Bearer ${app.token}` },
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  return { status: res.status, body: res.status === 201 ? JSON.parse(text) : text };
}

/** Every stored file as the content API lists it: id, name, status. */
async function storedFiles(app, filter = '') {
  const res = await fetch(
    `${app.url}/api/upload/files?fields[0]=name&fields[1]=photoScoreStatus&fields[2]=url${filter}`,
    { headers: { Authorization: `Bearer ${app.token}` } },
  );
  if (res.status !== 200) throw new Error(`file list answered ${res.status}: ${await res.text()}`);
  const body = await res.json();
  return Array.isArray(body) ? body : body.results;
}

async function main(cleanups) {
  const started = performance.now();
  const images = [];
  for (let i = 0; i < UPLOADS; i++)
    images.push(await syntheticPhoto({ width: WIDTH, height: HEIGHT, seed: 90_000 + i }));
  const vendor = await startPhotoILikeFake({
    username: 'bench',
    password: 'bench-password',
    // One client-key per process (a secret: it changes neither job ids nor the verdict cache's
    // key), so each call tells which process made it.
    clientKeys: ['key-survivor', 'key-killed'],
    ratePerSecond: FAKE_RATE,
  });
  cleanups.push(() => vendor.close());
  const queue = benchQueue();
  cleanups.push(() => queue.drop());
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'photo-score-async-kill-'));
  cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
  let database = {};
  if (POSTGRES) {
    const schema = await postgresSchema();
    cleanups.push(() => schema.drop());
    database = schema.env;
  }
  const env = {
    ...database,
    BENCH_SITE_ROOT: root,
    // Warnings too: the plugin says so when it queues again an upload a killed process left without a job.
    BENCH_LOG_LEVEL: 'warn',
    PHOTO_SCORE_MODE: 'async',
    PHOTO_SCORE_QUEUE: queue.config,
    PHOTO_SCORE_JOBS: JSON.stringify({ concurrency: JOBS_AT_ONCE, pollMs: 200, leaseMs: LEASE_MS }),
    PHOTO_SCORE_SCORERS: 'photoilike',
    PHOTOILIKE_USERNAME: 'bench',
    PHOTOILIKE_PASSWORD: 'bench-password',
    PHOTOILIKE_BASE_URL: `${vendor.url}/v2.0`,
    PHOTOILIKE_RATE_PER_SECOND: String(VENDOR_RATE),
  };
  const children = [];
  // Stopped as Strapi stops (its workers and Redis connections closed), killed if that hangs.
  cleanups.push(async () => {
    const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
    const exited = running.map((child) => new Promise((resolve) => child.on('exit', resolve)));
    for (const child of running) child.kill('SIGTERM');
    const timer = setTimeout(() => running.forEach((child) => child.kill('SIGKILL')), 15_000);
    await Promise.all(exited);
    clearTimeout(timer);
  });
  // What the processes log (Strapi logs to stdout; errors only, LOG_LEVEL=error).
  const logged = [];
  const boot = async (label) => {
    const app = await bootApp({ ...env, PHOTOILIKE_CLIENT_KEY: `key-${label}` });
    children.push(app.child);
    app.child.stdout.on('data', (chunk) =>
      logged.push(
        ...String(chunk)
          .split('\n')
          .filter(Boolean)
          .map((line) => `${label}: ${line}`),
      ),
    );
    app.exited = new Promise((resolve) => app.child.on('exit', resolve));
    return app;
  };
  // One after the other: both would otherwise create the same tables at once.
  const survivor = await boot('survivor');
  // Strapi creates its 'API Uploads' folder on a site's first API upload, and concurrent first
  // uploads race to create it (a UNIQUE constraint, answered 500): one upload first, as on any
  // site already in use. Not counted below.
  const warmUp = await upload(survivor, await syntheticPhoto({ width: WIDTH, height: HEIGHT, seed: 1 }), WARM_UP);
  if (warmUp.status !== 201) throw new Error(`the warm-up upload answered ${warmUp.status}: ${warmUp.body}`);
  const victim = await boot('killed');
  const booted = performance.now();

  // The client: `CONCURRENCY` uploads in flight, alternating between the two until the kill.
  const acked = new Map(); // upload index → {id, by}
  const answers = { survivor: 0, victim: 0 };
  const refusedAnswers = []; // non-201 answers: {index, status, text}
  const retried = []; // indices sent to the victim that got no answer
  let killed = false;
  let killedAt = 0;
  let killedEpoch = 0;
  let pendingAtKill = null;
  let next = 0;
  const send = async (index) => {
    const name = `async-kill-${index}.jpg`;
    let target = !killed && index % 2 === 1 ? victim : survivor;
    for (let attempt = 0; attempt < 4; attempt++) {
      let answer;
      try {
        answer = await upload(target, images[index], name);
      } catch (error) {
        if (target === victim && killed) {
          retried.push(index);
          target = survivor;
          continue;
        }
        throw new Error(
          `upload ${index} to the ${target === victim ? 'victim' : 'survivor'} got no answer: ${error.message}`,
        );
      }
      if (answer.status === 201) {
        acked.set(index, { id: answer.body[0].id, by: target === victim ? 'victim' : 'survivor' });
        answers[target === victim ? 'victim' : 'survivor'] += 1;
        return;
      }
      refusedAnswers.push({ index, by: target === victim ? 'killed' : 'survivor', status: answer.status });
      await sleep(200);
    }
    throw new Error(`upload ${index} was not stored after 4 attempts`);
  };
  const clientWorker = async () => {
    while (next < UPLOADS) {
      const index = next++;
      await send(index);
      if (!killed && acked.size >= UPLOADS / 2) {
        killed = true;
        killedAt = performance.now();
        killedEpoch = Date.now();
        victim.child.kill('SIGKILL');
        storedFiles(survivor, '&filters[photoScoreStatus][$eq]=pending').then(
          (files) => (pendingAtKill = files),
          () => undefined,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, clientWorker));
  await victim.exited;
  const uploaded = performance.now();

  // Wait for every file to reach a final status.
  let pending = await storedFiles(survivor, '&filters[photoScoreStatus][$eq]=pending');
  while (pending.length > 0 && performance.now() - uploaded < WAIT_FOR_FINAL_MS) {
    await sleep(1000);
    pending = await storedFiles(survivor, '&filters[photoScoreStatus][$eq]=pending');
  }
  const settled = performance.now();
  // Let a call in flight at the timeout reach the vendor before counting.
  await sleep(1000);

  const everyFile = await storedFiles(survivor);
  const files = everyFile.filter((file) => file.name !== WARM_UP);
  const byStatus = {};
  for (const file of files) byStatus[file.photoScoreStatus] = (byStatus[file.photoScoreStatus] ?? 0) + 1;
  const ids = new Set(files.map((file) => file.id));
  const lost = [...acked].filter(([, { id }]) => !ids.has(id)).map(([index]) => index);
  const rowsByName = new Map();
  for (const file of files) rowsByName.set(file.name, [...(rowsByName.get(file.name) ?? []), file]);
  const storedTwice = [...rowsByName].filter(([, rows]) => rows.length > 1);
  const ackedIds = new Set([...acked.values()].map(({ id }) => id));
  const unanswered = files.filter((file) => !ackedIds.has(file.id));

  // What the plugin sent the vendor for each stored file: Strapi stores the upload optimised
  // (re-encoded), and the job encodes the stored bytes for the vendor as prepare/for-vendor.ts
  // does here.
  const imageOfSent = new Map();
  for (const file of everyFile) {
    const stored = fs.readFileSync(path.join(root, 'public', file.url));
    const prepared = await encodeForVendor(stored, { width: WIDTH, height: HEIGHT }, PHOTOILIKE_SPEC, '', 1e8);
    imageOfSent.set(sha256(prepared.bytes), file.name === WARM_UP ? -1 : Number(/async-kill-(\d+)/.exec(file.name)[1]));
  }
  const calls = vendor.callsTo('score').map((call) => {
    const body = JSON.parse(call.body.toString('utf8'));
    return {
      image: imageOfSent.get(sha256(Buffer.from(body['image-base64'], 'base64'))),
      by: body['client-key'] === 'key-killed' ? 'killed' : 'survivor',
      at: call.receivedAt - killedEpoch,
    };
  });
  const unmatched = calls.filter((call) => call.image === undefined).length;
  const measured = calls.filter((call) => call.image !== undefined && call.image >= 0);
  const callsOf = new Map(); // image → its calls
  for (const call of measured) callsOf.set(call.image, [...(callsOf.get(call.image) ?? []), call]);
  const sentTwice = [...callsOf].filter(([, of]) => of.length > 1);
  // The killed process's call that reached the vendor before the kill, whose answer died with
  // it (no verdict saved, none cached), made again by the survivor once BullMQ handed it the job.
  const inFlightAtKill = ([, of]) =>
    of.length === 2 && of[0].by === 'killed' && of[0].at <= 0 && of[1].by === 'survivor' && of[1].at > 0;
  const unexplained = sentTwice.filter((entry) => !inFlightAtKill(entry));
  const notSent = UPLOADS - callsOf.size;
  const describe = ([image, of]) =>
    `#${image} (${rowsByName.get(`async-kill-${image}.jpg`)?.length ?? 0} row${rowsByName.get(`async-kill-${image}.jpg`)?.length === 1 ? '' : 's'}; ${of
      .map((call) => `${call.by} at ${call.at >= 0 ? '+' : ''}${(call.at / 1000).toFixed(2)} s`)
      .join(', ')} from the kill)`;

  // When the files pending at the kill were scored (their first call after it): the killed
  // process's active jobs wait for their lock to run out and the stalled check.
  const scoredAfterKill = (pendingAtKill ?? []).flatMap((file) => {
    const of = callsOf.get(Number(/async-kill-(\d+)/.exec(file.name)?.[1])) ?? [];
    const after = of.find((call) => call.at > 0);
    return after ? [after.at] : [];
  });
  const atKill =
    scoredAfterKill.length === 0
      ? 'none scored after the kill by a vendor call'
      : `${scoredAfterKill.length} scored after it, the last at +${seconds(Math.max(...scoredAfterKill))}; ${scoredAfterKill.filter((at) => at >= LEASE_MS).length} of them after the lock ran out (taken over from the killed process)`;

  const goals = [];
  const goal = (ok, text) => {
    if (!ok) goals.push(text);
    return ok ? '' : '   <-- goal failed';
  };
  const lines = [
    `two processes serving one site (${POSTGRES ? 'PostgreSQL' : 'SQLite'}, one uploads folder, BullMQ on the local Redis), async mode,`,
    `scorer chain: the PhotoILike stand-in on 127.0.0.1 (paced at ${VENDOR_RATE} calls/s by the plugin), ${JOBS_AT_ONCE} jobs at once per process`,
    `BullMQ lock ${seconds(LEASE_MS)} (jobs.leaseMs; default 5 min), stalled check every ${seconds(Math.round(LEASE_MS / 2))} (leaseMs / 2): a killed`,
    `process's active jobs are handed on within ≈ ${seconds(LEASE_MS * 1.5)}; with the default lease, within ≈ 7.5 min`,
    `uploads sent             ${UPLOADS} distinct ${WIDTH}×${HEIGHT} JPEGs, ${CONCURRENCY} in flight, alternating until the kill`,
    `killed                   the second process (kill -9) at ${acked.size >= UPLOADS / 2 ? `${Math.ceil(UPLOADS / 2)} acknowledged` : '?'}, ${seconds(killedAt - booted)} into the uploads; ${pendingAtKill?.length ?? '?'} files pending then`,
    `  pending at the kill    ${atKill}`,
    `acknowledged (201)       ${acked.size} (${answers.survivor} by the survivor, ${answers.victim} by the killed process)${goal(acked.size === UPLOADS, 'every upload acknowledged')}`,
    `no answer, sent again    ${retried.length} (in flight at the killed process), all to the survivor`,
    `other answers            ${refusedAnswers.length}${
      refusedAnswers.length
        ? ` (${Object.entries(countBy(refusedAnswers, (r) => `${r.status} by the ${r.by}`))
            .map(([what, n]) => `${n}× ${what}`)
            .join(', ')})`
        : ''
    }, sent again to the same process`,
    `files stored             ${files.length} rows; ${storedTwice.length} uploads stored twice; ${unanswered.length} rows whose upload got no answer${unanswered.length ? ` (now ${unanswered.map((f) => f.photoScoreStatus).join(', ')})` : ''}`,
    `final statuses           ${Object.entries(byStatus)
      .filter(([status]) => status !== 'pending')
      .map(([status, count]) => `${status} ${count}`)
      .join(', ')}`,
    `still pending            ${pending.length} (goal 0)${goal(pending.length === 0, 'no file pending')}${
      pending.length
        ? `: ${pending
            .map((f) => `#${f.id} ${f.name}`)
            .slice(0, 10)
            .join(', ')}`
        : ''
    }`,
    `lost                     ${lost.length} (goal 0: acknowledged, no row)${goal(lost.length === 0, 'none lost')}`,
    `vendor scoring calls     ${measured.length} (${measured.filter((c) => c.by === 'survivor').length} by the survivor, ${measured.filter((c) => c.by === 'killed').length} by the killed process) for ${callsOf.size} distinct images; ${notSent} images never sent; ${unmatched} calls with bytes not of an upload; ${vendor.rateLimited} answered 429${goal(unmatched === 0 && vendor.rateLimited === 0, "every call an upload's, none 429")}`,
    `images sent twice        ${sentTwice.length} (issue's goal: none above 1)${sentTwice.length ? `: ${sentTwice.slice(0, 10).map(describe).join(', ')}` : ''}`,
    `  of which in flight     ${sentTwice.length - unexplained.length} the killed process's call in flight at the kill, made again by the survivor (at most ${JOBS_AT_ONCE}: its jobs at once)${goal(sentTwice.length - unexplained.length <= JOBS_AT_ONCE, "at most the killed process's jobs in flight")}`,
    `  scored twice           ${unexplained.length} (goal 0: any other repeat)${goal(unexplained.length === 0, 'no file scored twice')}`,
    `elapsed                  ${seconds(uploaded - booted)} uploading, last file final ${seconds(settled - killedAt)} after the kill, ${seconds(settled - started)} in all (boot and image generation included)`,
  ];
  // Strapi logs each error as a line `[time] error: message`, the stack after it; counted by message.
  const errorKinds = countBy(
    logged
      .map((line) => line.replace(/\x1b\[\d+m/g, ''))
      .filter((line) => /^\S+: \[[\d-]+ [\d:.]+\] error: /.test(line))
      .map((line) => line.replace(/\[[\d-]+ [\d:.]+\] error: /, '').replace(/values \(.*\)/, 'values (…)')),
    (line) => line.slice(0, 200),
  );
  const strandedLines = logged.filter((line) => /pending upload\(s\) had no job/.test(line));
  lines.push(
    `queued again             ${strandedLines.reduce((sum, line) => sum + Number(/(\d+) pending upload/.exec(line)[1]), 0)} uploads the killed process stored but never queued (jobs/stranded-uploads.ts)`,
  );
  lines.push(
    `errors logged            ${Object.values(errorKinds).reduce((a, b) => a + b, 0)}${Object.entries(errorKinds)
      .map(([kind, count]) => `\n  ${count}× ${kind}`)
      .join('')}`,
  );
  console.log(lines.join('\n'));
  if (goals.length > 0) {
    console.log(`FAILED: ${goals.join('; ')}`);
    process.exitCode = 1;
  }
}

(async () => {
  const cleanups = [];
  try {
    await main(cleanups);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch((error) => console.error(error));
  }
  process.exit(process.exitCode ?? 0);
})();

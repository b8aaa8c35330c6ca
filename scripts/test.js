#!/usr/bin/env node
// The whole suite, as CI runs it: build the plugin the way npm would ship it and the demo
// app's admin panel, then run every test on SQLite and the Strapi tests again on PostgreSQL.
// Needs PostgreSQL on 127.0.0.1:5432 and Chromium at /usr/bin/chromium (see README).
// Extra arguments go to jest: `npm test -- tests/policy.test.ts`.
const { spawnSync } = require('node:child_process');
const { readFileSync, mkdtempSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const jestArgs = process.argv.slice(2);

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

async function postgresReachable() {
  const { Client } = require('pg');
  const client = new Client({
    host: process.env.DATABASE_HOST ?? '127.0.0.1',
    port: 5432,
    database: 'test',
    user: 'postgres',
  });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    console.error(`PostgreSQL is not reachable at 127.0.0.1:5432 (${error.message}).`);
    return false;
  }
}

function jest(label, extraArgs, env) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'photo-score-jest-'));
  const report = path.join(scratch, 'report.json');
  const tmp = mkdtempSync(path.join(scratch, 'tmp-'));
  console.log(`\n=== ${label} ===`);
  const status = run(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--runInBand', '--json', `--outputFile=${report}`, ...extraArgs, ...jestArgs],
    // Without vm-modules Strapi's MIME sniffing (file-type, ESM) is skipped silently on every upload.
    // A private TMPDIR lets the tests see every temp file an upload leaves behind.
    { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim(), TMPDIR: tmp, ...env },
  );
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    counts = { passed: json.numPassedTests, failed: json.numFailedTests, skipped: json.numPendingTests };
  } catch {
    counts.failed += 1;
  }
  return { status, counts };
}

(async () => {
  if (run('npm', ['run', 'build', '--silent']) !== 0) process.exit(1);
  // The browser tests drive the demo app's admin panel, which bundles the plugin's admin code.
  const strapi = path.join(root, 'node_modules', '.bin', 'strapi');
  const built = spawnSync(strapi, ['build'], {
    cwd: path.join(root, 'tests', 'app'),
    stdio: 'inherit',
    env: { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true' },
  });
  if (built.status !== 0) process.exit(1);

  const runs = [jest('SQLite', [], { DATABASE_CLIENT: 'sqlite' })];
  if (process.env.PHOTO_SCORE_SKIP_POSTGRES === '1') {
    console.log('\nPostgreSQL run skipped (PHOTO_SCORE_SKIP_POSTGRES=1).');
  } else if (!(await postgresReachable())) {
    runs.push({ status: 1, counts: { passed: 0, failed: 1, skipped: 0 } });
  } else {
    runs.push(jest('PostgreSQL', ['--testPathPattern', '/tests/(?!vendors/|cli)'], { DATABASE_CLIENT: 'postgres' }));
  }

  const total = runs.reduce(
    (sum, r) => ({
      passed: sum.passed + r.counts.passed,
      failed: sum.failed + r.counts.failed,
      skipped: sum.skipped + r.counts.skipped,
    }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  const failed = runs.some((r) => r.status !== 0) || total.failed > 0 || total.passed === 0;
  console.log(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  process.exit(failed ? 1 : 0);
})();

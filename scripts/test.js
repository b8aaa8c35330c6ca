#!/usr/bin/env node
// The whole suite, as CI runs it: lint and type check, build the plugin the way npm would ship
// it and the demo app's admin panel, then run every test on SQLite and the Strapi tests again on
// PostgreSQL and on MariaDB, those two at the same time (separate jest processes, each with its
// own TMPDIR; every server a test starts listens on an ephemeral port).
// Needs PostgreSQL on 127.0.0.1:5432, MariaDB on 127.0.0.1:3306 and Chromium at
// /usr/bin/chromium (see README). Extra arguments go to jest: `npm test -- tests/policy.test.ts`.
const { spawn, spawnSync } = require('node:child_process');
const { readFileSync, mkdtempSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const jestArgs = process.argv.slice(2);
const host = process.env.DATABASE_HOST ?? '127.0.0.1';

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

async function reachable(name, connect) {
  try {
    await connect();
    return true;
  } catch (error) {
    console.error(`${name} is not reachable (${error.message}).`);
    return false;
  }
}

const postgresReachable = () =>
  reachable('PostgreSQL at 127.0.0.1:5432', async () => {
    const { Client } = require('pg');
    const client = new Client({ host, port: 5432, database: 'test', user: 'postgres' });
    await client.connect();
    await client.end();
  });

const mariaDbReachable = () =>
  reachable('MariaDB at 127.0.0.1:3306', async () => {
    const connection = await require('mysql2/promise').createConnection({
      host,
      port: 3306,
      user: 'root',
      password: '',
    });
    await connection.end();
  });

/**
 * One jest run. `prefix` set: its output goes through line by line behind that label, so two
 * runs at the same time stay readable.
 */
function jest(label, extraArgs, env, { prefix = false } = {}) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'photo-score-jest-'));
  const report = path.join(scratch, 'report.json');
  const tmp = mkdtempSync(path.join(scratch, 'tmp-'));
  console.log(`\n=== ${label} ===`);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--runInBand', '--json', `--outputFile=${report}`, ...extraArgs, ...jestArgs],
    {
      cwd: root,
      stdio: prefix ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      // Without vm-modules Strapi's MIME sniffing (file-type, ESM) is skipped silently on every upload.
      // A private TMPDIR lets the tests see every temp file an upload leaves behind.
      env: {
        ...process.env,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim(),
        TMPDIR: tmp,
        ...env,
      },
    },
  );
  if (prefix) {
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      let pending = '';
      stream.on('data', (chunk) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop();
        for (const line of lines) out.write(`[${label}] ${line}\n`);
      });
      stream.on('end', () => pending && out.write(`[${label}] ${pending}\n`));
    }
  }
  return new Promise((resolve) =>
    child.on('close', (code) => {
      let counts = { passed: 0, failed: 0, skipped: 0 };
      try {
        const json = JSON.parse(readFileSync(report, 'utf8'));
        counts = { passed: json.numPassedTests, failed: json.numFailedTests, skipped: json.numPendingTests };
      } catch {
        counts.failed += 1;
      }
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      console.log(`=== ${label}: ${counts.passed} passed, ${counts.failed} failed in ${minutes} min ===`);
      resolve({ status: code ?? 1, counts });
    }),
  );
}

const unreachable = { status: 1, counts: { passed: 0, failed: 1, skipped: 0 } };
// The Strapi tests that talk to the database. Not again on PostgreSQL and MariaDB: the vendors'
// own tests, the CLI's, `npm run eval`'s and the unit tests in server/src, which use none; the scorer's (deep
// mode and its pool, damage, explanations, size, graphics), whose queries are the upload's
// INSERT that every other test makes too; and the browser tests, whose pages read the admin
// API that admin-api.test.ts exercises on every database. Left out by an ignore list
// (jest.config.js's, and these), not chosen by a --testPathPattern: jest would run a
// pattern's files besides those named on the command line (`npm test -- tests/policy.test.ts`),
// not narrow them.
const STRAPI_TESTS = [
  '--testPathIgnorePatterns=' +
    [
      '/node_modules/',
      '/dist/',
      '/tests/app/',
      '/server/src/',
      '/tests/vendors/',
      '/tests/cli',
      '/tests/eval',
      '/tests/e2e/',
      '/tests/deep-',
      '/tests/damage',
      '/tests/explanations',
      '/tests/size-and-reasons',
      '/tests/graphics',
    ].join('|'),
];

(async () => {
  // ESLint and the type check first: a minute or two, where the tests take twenty.
  if (run('npm', ['run', 'lint', '--silent']) !== 0) process.exit(1);
  if (run('npm', ['run', 'build', '--silent']) !== 0) process.exit(1);
  // The browser tests drive the demo app's admin panel, which bundles the plugin's admin code.
  const strapi = path.join(root, 'node_modules', '.bin', 'strapi');
  const built = spawnSync(strapi, ['build'], {
    cwd: path.join(root, 'tests', 'app'),
    stdio: 'inherit',
    env: { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true' },
  });
  if (built.status !== 0) process.exit(1);

  const runs = [await jest('SQLite', [], { DATABASE_CLIENT: 'sqlite' })];
  const servers = [];
  if (process.env.PHOTO_SCORE_SKIP_POSTGRES === '1')
    console.log('\nPostgreSQL run skipped (PHOTO_SCORE_SKIP_POSTGRES=1).');
  else if (!(await postgresReachable())) runs.push(unreachable);
  else servers.push(['PostgreSQL', 'postgres']);
  if (process.env.PHOTO_SCORE_SKIP_MARIADB === '1') console.log('\nMariaDB run skipped (PHOTO_SCORE_SKIP_MARIADB=1).');
  else if (!(await mariaDbReachable())) runs.push(unreachable);
  else servers.push(['MariaDB', 'mysql']);
  runs.push(
    ...(await Promise.all(
      servers.map(([label, client]) =>
        jest(label, STRAPI_TESTS, { DATABASE_CLIENT: client }, { prefix: servers.length > 1 }),
      ),
    )),
  );

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

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { progressBar, progressLine, type Progress } from '../server/src/cli/backfill';
import { blurryDarkPhoto, corruptJpeg, crispPhoto, tinyPdf } from './helpers/images';
import { attachAll, jpeg, type Upload } from './helpers/multipart';
import { ADMIN, createTestDatabase, signInWithRole, startApp, type TestApp, type TestDatabase } from './helpers/strapi';

/**
 * `photo-score backfill` run as a child process (the built dist/cli.js, through bin/) against
 * the real app listening on loopback: a library uploaded while the plugin was off is estimated,
 * backfilled, interrupted with Ctrl-C (paused on the server), resumed and finished.
 */
const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'photo-score.js');
const JOBS = JSON.stringify({ pollMs: 50, leaseMs: 2_000 });
const PHOTOS = 6;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface StoredFile {
  id: number;
  name: string;
  photoScore: number | null;
  photoScoreStatus: string;
}

/** The CLI's environment: this process's, without any PHOTO_SCORE_* setting of the app's. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('PHOTO_SCORE_')) env[name] = value;
  return { ...env, ...extra };
}

function launch(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, 'backfill', ...args], { cwd: ROOT, env: cliEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const done = new Promise<Run>((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
  return { child, done };
}

const photoScore = (args: string[], env?: Record<string, string>): Promise<Run> => launch(args, env).done;

describe('photo-score backfill (CLI against a running Strapi)', () => {
  let database: TestDatabase;
  let publicDir: string;
  let app: TestApp;
  let url: string;
  /** Between the photos' upload and the broken file's: `--before` it selects the photos only. */
  let cutoff: string;
  let pausedId: number;

  const files = async (): Promise<StoredFile[]> => {
    const res = await app.http.get('/api/upload/files?sort=id:asc').set('Authorization', `Bearer ${app.apiToken}`);
    expect(res.status).toBe(200);
    return res.body as StoredFile[];
  };
  const photos = async () => (await files()).filter((file) => file.name.startsWith('photo-'));
  const progressOf = async (id: number): Promise<Progress> => {
    const res = await app.http.get(`/photo-score/backfill/${id}`).set('Authorization', `Bearer ${app.adminToken}`);
    expect(res.status).toBe(200);
    return res.body.data as Progress;
  };
  const asToken = () => ['--url', url, '--token', app.adminToken];

  beforeAll(async () => {
    database = await createTestDatabase();
    publicDir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-cli-library-'));
    const before = await startApp({ PHOTO_SCORE_ENABLED: 'false' }, { database, publicDir });
    const uploads: Upload[] = [];
    for (let i = 0; i < PHOTOS; i++) {
      uploads.push(
        jpeg(`photo-${i}.jpg`, i % 3 === 0 ? await blurryDarkPhoto(480, 360) : await crispPhoto(480, 360, i + 1)),
      );
    }
    const upload = (batch: Upload[]) =>
      attachAll(before.http.post('/api/upload').set('Authorization', `Bearer ${before.apiToken}`), batch);
    expect((await upload(uploads)).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 600));
    cutoff = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const later = [
      jpeg('broken.jpg', corruptJpeg()),
      { name: 'notes.pdf', bytes: tinyPdf(), contentType: 'application/pdf' },
    ];
    expect((await upload(later)).status).toBe(201);
    await before.stop();

    app = await startApp({ PHOTO_SCORE_JOBS: JOBS }, { database, publicDir });
    const server = app.strapi.server.httpServer;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.stop();
    await database?.drop();
    await rm(publicDir, { recursive: true, force: true });
  });

  it('dry run: prints how many files and what vendors would bill, and scores nothing', async () => {
    const run = await photoScore([...asToken(), '--dry-run', '--before', cutoff]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      `${PHOTOS} files would be scored (scope unscored, uploaded before ${cutoff}); nothing was scored`,
    );
    expect(run.stdout).toContain('vendors: none billed');

    const json = await photoScore([...asToken(), '--dry-run', '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ files: PHOTOS + 2, vendors: [], selection: { scope: 'unscored' } });

    expect((await files()).every((file) => file.photoScore === null && file.photoScoreStatus === 'unscored')).toBe(
      true,
    );
  });

  it('refuses a token that is not an admin JWT with the backfill permission, with exit 2 and one line', async () => {
    const bogus = await photoScore(['--url', url, '--token', 'not-a-real-token-xyz', '--dry-run']);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toMatch(
      /^photo-score: the server refused the token \(401\): the token is not an admin token with the backfill permission/,
    );
    expect(bogus.stderr.trim().split('\n')).toHaveLength(1);
    expect(`${bogus.stdout}${bogus.stderr}`).not.toContain('not-a-real-token-xyz');

    // A content API token (even full access) cannot call admin routes.
    const apiToken = await photoScore(['--url', url, '--token', app.apiToken, '--dry-run']);
    expect(apiToken.status).toBe(2);
    expect(apiToken.stderr).toMatch(/not an admin token with the backfill permission/);
    expect(apiToken.stderr).not.toContain(app.apiToken);

    // An admin whose role lacks the permission.
    const editor = await signInWithRole(app, 'strapi-editor');
    const denied = await photoScore(['--url', url, '--token', editor, '--dry-run']);
    expect(denied.status).toBe(2);
    expect(denied.stderr).toMatch(/\(403\): the token is not an admin token with the backfill permission/);

    const wrong = await photoScore(['--url', url, '--email', ADMIN.email, '--password', 'Wrong-pass-9', '--dry-run']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/^photo-score: sign-in refused at .*\/admin\/login/);
    expect(wrong.stderr).not.toContain('Wrong-pass-9');

    const missing = await photoScore(['--url', url, '--dry-run']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/needs an admin sign-in/);

    // A port just freed: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const unreachable = await photoScore(['--url', `http://127.0.0.1:${closed}`, '--token', 'x', '--dry-run']);
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toBe(`photo-score: cannot reach http://127.0.0.1:${closed}: ECONNREFUSED\n`);

    expect((await files()).every((file) => file.photoScoreStatus === 'unscored')).toBe(true);
  });

  it('Ctrl-C pauses the backfill on the server, says how to resume, and exits 130', async () => {
    // Hold every scoring, so the backfill is surely still running when the signal comes.
    const pipeline = app.strapi.plugin('photo-score').service('pipeline') as {
      assess: (...args: unknown[]) => Promise<unknown>;
    };
    const original = pipeline.assess;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    pipeline.assess = async (...args: unknown[]) => {
      await gate;
      return original.apply(pipeline, args);
    };
    try {
      const { child, done } = launch([...asToken(), '--before', cutoff]);
      let started = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: string) => {
          started += chunk;
          if (/backfill \d+ started/.test(started)) resolve();
        });
        child.on('close', () => reject(new Error(`the CLI ended before starting: ${started}`)));
      });
      pausedId = Number(/backfill (\d+) started: (\d+) files/.exec(started)?.[1]);
      expect(started).toContain(`backfill ${pausedId} started: ${PHOTOS} files`);
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // a poll or two
      child.kill('SIGINT');
      const run = await done;
      expect(run.status).toBe(130);
      expect(run.stdout).toContain(`paused backfill ${pausedId} at 0 of ${PHOTOS}`);
      expect(run.stdout).toContain(`resume it with: photo-score backfill --url ${url} --resume ${pausedId}`);
      expect(run.stdout).not.toContain(app.adminToken);
      expect((await progressOf(pausedId)).state).toBe('paused');
    } finally {
      release();
      pipeline.assess = original;
    }
  });

  it('--resume with email and password finishes the backfill: every photo scored, exit 0', async () => {
    const run = await photoScore([
      '--url',
      url,
      '--email',
      ADMIN.email,
      '--password',
      ADMIN.password,
      '--resume',
      String(pausedId),
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`backfill ${pausedId} resumed`);
    expect(run.stdout).toMatch(
      new RegExp(`backfill ${pausedId} done after \\d+s: ${PHOTOS} files, ${PHOTOS} done, 0 failed, 0 skipped`),
    );
    expect(run.stdout).not.toContain(ADMIN.password);
    const scored = await photos();
    expect(scored).toHaveLength(PHOTOS);
    for (const file of scored) {
      expect(typeof file.photoScore).toBe('number');
      expect(['scored', 'flagged']).toContain(file.photoScoreStatus);
    }
    // The files uploaded after the cutoff were not selected.
    expect(
      (await files()).filter((file) => !file.name.startsWith('photo-')).every((f) => f.photoScoreStatus === 'unscored'),
    ).toBe(true);
    expect(await progressOf(pausedId)).toMatchObject({ state: 'done', done: PHOTOS, remaining: 0 });
  });

  it('a run with failures (sign-in from the environment) lists them and exits 1', async () => {
    const run = await photoScore(['--url', url], {
      PHOTO_SCORE_EMAIL: ADMIN.email,
      PHOTO_SCORE_PASSWORD: ADMIN.password,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/backfill \d+ started: 2 files \(scope unscored\)/);
    expect(run.stdout).toMatch(/backfill \d+ done after \d+s: 2 files, 0 done, 1 failed, 1 skipped/);
    expect(run.stdout).toMatch(/failed:\n {2}file \d+: .*broken\.jpg/);
    const broken = (await files()).find((file) => file.name === 'broken.jpg');
    expect(broken?.photoScoreStatus).toBe('failed');
  });

  it('starts nothing when nothing matches, and --json reports each progress as a line', async () => {
    const nothing = await photoScore([...asToken(), '--mime', 'image/']);
    expect(nothing.status).toBe(0);
    expect(nothing.stdout).toContain('nothing to score (scope unscored, mime image/): no backfill started');

    const json = await photoScore([
      ...asToken(),
      '--scope',
      'all',
      '--mime',
      'image/jpeg',
      '--after',
      '2000-01-01',
      '--json',
    ]);
    expect(json.stderr).toBe('');
    expect(json.status).toBe(1); // broken.jpg fails again
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Progress);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[lines.length - 1]).toMatchObject({ state: 'done', total: PHOTOS + 1, done: PHOTOS, failed: 1 });
  });

  it('takes a Strapi admin token holding the backfill permission', async () => {
    const created = await app.http
      .post('/admin/admin-tokens')
      .set('Authorization', `Bearer ${app.adminToken}`)
      .send({
        name: 'photo-score-cli',
        description: '',
        lifespan: null,
        adminPermissions: [{ action: 'plugin::photo-score.backfill' }],
      });
    expect(created.status).toBe(201);
    const token: string = created.body.data.accessKey;
    const run = await photoScore(['--url', url, '--token', token, '--dry-run', '--scope', 'all']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`${PHOTOS + 2} files would be scored (scope all)`);
  });
});

describe('backfill progress, as printed', () => {
  const progress: Progress = {
    id: 7,
    state: 'running',
    total: 1000,
    done: 400,
    failed: 12,
    skipped: 8,
    cancelled: 0,
    remaining: 580,
    perMinute: 35,
    etaSeconds: 994,
    failures: [],
  };

  it('draws a bar with counts, rate and ETA', () => {
    expect(progressBar(progress, 10)).toBe(
      '[████░░░░░░]  42% 420/1000 · 400 done, 12 failed, 8 skipped · 35/min, ETA 16m34s',
    );
    expect(progressLine({ ...progress, state: 'paused', etaSeconds: null })).toBe(
      'backfill 7 paused: 420/1000 · 400 done, 12 failed, 8 skipped · 35/min',
    );
    expect(progressBar({ ...progress, total: 0, done: 0, failed: 0, skipped: 0, remaining: 0 }, 4)).toMatch(
      /^\[████\] 100% 0\/0/,
    );
  });
});

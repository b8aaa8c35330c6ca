import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { crispPhoto } from './helpers/images';
import { createTestEngine, ENGINES, type TestEngine } from './helpers/job-engines';
import { jpeg, type Upload } from './helpers/multipart';
import { startSecondInstance, type SecondInstance } from './helpers/second-instance';
import {
  createTestDatabase,
  siteEnv,
  startApp,
  storeWithoutPlugin,
  type TestApp,
  type TestDatabase,
} from './helpers/strapi';

/**
 * Two Strapi processes on one database share one backfill: each file is scored by one of them,
 * once, even when one is killed (kill -9) in the middle. Every scoring is counted by the webhook
 * event it fires, whichever process fired it. On each job engine: database rows claimed under a
 * lease, and BullMQ on Redis, whose stalled-job check hands the killed process's job on.
 */
const FILES = 40;

describe.each(ENGINES)('two Strapi processes sharing a backfill (%s engine)', (engineName) => {
  let engine: TestEngine;
  let database: TestDatabase;
  let publicDir: string;
  let app: TestApp;
  let second: SecondInstance | undefined;
  let receiver: http.Server;
  const scorings = new Map<number, number>();

  const asAdmin = <T extends { set(name: string, value: string): T }>(req: T): T =>
    req.set('Authorization', `Bearer ${app.adminToken}`);

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const { file } = JSON.parse(text) as { file: { id: number } };
        scorings.set(file.id, (scorings.get(file.id) ?? 0) + 1);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;

    engine = createTestEngine(engineName);
    database = await createTestDatabase();
    publicDir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-shared-'));
    const uploads: Upload[] = [];
    for (let i = 0; i < FILES; i++) uploads.push(jpeg(`shared-${i}.jpg`, await crispPhoto(480, 360, i + 1)));
    await storeWithoutPlugin(uploads, { database, publicDir });

    // Longer than a process can stall: better-sqlite3 blocks up to 5 s waiting for the other's write lock.
    const jobs = JSON.stringify({ pollMs: 50, leaseMs: 6_000 });
    app = await startApp({ ...engine.env, PHOTO_SCORE_JOBS: jobs }, { database, publicDir });
    const webhook = await asAdmin(app.http.post('/admin/webhooks')).send({
      name: 'scorings',
      url: hook,
      headers: {},
      events: ['photo-score.scored', 'photo-score.flagged'],
    });
    expect(webhook.status).toBe(201);
    second = await startSecondInstance({ ...siteEnv(database, publicDir), ...engine.env, PHOTO_SCORE_JOBS: jobs });
  });

  afterAll(async () => {
    await second?.stop();
    await app?.stop();
    await database?.drop();
    await engine?.drop();
    await rm(publicDir, { recursive: true, force: true });
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('shares the work, loses nothing when one is killed, and scores every file once', async () => {
    const started = await asAdmin(app.http.post('/photo-score/backfill')).send({});
    expect(started.body.data.total).toBe(FILES);
    const id: number = started.body.data.id;
    const jobs = app.strapi.db.query('plugin::photo-score.job');

    // Kill the second process once it has done some of the work.
    for (let i = 0; i < 400; i++) {
      const byOther = await jobs.count({
        where: { run: id, state: 'done', lockedBy: { $notContains: `:${process.pid}:` } },
      });
      if (byOther >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await second?.kill();

    let progress = started.body.data;
    for (let i = 0; i < 600 && progress.state !== 'done'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      progress = (await asAdmin(app.http.get(`/photo-score/backfill/${id}`))).body.data;
    }
    expect(progress).toMatchObject({ state: 'done', done: FILES, failed: 0, remaining: 0 });

    const rows = (await jobs.findMany({ where: { run: id } })) as Array<{
      file: number;
      lockedBy: string;
      outcome: string | null;
    }>;
    const processOf = (row: { lockedBy: string }) => row.lockedBy.split(':').slice(0, 2).join(':');
    const mine = `${os.hostname()}:${process.pid}`;
    expect(new Set(rows.map(processOf)).size).toBe(2);

    // Every file scored, none twice, as the webhook events both processes fired show. A kill -9
    // can also lose the killed process's last event (Strapi delivers webhooks from memory), so a
    // file it scored may show none; every file this process scored shows exactly one.
    for (let i = 0; i < 100 && scorings.size < FILES; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const files = (await app.http.get('/api/upload/files').set('Authorization', `Bearer ${app.apiToken}`))
      .body as Array<{ id: number; photoScore: number | null }>;
    expect(files.every((file) => typeof file.photoScore === 'number')).toBe(true);
    expect(files.filter((file) => (scorings.get(file.id) ?? 0) > 1)).toEqual([]);
    // A job this process took over after the killed one had saved the score was not scored
    // again ('already scored'): its event was the killed process's.
    const ours = rows
      .filter((row) => processOf(row) === mine && row.outcome !== 'already scored')
      .map((row) => row.file);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.map((file) => scorings.get(file))).toEqual(ours.map(() => 1));
    // Only the killed process's events can be missing.
    const silent = files.filter((file) => scorings.get(file.id) === undefined).map((file) => file.id);
    expect(silent.filter((file) => ours.includes(file))).toEqual([]);
  });
});

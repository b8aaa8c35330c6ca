import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { blurryDarkPhoto, crispPhoto } from './helpers/images';
import { createTestEngine, ENGINES, type TestEngine } from './helpers/job-engines';
import { attachAll, jpeg } from './helpers/multipart';
import { createTestDatabase, listFiles, startApp, type TestApp, type TestDatabase } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';

/** `mode: 'async'`: uploads are stored at once as pending and scored by a background job, on either job engine. */
interface StoredFile {
  id: number;
  name: string;
  photoScore: number | null;
  photoScoreStatus: string;
  photoScoreDetails: { reason?: string; decision?: { reason: string } } | null;
}

const JOBS = JSON.stringify({ pollMs: 50, leaseMs: 2_000 });

describe.each(ENGINES)('async mode (%s engine)', (engineName) => {
  let engine: TestEngine;
  let database: TestDatabase;
  let publicDir: string;
  let app: TestApp;

  const boot = async (env: Record<string, string> = {}) => {
    app = await startApp(
      { ...engine.env, PHOTO_SCORE_MODE: 'async', PHOTO_SCORE_JOBS: JOBS, PHOTO_SCORE_FLAG_BELOW: '30', ...env },
      { database, publicDir },
    );
  };
  const asAdmin = <T extends { set(name: string, value: string): T }>(req: T): T =>
    req.set('Authorization', `Bearer ${app.adminToken}`);
  const upload = (name: string, bytes: Buffer) =>
    attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [jpeg(name, bytes)]);
  const fileById = (id: number) =>
    app.http.get(`/api/upload/files/${id}`).set('Authorization', `Bearer ${app.apiToken}`);
  const jobs = () => app.strapi.plugin('photo-score').service('jobs') as { start(): void; stop(): Promise<void> };

  /** The file once its job has run (its status no longer pending), or null once it is gone. */
  const settled = async (id: number): Promise<StoredFile | null> => {
    for (let i = 0; i < 300; i++) {
      const res = await fileById(id);
      if (res.status === 404) return null;
      if (res.body.photoScoreStatus !== 'pending') return (await withStoredDetails(app, [res.body as StoredFile]))[0];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`file ${id} stayed pending`);
  };

  beforeAll(async () => {
    engine = createTestEngine(engineName);
    database = await createTestDatabase();
    publicDir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-async-'));
    await boot();
  });
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
    await engine?.drop();
    await rm(publicDir, { recursive: true, force: true });
  });

  it('stores an upload at once as pending, then scores it: scored or flagged as in sync mode', async () => {
    const crisp = await upload('crisp.jpg', await crispPhoto(800, 600));
    expect(crisp.status).toBe(201);
    expect(crisp.body[0]).toMatchObject({ photoScore: null, photoScoreStatus: 'pending' });
    const dark = await upload('dark.jpg', await blurryDarkPhoto(800, 600));
    expect(dark.body[0].photoScoreStatus).toBe('pending');
    const scored = await settled(crisp.body[0].id);
    expect(scored?.photoScoreStatus).toBe('scored');
    expect(typeof scored?.photoScore).toBe('number');
    const flagged = await settled(dark.body[0].id);
    expect(flagged?.photoScoreStatus).toBe('flagged');
  });

  it('marks an upload under rejectBelow rejected and keeps it (asyncReject: mark)', async () => {
    await asAdmin(app.http.put('/photo-score/settings')).send({ rejectBelow: 100, flagBelow: 100 });
    const res = await upload('refused.jpg', await crispPhoto(800, 600, 5));
    expect(res.status).toBe(201);
    const file = await settled(res.body[0].id);
    expect(file?.photoScoreStatus).toBe('rejected');
    expect(file?.photoScoreDetails?.decision?.reason).toMatch(/below the minimum of 100/);
    expect(await listFiles(app.uploadsDir)).toContain(path.basename(res.body[0].url));
    // The library's history says what happened to it and that no one in particular decided it.
    const history = await asAdmin(app.http.get(`/photo-score/files/${res.body[0].id}`));
    expect(history.body.data.history).toEqual([
      expect.objectContaining({
        decision: 'auto-reject',
        fromStatus: 'pending',
        toStatus: 'rejected',
        deleted: false,
        by: { id: null, name: 'async scoring' },
        score: file?.photoScore,
      }),
    ]);
  });

  it('skips cleanly a file deleted before its job ran', async () => {
    await jobs().stop();
    const res = await upload('deleted.jpg', await crispPhoto(640, 480, 9));
    const id: number = res.body[0].id;
    const removed = await asAdmin(app.http.delete(`/upload/files/${id}`));
    expect(removed.status).toBe(200);
    jobs().start();
    const queue = app.strapi.db.query('plugin::photo-score.job');
    for (let i = 0; i < 100; i++) {
      const job = (await queue.findOne({ where: { file: id } })) as { state: string; outcome: string } | null;
      if (job && job.state !== 'queued' && job.state !== 'active') {
        expect(job).toMatchObject({ state: 'skipped', outcome: 'the file was deleted before its turn' });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the job never ran');
  });

  it('keeps pending uploads over a restart and scores them after it', async () => {
    await asAdmin(app.http.put('/photo-score/settings')).send({ rejectBelow: null, flagBelow: null });
    await jobs().stop();
    const res = await upload('across-restart.jpg', await crispPhoto(640, 480, 13));
    const id: number = res.body[0].id;
    expect(res.body[0].photoScoreStatus).toBe('pending');
    await app.stop();
    await boot();
    const file = await settled(id);
    expect(file?.photoScoreStatus).toBe('scored');
  });

  it('queues again an upload whose process died before queueing its job, or before handing it over', async () => {
    const ledger = app.strapi.db.query('plugin::photo-score.job');
    // Stored pending by a process killed before it wrote the job (bench/async-kill.bench.js
    // found one): the file has no job in the ledger. (BullMQ: the job the upload did add finds
    // no ledger row and is dropped.)
    await jobs().stop();
    const res = await upload('stranded.jpg', await crispPhoto(640, 480, 17));
    const id: number = res.body[0].id;
    await ledger.deleteMany({ where: { file: id } });
    jobs().start();
    expect((await settled(id))?.photoScoreStatus).toBe('scored');
    expect(await ledger.count({ where: { file: id, state: 'done' } })).toBe(1);

    // A job written to the ledger by a process killed before it reached the engine (BullMQ:
    // never added to Redis), while this process keeps running.
    await app.strapi.db.query('plugin::upload.file').update({ where: { id }, data: { photoScoreStatus: 'pending' } });
    await (
      app.strapi.plugin('photo-score').service('jobs') as {
        queue: { enqueue(run: number, files: number[]): Promise<void> };
      }
    ).queue.enqueue(0, [id]);
    expect((await settled(id))?.photoScoreStatus).toBe('scored');
    expect(await ledger.count({ where: { file: id, state: 'done' } })).toBe(2);
  });

  it('deletes an upload under rejectBelow with asyncReject: delete, leaving no file behind', async () => {
    await app.stop();
    await boot({ PHOTO_SCORE_ASYNC_REJECT: 'delete', PHOTO_SCORE_REJECT_BELOW: '100', PHOTO_SCORE_FLAG_BELOW: '100' });
    await asAdmin(app.http.put('/photo-score/settings')).send({ rejectBelow: 100, flagBelow: null });
    const before = await listFiles(app.uploadsDir);
    const res = await upload('deleted-by-policy.jpg', await crispPhoto(800, 600, 21));
    expect(res.status).toBe(201);
    expect(await settled(res.body[0].id)).toBeNull();
    expect(await listFiles(app.uploadsDir)).toEqual(before);
    const decisions = await app.strapi.db
      .query('plugin::photo-score.decision')
      .findMany({ where: { file: res.body[0].id } });
    expect(decisions).toEqual([
      expect.objectContaining({ fileName: 'deleted-by-policy.jpg', decision: 'auto-reject', deleted: true }),
    ]);
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { blurryDarkPhoto, corruptJpeg, crispPhoto, tinyPdf } from './helpers/images';
import { createTestEngine, ENGINES, type TestEngine } from './helpers/job-engines';
import { attachAll, jpeg, type Upload } from './helpers/multipart';
import { createTestDatabase, signInWithRole, startApp, type TestApp, type TestDatabase } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';

/**
 * A library that existed before the plugin: files uploaded while it was off, then scored by a
 * backfill through the admin API, paused, resumed, cancelled, carried over a restart, and
 * re-judged against new thresholds without scoring again; on each job engine (database rows, and
 * BullMQ on Redis).
 */
interface StoredFile {
  id: number;
  name: string;
  photoScore: number | null;
  photoScoreStatus: string;
  photoScoreDetails: { scoredAt?: string; decision?: { status: string }; reason?: string } | null;
}

const JOBS = JSON.stringify({ pollMs: 50, leaseMs: 2_000 });
const PHOTOS = 10;

describe.each(ENGINES)('backfill of stored media (%s engine)', (engineName) => {
  let engine: TestEngine;
  let database: TestDatabase;
  let publicDir: string;
  let app: TestApp;
  let editorToken: string;
  const updates = new Map<number, number>();

  const asAdmin = <T extends { set(name: string, value: string): T }>(req: T): T =>
    req.set('Authorization', `Bearer ${app.adminToken}`);

  const boot = async () => {
    app = await startApp(
      { ...engine.env, PHOTO_SCORE_JOBS: JOBS, PHOTO_SCORE_FLAG_BELOW: '30' },
      { database, publicDir },
    );
    // Counts each file's `media.update` events: a result saved through the upload service fires one.
    app.strapi.eventHub.on('media.update', async ({ media }: { media: { id: number } }) => {
      updates.set(media.id, (updates.get(media.id) ?? 0) + 1);
    });
  };

  const files = async (): Promise<StoredFile[]> => {
    const res = await app.http.get('/api/upload/files?sort=id:asc').set('Authorization', `Bearer ${app.apiToken}`);
    expect(res.status).toBe(200);
    return withStoredDetails(app, res.body as StoredFile[]);
  };

  const waitFor = async (id: number, states: string[]) => {
    for (let i = 0; i < 400; i++) {
      const res = await asAdmin(app.http.get(`/photo-score/backfill/${id}`));
      if (states.includes(res.body.data.state)) return res.body.data;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`backfill ${id} never reached ${states.join('/')}`);
  };

  beforeAll(async () => {
    engine = createTestEngine(engineName);
    database = await createTestDatabase();
    publicDir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-library-'));
    // The library as it stood before the plugin was installed.
    const before = await startApp({ PHOTO_SCORE_ENABLED: 'false' }, { database, publicDir });
    const uploads: Upload[] = [];
    for (let i = 0; i < PHOTOS; i++) {
      uploads.push(
        jpeg(`photo-${i}.jpg`, i % 3 === 0 ? await blurryDarkPhoto(640, 480) : await crispPhoto(640, 480, i + 1)),
      );
    }
    uploads.push({ name: 'notes.pdf', bytes: tinyPdf(), contentType: 'application/pdf' });
    uploads.push(jpeg('broken.jpg', corruptJpeg()));
    const stored = await attachAll(
      before.http.post('/api/upload').set('Authorization', `Bearer ${before.apiToken}`),
      uploads,
    );
    expect(stored.status).toBe(201);
    await before.stop();
    await boot();
    editorToken = await signInWithRole(app, 'strapi-editor');
  });

  afterAll(async () => {
    await app?.stop();
    await database?.drop();
    await engine?.drop();
    await rm(publicDir, { recursive: true, force: true });
  });

  it('finds the existing files unscored', async () => {
    const all = await files();
    expect(all).toHaveLength(PHOTOS + 2);
    expect(all.every((file) => file.photoScore === null && file.photoScoreStatus === 'unscored')).toBe(true);
  });

  it('guards every backfill route with the backfill permission', async () => {
    expect((await app.http.post('/photo-score/backfill/estimate').send({})).status).toBe(401);
    const denied = await app.http.post('/photo-score/backfill').set('Authorization', `Bearer ${editorToken}`).send({});
    expect(denied.status).toBe(403);
    expect((await app.http.get('/photo-score/backfill').set('Authorization', `Bearer ${editorToken}`)).status).toBe(
      403,
    );
  });

  it('answers 400 naming the field for a bad selection', async () => {
    const res = await asAdmin(app.http.post('/photo-score/backfill/estimate')).send({ scope: 'everything', colour: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/scope/);
    expect(res.body.error.message).toMatch(/colour/);
    const folder = await asAdmin(app.http.post('/photo-score/backfill/estimate')).send({ folder: 999 });
    expect(folder.status).toBe(400);
    expect(folder.body.error.message).toMatch(/no folder with id 999/);
  });

  it('estimates without scoring: how many files, filtered by type', async () => {
    const all = await asAdmin(app.http.post('/photo-score/backfill/estimate')).send({});
    expect(all.status).toBe(200);
    expect(all.body.data.files).toBe(PHOTOS + 2);
    expect(all.body.data.vendors).toEqual([]); // the embedded scorer bills nothing
    const jpegs = await asAdmin(app.http.post('/photo-score/backfill/estimate')).send({ mime: 'image/jpeg' });
    expect(jpegs.body.data.files).toBe(PHOTOS + 1);
    const none = await asAdmin(app.http.post('/photo-score/backfill/estimate')).send({
      uploadedBefore: '2000-01-01T00:00:00Z',
    });
    expect(none.body.data.files).toBe(0);
    expect((await files()).every((file) => file.photoScoreStatus === 'unscored')).toBe(true);
  });

  it('pauses, survives a restart paused, resumes and finishes, scoring each file once', async () => {
    const started = await asAdmin(app.http.post('/photo-score/backfill')).send({ mime: 'image/' });
    expect(started.status).toBe(200);
    const id: number = started.body.data.id;
    expect(started.body.data.total).toBe(PHOTOS + 1);
    expect(started.body.data.startedBy).toBe('admin@photo-score.test');

    const paused = await asAdmin(app.http.post(`/photo-score/backfill/${id}/pause`));
    expect(paused.status).toBe(200);
    expect(paused.body.data.state).toBe('paused');
    // Another backfill cannot start while this one is unfinished.
    const second = await asAdmin(app.http.post('/photo-score/backfill')).send({});
    expect(second.status).toBe(400);
    expect(second.body.error.message).toMatch(new RegExp(`backfill ${id} is paused`));

    // Restart while paused: the jobs are in the database (and Redis), nothing is lost.
    await app.stop();
    await boot();
    const afterRestart = await asAdmin(app.http.get(`/photo-score/backfill/${id}`));
    expect(afterRestart.body.data.state).toBe('paused');
    const doneBefore: number = afterRestart.body.data.done;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await asAdmin(app.http.get(`/photo-score/backfill/${id}`))).body.data.done).toBe(doneBefore);

    const resumed = await asAdmin(app.http.post(`/photo-score/backfill/${id}/resume`));
    expect(resumed.body.data.state).toBe('running');
    const finished = await waitFor(id, ['done']);
    expect(finished).toMatchObject({ total: PHOTOS + 1, remaining: 0, failed: 1, skipped: 0, etaSeconds: 0 });
    expect(finished.done).toBe(PHOTOS);
    expect(finished.failures).toHaveLength(1);
    expect(finished.failures[0].reason).toMatch(/broken\.jpg/);

    const all = await files();
    const photos = all.filter((file) => file.name.startsWith('photo-'));
    expect(photos.every((file) => typeof file.photoScore === 'number')).toBe(true);
    // The blurred, dark ones fall under the review threshold of 30; the crisp ones do not.
    for (const file of photos) {
      const dark = Number(/photo-(\d+)/.exec(file.name)?.[1]) % 3 === 0;
      expect(file.photoScoreStatus).toBe(dark ? 'flagged' : 'scored');
    }
    expect(all.find((file) => file.name === 'broken.jpg')?.photoScoreStatus).toBe('failed');
    expect(all.find((file) => file.name === 'notes.pdf')?.photoScoreStatus).toBe('unscored');
    // Saved through Strapi's file update, once per file scored after the restart.
    for (const file of [...photos, ...all.filter((f) => f.name === 'broken.jpg')]) {
      expect(updates.get(file.id)).toBe(1);
    }
  });

  it('gives a stored file the very score, class and reasons an upload of its bytes gets', async () => {
    // A backfill scores in the worker pool, an upload on Strapi's own thread (scorers/pool.ts).
    // The bytes are the stored ones: Strapi re-encoded each original when it was uploaded.
    const before = (await files()) as Array<StoredFile & { url: string }>;
    const originals = ['photo-0.jpg', 'photo-1.jpg'].map((name) => before.find((file) => file.name === name));
    const uploaded = await attachAll(
      app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`),
      await Promise.all(
        originals.map(async (file) =>
          jpeg(`again-${file?.name}`, await readFile(path.join(publicDir, file?.url ?? ''))),
        ),
      ),
    );
    expect(uploaded.status).toBe(201);
    type Details = { reasons?: Record<string, string>; content?: string };
    const all = (await files()) as Array<StoredFile & { photoScoreClass: number | null }>;
    for (const original of originals) {
      const stored = all.find((file) => file.id === original?.id);
      const upload = all.find((file) => file.name === `again-${original?.name}`);
      expect(typeof stored?.photoScore).toBe('number');
      expect(upload?.photoScore).toBe(stored?.photoScore);
      expect(upload?.photoScoreClass).toBe(stored?.photoScoreClass);
      expect(upload?.photoScoreStatus).toBe(stored?.photoScoreStatus);
      const [storedDetails, uploadDetails] = [stored, upload].map((file) => file?.photoScoreDetails as Details);
      expect(uploadDetails.content).toBe(storedDetails.content);
      expect(uploadDetails.reasons).toEqual(storedDetails.reasons);
    }
    // The blurred, dark one says why it is weak, wherever it was scored.
    const dark = all.find((file) => file.name === 'photo-0.jpg')?.photoScoreDetails as Details;
    expect(Object.keys(dark.reasons ?? {})).not.toHaveLength(0);
  });

  it('gives a dead worker’s job to another without scoring the file twice', async () => {
    const started = await asAdmin(app.http.post('/photo-score/backfill')).send({ scope: 'all', mime: 'image/jpeg' });
    const id: number = started.body.data.id;
    await asAdmin(app.http.post(`/photo-score/backfill/${id}/pause`));
    const done = await waitFor(id, ['paused']);
    // As a process killed right after saving a score leaves it: the file scored, its job active
    // under a lease that has run out.
    const jobs = app.strapi.db.query('plugin::photo-score.job');
    const queued = (await jobs.findMany({ where: { run: id, state: 'queued' }, orderBy: { id: 'asc' } })) as Array<{
      id: number;
      file: number;
    }>;
    expect(queued.length).toBeGreaterThan(1);
    const [saved, lost] = queued;
    const fileRows = app.strapi.db.query('plugin::upload.file');
    const row = (await fileRows.findOne({ where: { id: saved.file } })) as StoredFile;
    await fileRows.update({
      where: { id: saved.file },
      data: { photoScoreDetails: { ...row.photoScoreDetails, scoredAt: new Date().toISOString() } },
    });
    const expired = new Date(Date.now() - 1000);
    for (const job of [saved, lost]) {
      await jobs.update({
        where: { id: job.id },
        data: { state: 'active', lockedBy: 'dead', lockedUntil: expired, attempts: 1 },
      });
    }
    const before = new Map(updates);
    await asAdmin(app.http.post(`/photo-score/backfill/${id}/resume`));
    const finished = await waitFor(id, ['done']);
    expect(finished.remaining).toBe(0);
    expect(finished.done + finished.failed).toBe(done.total);
    // The lost job was scored by this process; the saved one was not scored again.
    expect(updates.get(lost.file)).toBe((before.get(lost.file) ?? 0) + 1);
    expect(updates.get(saved.file)).toBe(before.get(saved.file));
    const job = (await jobs.findOne({ where: { id: saved.id } })) as { state: string; outcome: string };
    expect(job).toMatchObject({ state: 'done', outcome: 'already scored' });
  });

  it('cancels what is left, and a cancelled backfill cannot be resumed', async () => {
    // The first file's scoring is held until the pause has been answered: it is the job in hand.
    const pipeline = app.strapi.plugin('photo-score').service('pipeline') as {
      assess: (...args: unknown[]) => Promise<unknown>;
    };
    const original = pipeline.assess;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inHand = new Promise<void>((resolve) => (entered = resolve));
    pipeline.assess = async (...args: unknown[]) => {
      entered();
      await gate;
      return original.apply(pipeline, args);
    };
    const saves = () => [...updates.values()].reduce((sum, count) => sum + count, 0);
    let id: number;
    let savedAtPause: number;
    try {
      const started = await asAdmin(app.http.post('/photo-score/backfill')).send({ scope: 'all' });
      id = started.body.data.id;
      await inHand;
      await asAdmin(app.http.post(`/photo-score/backfill/${id}/pause`));
      savedAtPause = saves();
    } finally {
      release();
      pipeline.assess = original;
    }
    const cancelled = await asAdmin(app.http.post(`/photo-score/backfill/${id}/cancel`));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.state).toBe('cancelled');
    expect(cancelled.body.data.cancelled).toBeGreaterThan(0);
    expect(cancelled.body.data.finishedAt).not.toBeNull();
    const resume = await asAdmin(app.http.post(`/photo-score/backfill/${id}/resume`));
    expect(resume.status).toBe(400);
    expect(resume.body.error.message).toMatch(/cancelled/);
    expect((await asAdmin(app.http.get('/photo-score/backfill/99999'))).status).toBe(404);
    const list = await asAdmin(app.http.get('/photo-score/backfill'));
    expect(list.body.data[0]).toMatchObject({ id, state: 'cancelled' });
    // Only the job in hand at the pause finishes; the others its worker had claimed go back
    // unworked, and are cancelled with the rest.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(saves() - savedAtPause).toBe(1);
    const progress = (await asAdmin(app.http.get(`/photo-score/backfill/${id}`))).body.data;
    expect(progress.remaining).toBe(0);
  });

  it('works a running backfill whose jobs never reached the workers (its process died after writing them)', async () => {
    // As a process leaves it that died between writing a backfill's jobs and handing them to
    // the engine: the run `running`, its rows in the ledger, nothing in Redis.
    const photos = (await files()).filter((file) => file.name.startsWith('photo-'));
    const runs = app.strapi.db.query('plugin::photo-score.backfill');
    // Paused until its rows are written, as a backfill starts: a running run with no rows is done.
    const run = (await runs.create({
      data: { state: 'paused', selection: { scope: 'all' }, total: photos.length, startedAt: new Date() },
    })) as { id: number };
    const ledger = app.strapi.plugin('photo-score').service('jobs').queue as {
      enqueue(run: number, files: readonly number[]): Promise<void>;
    };
    const before = new Map(updates);
    await ledger.enqueue(
      run.id,
      photos.map((file) => file.id),
    );
    await runs.update({ where: { id: run.id }, data: { state: 'running' } });
    const finished = await waitFor(run.id, ['done']);
    expect(finished).toMatchObject({ total: photos.length, done: photos.length, remaining: 0 });
    for (const file of photos) expect(updates.get(file.id)).toBe((before.get(file.id) ?? 0) + 1);
  });

  it('re-judges stored scores against new thresholds without scoring again', async () => {
    const before = await files();
    const scored = before.filter((file) => typeof file.photoScore === 'number');
    const put = await asAdmin(app.http.put('/photo-score/settings')).send({ flagBelow: null, rejectBelow: 100 });
    expect(put.status).toBe(200);
    const applied = await asAdmin(app.http.post('/photo-score/apply'));
    expect(applied.status).toBe(200);
    expect(applied.body.data.changed).toBe(scored.length);
    expect(applied.body.data.byStatus).toEqual({ rejected: scored.length });
    const after = await files();
    for (const file of scored) {
      const now = after.find((f) => f.id === file.id);
      // Same score, same scoring time: judged again, not scored again; and kept, not deleted.
      expect(now?.photoScore).toBe(file.photoScore);
      expect(now?.photoScoreDetails?.scoredAt).toBe(file.photoScoreDetails?.scoredAt);
      expect(now?.photoScoreStatus).toBe('rejected');
      expect(now?.photoScoreDetails?.decision?.status).toBe('rejected');
    }
    await asAdmin(app.http.put('/photo-score/settings')).send({ rejectBelow: null, flagBelow: null });
    const back = await asAdmin(app.http.post('/photo-score/apply'));
    expect(back.body.data.byStatus).toEqual({ scored: scored.length });
  });
});

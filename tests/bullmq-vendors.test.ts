import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crispPhoto } from './helpers/images';
import { withStoredDetails } from './helpers/details';
import { createTestEngine, type TestEngine } from './helpers/job-engines';
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
import { startPhotoILikeFake, type PhotoILikeFake } from './vendors/photoilike-server';

/**
 * A vendor's limits on the BullMQ engine hold for every Strapi process at once: two processes
 * backfilling through PhotoILike (5 scoring calls per second per client-key, 429 beyond) stay
 * under it together, and a 429 with Retry-After pauses the vendor's work in both, instead of one
 * worker sleeping while the others carry on.
 */
const FILES = 20;
const CLIENT_KEY = 'pil-client-key-7781';
/**
 * How long after the 429 a call that took its place before the pause may still arrive: its
 * request is still built and sent on a busy event loop, which took over 150 ms once on a
 * loaded CI machine.
 */
const IN_FLIGHT_MS = 500;

interface StoredFile {
  id: number;
  photoScoreStatus: string;
  photoScoreDetails: { scorers?: Array<{ scorer: string; ok: boolean }> } | null;
}

describe('a vendor’s limits shared by two Strapi processes on BullMQ', () => {
  let photoilike: PhotoILikeFake;
  let engine: TestEngine;
  let database: TestDatabase;
  let publicDir: string;
  let app: TestApp;
  let second: SecondInstance | undefined;

  const asAdmin = <T extends { set(name: string, value: string): T }>(req: T): T =>
    req.set('Authorization', `Bearer ${app.adminToken}`);

  const backfillAll = async () => {
    const started = await asAdmin(app.http.post('/photo-score/backfill')).send({ scope: 'all' });
    expect(started.status).toBe(200);
    let progress = started.body.data;
    for (let i = 0; i < 600 && progress.state !== 'done'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      progress = (await asAdmin(app.http.get(`/photo-score/backfill/${progress.id}`))).body.data;
    }
    return progress;
  };

  const scoredByVendor = async () => {
    const res = await app.http.get('/api/upload/files').set('Authorization', `Bearer ${app.apiToken}`);
    // photoScoreDetails is private: read it from the stored rows.
    return (await withStoredDetails(app, res.body as StoredFile[])).filter((file) =>
      file.photoScoreDetails?.scorers?.some((outcome) => outcome.scorer === 'photoilike' && outcome.ok),
    ).length;
  };

  beforeAll(async () => {
    photoilike = await startPhotoILikeFake({
      username: 'pil-user',
      password: 'pil-password-4410',
      clientKeys: [CLIENT_KEY],
      ratePerSecond: 5,
    });
    engine = createTestEngine('BullMQ');
    database = await createTestDatabase();
    publicDir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-vendor-limits-'));
    // Distinct images, so the vendor's result cache never answers in its place.
    const uploads: Upload[] = [];
    for (let i = 0; i < FILES; i++) uploads.push(jpeg(`limited-${i}.jpg`, await crispPhoto(480, 360, i + 1)));
    await storeWithoutPlugin(uploads, { database, publicDir });

    const env = {
      ...engine.env,
      PHOTO_SCORE_SCORERS: 'photoilike',
      // Each process alone would stay under 5 per second; two together would not, but for the shared limit.
      PHOTO_SCORE_JOBS: JSON.stringify({ pollMs: 50, leaseMs: 5_000, concurrency: 3 }),
      // A second backfill must ask the vendor again, not the result cache.
      PHOTO_SCORE_CACHE_TTL_HOURS: '0.000001',
      PHOTOILIKE_USERNAME: 'pil-user',
      PHOTOILIKE_PASSWORD: 'pil-password-4410',
      PHOTOILIKE_CLIENT_KEY: CLIENT_KEY,
      PHOTOILIKE_BASE_URL: `${photoilike.url}/v2.0`,
      PHOTOILIKE_RATE_PER_SECOND: '5',
    };
    app = await startApp(env, { database, publicDir });
    second = await startSecondInstance({ ...siteEnv(database, publicDir), ...env });
  });

  afterAll(async () => {
    await second?.stop();
    await app?.stop();
    await database?.drop();
    await engine?.drop();
    await rm(publicDir, { recursive: true, force: true });
    await photoilike?.close();
  });

  it('keeps both processes together under the vendor’s rate: no 429, each file asked for once', async () => {
    const startedAt = Date.now();
    const progress = await backfillAll();
    const seconds = (Date.now() - startedAt) / 1000;
    expect(progress).toMatchObject({ state: 'done', done: FILES, failed: 0 });
    expect(photoilike.rateLimited).toBe(0);
    expect(photoilike.callsTo('score')).toHaveLength(FILES);
    expect(await scoredByVendor()).toBe(FILES);
    // At 5 per second, 20 calls take about 4 s: the limit was held, not exceeded, and not much slower.
    expect(seconds).toBeGreaterThan((FILES - 5) / 5);
    const rows = (await app.strapi.db
      .query('plugin::photo-score.job')
      .findMany({ where: { run: progress.id }, select: ['lockedBy'] })) as Array<{ lockedBy: string }>;
    expect(new Set(rows.map((row) => row.lockedBy.split(':').slice(0, 2).join(':'))).size).toBe(2);
  });

  it('pauses the vendor’s queue in every process for a 429’s Retry-After, then scores the file', async () => {
    const calls = photoilike.callsTo('score').length;
    photoilike.server.inject({
      reply: { status: 429, headers: { 'retry-after': '3' }, body: { message: 'Too many requests' } },
      times: 1,
    });
    const progress = await backfillAll();
    expect(progress).toMatchObject({ state: 'done', done: FILES, failed: 0 });
    // After the 429, calls already on their way when it was answered may still arrive; then none,
    // from either process, until its 3 s are over.
    const [refused, ...after] = photoilike.callsTo('score').slice(calls);
    const early = after.filter(
      (call) => call.receivedAt > refused.receivedAt + IN_FLIGHT_MS && call.receivedAt < refused.receivedAt + 2_900,
    );
    expect(early).toEqual([]);
    // The refused file was asked again and scored; no other was asked twice.
    expect(photoilike.callsTo('score').length - calls).toBe(FILES + 1);
    expect(photoilike.rateLimited).toBe(0);
    expect(await scoredByVendor()).toBe(FILES);
  });
});

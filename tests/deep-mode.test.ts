import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listFiles, loadAppInChildProcess, startApp, type TestApp } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';
import { attachAll, jpeg } from './helpers/multipart';
import { blurryDarkPhoto, crispPhoto } from './helpers/images';
import { startEverypixelFake, type EverypixelFake } from './vendors/everypixel-server';

const HIDE_DEEP_PACKAGES = path.join(__dirname, 'helpers', 'hide-deep-packages.js');

interface StoredFile {
  id: number;
  name: string;
  photoScore: number | null;
  photoScoreStatus: string;
  photoScoreModeration: string | null;
  photoScoreDetails: {
    scorers: { scorer: string; ok: boolean; version?: string; moderation?: { level: string }; raw?: unknown }[];
    decision: { status: string; reason?: string };
  };
}

const upload = (app: TestApp, files: { name: string; bytes: Buffer }[]) =>
  attachAll(
    app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`),
    files.map((f) => jpeg(f.name, f.bytes)),
  );

describe('deep embedded mode with offline moderation, through Strapi', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp({
      PHOTO_SCORE_LOCAL_MODE: 'deep',
      PHOTO_SCORE_LOCAL_MODERATION: 'true',
      PHOTO_SCORE_NSFW: 'flag',
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('scores uploads with the fitted deep head and stores the moderation verdict on the file', async () => {
    const res = await upload(app, [
      { name: 'crisp.jpg', bytes: await crispPhoto() },
      { name: 'blurry.jpg', bytes: await blurryDarkPhoto() },
    ]);
    expect(res.status).toBe(201);
    const [crisp, blurry] = await withStoredDetails(app, res.body as StoredFile[]);

    expect(crisp.photoScore).toEqual(expect.any(Number));
    expect(crisp.photoScore as number).toBeGreaterThan(blurry.photoScore as number);
    const local = crisp.photoScoreDetails.scorers.find((s) => s.scorer === 'local');
    expect(local).toMatchObject({ ok: true, version: expect.stringMatching(/^deep-/) });
    expect(local?.raw).toMatchObject({ nsfw: expect.objectContaining({ Neutral: expect.any(Number) }) });

    // An ordinary picture: moderated, not judged NSFW, so not flagged either.
    expect(crisp.photoScoreModeration).toMatch(/^(safe|suggestive)$/);
    expect(crisp.photoScoreStatus).toBe('scored');

    const stored = await app.strapi.db.query('plugin::upload.file').findOne({ where: { id: crisp.id } });
    expect(stored.photoScoreModeration).toBe(crisp.photoScoreModeration);
  });
});

describe("offline moderation with nsfw: 'reject', behind a vendor that answers first", () => {
  let app: TestApp;
  let everypixel: EverypixelFake;

  // No explicit image is committed to the repository: a threshold of 0 makes the model judge
  // every image NSFW, which exercises the same verdict → policy → refusal path. Everypixel
  // scores first, so the `fallback` chain never reaches `local`: the check must run anyway.
  beforeAll(async () => {
    everypixel = await startEverypixelFake({ clientId: 'ep-id', clientSecret: 'ep-secret', score: 0.9 });
    app = await startApp({
      PHOTO_SCORE_SCORERS: 'everypixel,local',
      EVERYPIXEL_CLIENT_ID: 'ep-id',
      EVERYPIXEL_CLIENT_SECRET: 'ep-secret',
      EVERYPIXEL_BASE_URL: `${everypixel.url}/v1`,
      PHOTO_SCORE_LOCAL_MODERATION: 'true',
      PHOTO_SCORE_LOCAL_MODERATION_THRESHOLDS: JSON.stringify({ nsfw: 0, suggestive: 0 }),
      PHOTO_SCORE_NSFW: 'reject',
    });
  });
  afterAll(async () => {
    await app?.stop();
    await everypixel?.close();
  });

  it('refuses an image the offline check judges NSFW, names the reason and stores nothing (rows, files)', async () => {
    const rowsBefore = await app.strapi.db.query('plugin::upload.file').count();
    const storedBefore = await listFiles(app.uploadsDir);

    const res = await upload(app, [{ name: 'judged.jpg', bytes: await crispPhoto() }]);

    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('judged.jpg');
    expect(res.body.error.message).toMatch(/judged NSFW by local-moderation/);
    expect(everypixel.scoringCalls()).toHaveLength(1);
    expect(await app.strapi.db.query('plugin::upload.file').count()).toBe(rowsBefore);
    expect(await listFiles(app.uploadsDir)).toEqual(storedBefore);
  });
});

describe('local config', () => {
  it('a bad local.mode stops Strapi with a message naming the key', () => {
    const { loaded, output } = loadAppInChildProcess({ PHOTO_SCORE_LOCAL_MODE: 'turbo' });
    expect(loaded).toBe(false);
    expect(output).toMatch(/photo-score/);
    expect(output).toMatch(/local\.mode/);
  });
});

describe("an app without the deep mode's optional packages", () => {
  // The same app, in a process where TensorFlow.js and nsfwjs cannot be found.
  const withoutDeepPackages = (env: Record<string, string>) =>
    loadAppInChildProcess({ ...env, NODE_OPTIONS: `--require ${HIDE_DEEP_PACKAGES}` });
  const INSTALL =
    'npm install @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-layers@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 nsfwjs@4.4.0';

  it('boots in the default fast mode', async () => {
    const publicDir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-lean-'));
    try {
      await mkdir(path.join(publicDir, 'uploads'));
      // A SQLite file of its own whatever the run's database (Strapi resolves ':memory:' to a
      // path, and this boot gets as far as creating it).
      const { loaded, output } = withoutDeepPackages({
        PUBLIC_DIR: publicDir,
        DATABASE_CLIENT: 'sqlite',
        DATABASE_FILENAME: path.join(publicDir, 'data.db'),
      });
      expect(output).not.toMatch(/tensorflow|nsfwjs/i);
      expect(loaded).toBe(true);
    } finally {
      await rm(publicDir, { recursive: true, force: true });
    }
  });

  it("refuses to boot with local.mode 'deep' or local.moderation, naming the missing packages and the command that installs them", () => {
    for (const [env, setting] of [
      [{ PHOTO_SCORE_LOCAL_MODE: 'deep' }, "local.mode: 'deep'"],
      [{ PHOTO_SCORE_LOCAL_MODERATION: 'true' }, 'local.moderation: true'],
    ] as const) {
      const { loaded, output } = withoutDeepPackages(env);
      expect(loaded).toBe(false);
      expect(output).toContain(
        `photo-score: ${setting} needs the deep mode's packages, and @tensorflow/tfjs-core, @tensorflow/tfjs-layers, @tensorflow/tfjs-backend-wasm, nsfwjs are not installed.`,
      );
      expect(output).toContain(`Install them in your app: ${INSTALL}`);
    }
  });
});

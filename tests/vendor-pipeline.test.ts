import { startApp, type TestApp } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';
import { attachAll, jpeg } from './helpers/multipart';
import { crispPhoto } from './helpers/images';
import { startEverypixelFake, type EverypixelFake } from './vendors/everypixel-server';
import { startPhotoILikeFake, type PhotoILikeFake } from './vendors/photoilike-server';
import { startImaggaServer, underwearNsfw, IMAGGA_KEY, IMAGGA_SECRET, type ImaggaFake } from './vendors/imagga-server';
import { startFakeAlibaba, type FakeAlibaba } from './vendors/alibaba-imm-server';
import {
  airAppEnv,
  startAiImageRatingServer,
  AIR_CLIENT_SECRET,
  type AirFake,
} from './vendors/ai-image-rating-server';

interface StoredFile {
  id: number;
  photoScore: number | null;
  photoScoreClass: number | null;
  photoScoreStatus: string;
  photoScoreTags: string | null;
  photoScoreModeration: string | null;
  photoScoreDetails: {
    scorers: Array<{ scorer: string; ok: boolean; score?: number | null; error?: string; cached?: boolean }>;
  };
}

const SECRETS = {
  everypixelSecret: 'ep-secret-do-not-show-7781',
  photoilikePassword: 'pil-password-do-not-show-4410',
  photoilikeClientKey: 'pil-client-key-do-not-show-9902',
};

describe('vendors in the upload pipeline', () => {
  let everypixel: EverypixelFake;
  let photoilike: PhotoILikeFake;
  let imagga: ImaggaFake;
  let crisp: Buffer;

  beforeAll(async () => {
    everypixel = await startEverypixelFake({ clientId: 'ep-id', clientSecret: SECRETS.everypixelSecret, score: 0.734 });
    photoilike = await startPhotoILikeFake({
      username: 'pil-user',
      password: SECRETS.photoilikePassword,
      clientKeys: [SECRETS.photoilikeClientKey],
      score: 6.2,
    });
    imagga = await startImaggaServer();
    crisp = await crispPhoto(1600, 1200);
  });
  afterAll(async () => {
    await Promise.all([everypixel?.close(), photoilike?.close(), imagga?.close()]);
  });

  const vendorEnv = () => ({
    EVERYPIXEL_CLIENT_ID: 'ep-id',
    EVERYPIXEL_CLIENT_SECRET: SECRETS.everypixelSecret,
    EVERYPIXEL_BASE_URL: `${everypixel.url}/v1`,
    EVERYPIXEL_RETRIES: '0',
    PHOTOILIKE_USERNAME: 'pil-user',
    PHOTOILIKE_PASSWORD: SECRETS.photoilikePassword,
    PHOTOILIKE_CLIENT_KEY: SECRETS.photoilikeClientKey,
    PHOTOILIKE_BASE_URL: `${photoilike.url}/v2.0`,
    PHOTOILIKE_RETRIES: '1',
    IMAGGA_API_KEY: IMAGGA_KEY,
    IMAGGA_API_SECRET: IMAGGA_SECRET,
    IMAGGA_BASE_URL: imagga.baseUrl,
  });

  /** Distinct bytes per seed, so the result cache does not answer in a vendor's place. */
  const upload = async (app: TestApp, name: string, seed?: number) => {
    const bytes = seed === undefined ? crisp : await crispPhoto(1600, 1200, seed);
    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      jpeg(name, bytes),
    ]);
    expect(res.status).toBe(201);
    const [file] = await withStoredDetails(app, res.body as StoredFile[]);
    // Neither in the answer nor in the details admins read (the vendors' raw answers among them).
    for (const secret of Object.values(SECRETS)) expect(res.text + JSON.stringify(file)).not.toContain(secret);
    return file;
  };

  describe('fallback chain photoilike → everypixel → local, with imagga tagging alongside', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp({ ...vendorEnv(), PHOTO_SCORE_SCORERS: 'photoilike,everypixel,local,imagga' });
    });
    afterAll(async () => {
      await app?.stop();
    });

    it('scores with the first vendor, normalised to 0–100 and classed, with tags saved for filtering', async () => {
      imagga.state.nsfw = underwearNsfw();
      const file = await upload(app, 'first-vendor.jpg');
      expect(file.photoScore).toBe(62);
      expect(file.photoScoreClass).toBe(4);
      expect(file.photoScoreStatus).toBe('scored');
      expect(file.photoScoreDetails.scorers.map((s) => s.scorer)).toEqual(['photoilike', 'imagga']);
      expect(file.photoScoreTags).toMatch(/^,.+,$/);
      expect(file.photoScoreModeration).toBe('suggestive');

      const firstTag = (file.photoScoreTags as string).split(',')[1];
      const filtered = await app.http
        .get(`/api/upload/files?filters[photoScoreTags][$contains]=,${encodeURIComponent(firstTag)},`)
        .set('Authorization', `Bearer ${app.apiToken}`);
      expect((filtered.body as StoredFile[]).map((f) => f.id)).toContain(file.id);
    });

    it('moves on to the next vendor when the first is down, and never loses the upload', async () => {
      photoilike.server.inject({ reply: { status: 503, body: { message: 'down' } } });
      try {
        const file = await upload(app, 'second-vendor.jpg', 21);
        expect(file.photoScore).toBe(73.4);
        const [first, second] = file.photoScoreDetails.scorers;
        expect(first).toMatchObject({ scorer: 'photoilike', ok: false });
        expect(second).toMatchObject({ scorer: 'everypixel', ok: true, score: 73.4 });

        everypixel.server.inject({ reply: { status: 500, body: { status: 'error', message: 'boom' } } });
        const local = await upload(app, 'local-safety-net.jpg', 22);
        expect(local.photoScoreStatus).toBe('scored');
        expect(local.photoScoreDetails.scorers.find((s) => s.scorer === 'local')).toMatchObject({ ok: true });
      } finally {
        photoilike.server.clearFaults();
        everypixel.server.clearFaults();
      }
    });

    it('pays for the same image only once', async () => {
      const before = photoilike.callsTo('score').length;
      const again = await upload(app, 'same-bytes-again.jpg');
      expect(photoilike.callsTo('score').length).toBe(before);
      expect(again.photoScoreDetails.scorers[0]).toMatchObject({ scorer: 'photoilike', cached: true });
    });

    it('reports each vendor to admins without a single secret', async () => {
      const res = await app.http.get('/photo-score/vendors').set('Authorization', `Bearer ${app.adminToken}`);
      expect(res.status).toBe(200);
      const ids = (res.body.data as Array<{ id: string }>).map((v) => v.id);
      expect(ids).toEqual(['photoilike', 'everypixel', 'imagga']);
      for (const secret of [...Object.values(SECRETS), IMAGGA_SECRET]) expect(res.text).not.toContain(secret);
    });
  });

  describe('weighted ensemble', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp({
        ...vendorEnv(),
        PHOTO_SCORE_SCORERS: 'everypixel,photoilike',
        PHOTO_SCORE_STRATEGY: 'weighted',
        EVERYPIXEL_WEIGHT: '3',
      });
    });
    afterAll(async () => {
      await app?.stop();
    });

    it('takes the weighted mean of the vendors that answered, renormalising when one fails', async () => {
      const both = await upload(app, 'ensemble.jpg');
      expect(both.photoScore).toBe(Math.round(((73.4 * 3 + 62) / 4) * 10) / 10);

      photoilike.server.inject({ reply: { status: 503, body: { message: 'down' } } });
      try {
        expect((await upload(app, 'ensemble-one-down.jpg', 99)).photoScore).toBe(73.4);
      } finally {
        photoilike.server.clearFaults();
      }
    });
  });

  describe('AI Image Rating: token exchange, multipart rating, everything it answers kept', () => {
    let air: AirFake;
    let app: TestApp;
    beforeAll(async () => {
      air = await startAiImageRatingServer();
      app = await startApp(airAppEnv(air));
    });
    afterAll(async () => {
      await app?.stop();
      await air?.close();
    });

    it('stores its 0–100 score classed, its tags and faces filterable, its dimensions in the details', async () => {
      const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
        jpeg('air.jpg', await crispPhoto(1600, 1200, 41)),
      ]);
      expect(res.status).toBe(201);
      const [file] = await withStoredDetails(app, res.body as (StoredFile & { photoScoreFaces: number | null })[]);
      expect(res.text + JSON.stringify(file)).not.toContain(AIR_CLIENT_SECRET);
      expect(file.photoScore).toBe(78.5);
      expect(file.photoScoreClass).toBe(4);
      expect(file.photoScoreFaces).toBe(1);
      expect(file.photoScoreDetails.scorers.map((s) => s.scorer)).toEqual(['ai-image-rating']);
      expect(JSON.stringify(file.photoScoreDetails)).toContain('professional_quality');
      expect(air.state.used).toBe(1);

      const found = await app.http
        .get('/api/upload/files')
        .query({ 'filters[photoScoreTags][$contains]': ',portrait,' })
        .set('Authorization', `Bearer ${app.apiToken}`);
      expect(found.status).toBe(200);
      expect((found.body as { id: number }[]).map((f) => f.id)).toEqual([file.id]);
    });
  });

  describe('Alibaba IMM: staged in the bucket, scored, staged object deleted', () => {
    const ALIBABA = {
      accessKeyId: 'LTAI5tPipelineKeyId',
      accessKeySecret: 'imm-secret-do-not-show-6620',
      regionId: 'cn-shanghai',
      projectName: 'photo-score',
      bucket: 'photo-score-staging',
    };
    let alibaba: FakeAlibaba;
    let app: TestApp;
    beforeAll(async () => {
      alibaba = await startFakeAlibaba(ALIBABA);
      alibaba.setScore(0.815);
      app = await startApp({
        PHOTO_SCORE_SCORERS: 'alibaba-imm,local',
        ALIBABA_ACCESS_KEY_ID: ALIBABA.accessKeyId,
        ALIBABA_ACCESS_KEY_SECRET: ALIBABA.accessKeySecret,
        ALIBABA_REGION_ID: ALIBABA.regionId,
        ALIBABA_IMM_PROJECT: ALIBABA.projectName,
        ALIBABA_OSS_BUCKET: ALIBABA.bucket,
        ALIBABA_IMM_BASE_URL: alibaba.imm.url,
        ALIBABA_OSS_ENDPOINT: alibaba.oss.url,
      });
    });
    afterAll(async () => {
      await app?.stop();
      await alibaba?.close();
    });

    it('stores the score IMM gave, classed, and leaves nothing in the bucket', async () => {
      const file = await upload(app, 'alibaba.jpg', 31);
      expect(file.photoScore).toBe(81.5);
      expect(file.photoScoreClass).toBe(5);
      expect(file.photoScoreDetails.scorers.map((s) => s.scorer)).toEqual(['alibaba-imm']);

      const [put, detect, remove] = alibaba.log;
      const key = put.replace(/^put /, '');
      expect(key).toMatch(/^photo-score-staging\/[0-9a-f]{64}-[0-9a-f]{12}\.jpg$/);
      expect([detect, remove]).toEqual([`detect ${key}`, `delete ${key}`]);
      expect(alibaba.objects.size).toBe(0);
    });

    it('never shows the access key secret, even when IMM fails and the embedded scorer takes over', async () => {
      alibaba.failDetects(400, 'InvalidProject.NotFound', 1);
      const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
        jpeg('alibaba-fails.jpg', await crispPhoto(1600, 1200, 32)),
      ]);
      expect(res.status).toBe(201);
      const [file] = await withStoredDetails(app, res.body as StoredFile[]);
      expect(res.text + JSON.stringify(file)).not.toContain(ALIBABA.accessKeySecret);
      expect(file.photoScoreDetails.scorers.map((s) => [s.scorer, s.ok])).toEqual([
        ['alibaba-imm', false],
        ['local', true],
      ]);
      expect(alibaba.objects.size).toBe(0);
      const status = await app.http.get('/photo-score/vendors').set('Authorization', `Bearer ${app.adminToken}`);
      expect(status.text).not.toContain(ALIBABA.accessKeySecret);
    });
  });
});

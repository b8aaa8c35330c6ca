import { blurryDarkPhoto, crispPhoto } from './helpers/images';
import { withStoredDetails } from './helpers/details';
import { attachAll, jpeg } from './helpers/multipart';
import { startApp, type TestApp } from './helpers/strapi';
import { AIR_CLIENT_SECRET, airAppEnv, startAiImageRatingServer, type AirFake } from './vendors/ai-image-rating-server';
import { bearer } from './vendors/fake-server';

/**
 * The feedback loop: a reviewer's decision on an image AI Image Rating scored goes to its
 * `/feedback` (the fake enforces the document: bearer token, JSON, a hash it rated), and a
 * failure there is recorded on the decision without failing the review or leaking a secret.
 */
describe('review decisions reach AI Image Rating', () => {
  let air: AirFake;
  let app: TestApp;
  const warnings: string[] = [];

  const asAdmin = <T extends { set(name: string, value: string): T }>(req: T): T =>
    req.set('Authorization', `Bearer ${app.adminToken}`);

  /** Uploads one photo that the vendor rates `score` with this hash; returns the stored file's id. */
  const uploadRated = async (name: string, score: number, hash: string, bytes: Buffer): Promise<number> => {
    air.state.rating = { ...air.state.rating, score, image_hash: hash };
    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      jpeg(name, bytes),
    ]);
    expect(res.status).toBe(201);
    return res.body[0].id as number;
  };

  const review = (ids: number[], decision: 'approve' | 'reject') =>
    asAdmin(app.http.post('/photo-score/review')).send({ ids, decision });

  /** Feedback is sent after the review answers; the decision records what the vendor said. */
  const feedbackOf = async (id: number) => {
    for (let i = 0; i < 200; i++) {
      const res = await asAdmin(app.http.get(`/photo-score/files/${id}`));
      const feedback = res.body.data?.history?.[0]?.feedback ?? [];
      if (feedback.length > 0) return feedback;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no feedback recorded for file ${id}`);
  };

  beforeAll(async () => {
    air = await startAiImageRatingServer();
    app = await startApp({
      ...airAppEnv(air),
      AI_IMAGE_RATING_RETRIES: '0',
      PHOTO_SCORE_FLAG_BELOW: '30',
    });
    const warn = app.strapi.log.warn.bind(app.strapi.log);
    app.strapi.log.warn = ((message: string, ...rest: unknown[]) => {
      warnings.push(String(message));
      return warn(message, ...rest);
    }) as typeof app.strapi.log.warn;
  });

  afterAll(async () => {
    await app?.stop();
    await air?.close();
  });

  it('sends an approval as user_score 3 and a rejection as 1, for the hash the vendor rated', async () => {
    const flagged = await uploadRated('flagged.jpg', 22, 'hash-flagged', await crispPhoto(640, 480, 3));
    const accepted = await uploadRated('accepted.jpg', 81, 'hash-accepted', await crispPhoto(640, 480, 4));
    expect((await review([flagged], 'approve')).status).toBe(200);
    expect((await review([accepted], 'reject')).status).toBe(200);

    expect(await feedbackOf(flagged)).toEqual([
      { vendor: 'ai-image-rating', ok: true, error: null, at: expect.any(String) },
    ]);
    expect(await feedbackOf(accepted)).toEqual([expect.objectContaining({ vendor: 'ai-image-rating', ok: true })]);
    expect(air.state.feedback).toEqual([
      { image_hash: 'hash-flagged', user_score: 3 },
      { image_hash: 'hash-accepted', user_score: 1 },
    ]);
    const sent = air.requests.filter((req) => req.path === '/api/v1/feedback');
    expect(sent.every((req) => bearer(req)?.startsWith('air_tok_'))).toBe(true);
  });

  it('records a failed feedback on the decision without failing the review or leaking a secret', async () => {
    const id = await uploadRated('later.jpg', 18, 'hash-later', await blurryDarkPhoto(640, 480));
    const before = air.state.feedback.length;
    air.rejectAllTokens(true);
    const res = await review([id], 'approve');
    expect(res.status).toBe(200);
    expect(res.body.data.results[0]).toMatchObject({ outcome: 'approved', fromStatus: 'flagged' });
    const [outcome] = await feedbackOf(id);
    air.rejectAllTokens(false);
    expect(outcome).toMatchObject({ vendor: 'ai-image-rating', ok: false, error: expect.stringMatching(/401/) });
    expect(air.state.feedback.length).toBe(before);

    const tokens = air.requests.map(bearer).filter((token): token is string => Boolean(token));
    const said = [JSON.stringify(outcome), ...warnings.filter((w) => w.includes('feedback'))].join('\n');
    expect(said).toMatch(/feedback to ai-image-rating failed/);
    for (const secret of [AIR_CLIENT_SECRET, ...tokens]) expect(said).not.toContain(secret);
  });

  it('sends nothing for a file another scorer decided', async () => {
    // The vendor fails (quota), the embedded scorer decides; its verdict has no hash to correct.
    air.state.used = air.state.limit;
    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      jpeg('local.jpg', await crispPhoto(640, 480, 5)),
    ]);
    const [stored] = await withStoredDetails(app, res.body as Array<{ id: number; photoScoreDetails?: { combined: { from: string[] } } }>);
    expect(stored.photoScoreDetails?.combined.from).toEqual(['local']);
    const before = air.requests.length;
    expect((await review([res.body[0].id], 'reject')).status).toBe(200);
    await app.strapi.plugin('photo-score').service('review').settled();
    expect(air.requests.slice(before).filter((req) => req.path === '/api/v1/feedback')).toEqual([]);
  });
});

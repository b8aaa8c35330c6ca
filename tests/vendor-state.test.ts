import { createTestDatabase, signInWithRole, startApp, type TestApp, type TestDatabase } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';
import { attachAll, jpeg } from './helpers/multipart';
import { crispPhoto } from './helpers/images';
import { startEverypixelFake, type EverypixelFake } from './vendors/everypixel-server';
import { startImaggaServer, IMAGGA_KEY, IMAGGA_SECRET, type ImaggaFake } from './vendors/imagga-server';

interface Outcome {
  scorer: string;
  ok: boolean;
  score?: number | null;
  error?: string;
  kind?: string;
  cached?: boolean;
}

interface StoredFile {
  id: number;
  photoScore: number | null;
  photoScoreDetails: { scorers: Outcome[] };
}

interface VendorStatus {
  id: string;
  enabled: boolean;
  position: number | null;
  skipped: string | null;
  budget: { perDay: number | null; perMonth: number | null; usedToday: number; usedThisMonth: number };
  suspended: { until: string; reason: string } | null;
  lastError: { message: string; kind: string } | null;
  lastSkip: { message: string } | null;
  breaker: { open: boolean };
}

const EVERYPIXEL_SECRET = 'ep-secret-never-shown-5521';

let everypixel: EverypixelFake;
let imagga: ImaggaFake;

beforeAll(async () => {
  everypixel = await startEverypixelFake({ clientId: 'ep-id', clientSecret: EVERYPIXEL_SECRET, score: 0.734 });
  imagga = await startImaggaServer();
});
afterAll(async () => {
  await Promise.all([everypixel?.close(), imagga?.close()]);
});

const vendorEnv = (extra: Record<string, string> = {}) => ({
  EVERYPIXEL_CLIENT_ID: 'ep-id',
  EVERYPIXEL_CLIENT_SECRET: EVERYPIXEL_SECRET,
  EVERYPIXEL_BASE_URL: `${everypixel.url}/v1`,
  EVERYPIXEL_RETRIES: '0',
  IMAGGA_API_KEY: IMAGGA_KEY,
  IMAGGA_API_SECRET: IMAGGA_SECRET,
  IMAGGA_BASE_URL: imagga.baseUrl,
  ...extra,
});

/** Distinct bytes per seed: a new image the cache cannot answer for. */
const upload = async (app: TestApp, seed: number): Promise<StoredFile> => {
  const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
    jpeg(`photo-${seed}.jpg`, await crispPhoto(1600, 1200, seed)),
  ]);
  expect(res.status).toBe(201);
  return (await withStoredDetails(app, res.body as StoredFile[]))[0];
};

const outcomeOf = (file: StoredFile, scorer: string) => file.photoScoreDetails.scorers.find((s) => s.scorer === scorer);

const vendorStatus = async (app: TestApp, id: string): Promise<VendorStatus> => {
  const res = await app.http.get('/photo-score/vendors').set('Authorization', `Bearer ${app.adminToken}`);
  expect(res.status).toBe(200);
  expect(res.text).not.toContain(EVERYPIXEL_SECRET);
  return (res.body.data as VendorStatus[]).find((v) => v.id === id) as VendorStatus;
};

const imaggaCalls = (path: string) => imagga.requests.filter((req) => req.path.endsWith(path)).length;

describe('vendor state outlives a restart: the same database, a new Strapi process', () => {
  let database: TestDatabase;
  let app: TestApp | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
    everypixel.setCredits(undefined);
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await database.drop();
  });

  const boot = async (env: Record<string, string>) => {
    await app?.stop();
    app = undefined;
    app = await startApp(vendorEnv(env), { database });
    return app;
  };

  it('an image scored before the restart is not paid for again after it, unless the options that shape the verdict changed', async () => {
    const env = { PHOTO_SCORE_SCORERS: 'everypixel,imagga' };
    const before = everypixel.scoringCalls().length;
    const tagsBefore = imaggaCalls('/tags');
    expect((await upload(await boot(env), 7001)).photoScore).toBe(73.4);
    expect(everypixel.scoringCalls().length).toBe(before + 1);
    expect(imaggaCalls('/tags')).toBe(tagsBefore + 1);

    const again = await upload(await boot(env), 7001);
    expect(again.photoScore).toBe(73.4);
    expect(outcomeOf(again, 'everypixel')).toMatchObject({ ok: true, cached: true });
    expect(outcomeOf(again, 'imagga')).toMatchObject({ ok: true, cached: true });
    expect(everypixel.scoringCalls().length).toBe(before + 1);
    expect(imaggaCalls('/tags')).toBe(tagsBefore + 1);

    // Asking Imagga for fewer features changes its verdict: that one is asked again, Everypixel's is not.
    const fewer = await upload(await boot({ ...env, IMAGGA_FEATURES: 'tags' }), 7001);
    expect(outcomeOf(fewer, 'everypixel')).toMatchObject({ ok: true, cached: true });
    expect(outcomeOf(fewer, 'imagga')?.cached).toBeUndefined();
    expect(imaggaCalls('/tags')).toBe(tagsBefore + 2);
  });

  it('budgets count billed requests (four per image for Imagga), and a spent budget stays spent', async () => {
    const env = {
      PHOTO_SCORE_SCORERS: 'everypixel,local,imagga',
      PHOTO_SCORE_BUDGETS: JSON.stringify({ everypixel: { perDay: 2 }, imagga: { perMonth: 6 } }),
    };
    const first = await boot(env);
    const tagsBefore = imaggaCalls('/tags');
    await upload(first, 7101);
    // One image: /uploads, four billed feature calls, the DELETE; only the four count.
    expect((await vendorStatus(first, 'imagga')).budget).toMatchObject({ perMonth: 6, usedThisMonth: 4 });
    expect((await vendorStatus(first, 'everypixel')).budget).toMatchObject({ perDay: 2, usedToday: 1 });

    const second = await upload(first, 7102);
    expect(outcomeOf(second, 'everypixel')).toMatchObject({ ok: true, score: 73.4 });
    // 4 + 4 would pass 6: Imagga is skipped before a single request, and says why.
    expect(outcomeOf(second, 'imagga')).toMatchObject({ ok: false, kind: 'skipped' });
    expect(outcomeOf(second, 'imagga')?.error).toMatch(/monthly budget spent: 4 of 6 requests used, an image takes 4/);
    expect(imaggaCalls('/tags')).toBe(tagsBefore + 1);

    const restarted = await boot(env);
    const epBefore = everypixel.scoringCalls().length;
    const third = await upload(restarted, 7103);
    expect(outcomeOf(third, 'everypixel')).toMatchObject({ ok: false, kind: 'skipped' });
    expect(outcomeOf(third, 'everypixel')?.error).toMatch(/daily budget spent: 2 of 2/);
    expect(outcomeOf(third, 'local')).toMatchObject({ ok: true });
    expect(everypixel.scoringCalls().length).toBe(epBefore);

    const status = await vendorStatus(restarted, 'everypixel');
    expect(status.budget).toMatchObject({ usedToday: 2, usedThisMonth: 2 });
    expect(status.skipped).toMatch(/daily budget/);
    expect(status.lastSkip?.message).toMatch(/daily budget spent/);
  });

  it('a quota suspension survives the restart until an admin resumes the vendor', async () => {
    const env = { PHOTO_SCORE_SCORERS: 'everypixel,local' };
    const first = await boot(env);
    everypixel.setCredits(0);
    const refused = await upload(first, 7201);
    expect(outcomeOf(refused, 'everypixel')).toMatchObject({ ok: false, kind: 'quota' });
    expect(outcomeOf(refused, 'local')).toMatchObject({ ok: true });

    everypixel.setCredits(undefined); // topped up, but nobody told Strapi yet
    const restarted = await boot(env);
    const before = everypixel.scoringCalls().length;
    const skipped = await upload(restarted, 7202);
    expect(outcomeOf(skipped, 'everypixel')?.error).toMatch(/skipped \(suspended until .*quota/i);
    expect(everypixel.scoringCalls().length).toBe(before);
    const status = await vendorStatus(restarted, 'everypixel');
    expect(status.suspended?.reason).toMatch(/quota/i);
    expect(status.lastError).toMatchObject({ kind: 'quota' });

    const resumed = await restarted.http
      .post('/photo-score/vendors/everypixel/resume')
      .set('Authorization', `Bearer ${restarted.adminToken}`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.data).toMatchObject({ id: 'everypixel', suspended: null, skipped: null });
    expect(outcomeOf(await upload(restarted, 7203), 'everypixel')).toMatchObject({ ok: true, score: 73.4 });
  });
});

describe('one process: concurrent uploads, cache expiry', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(
      vendorEnv({
        PHOTO_SCORE_SCORERS: 'everypixel,local',
        PHOTO_SCORE_BUDGETS: '{"everypixel":{"perDay":6}}',
        // One second: long enough for an upload, short enough to watch a verdict expire.
        PHOTO_SCORE_CACHE_TTL_HOURS: String(1 / 3600),
      }),
    );
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('gives the reservation back when the image never went out (too small for Everypixel)', async () => {
    const before = everypixel.scoringCalls().length;
    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      jpeg('tiny.jpg', await crispPhoto(40, 30, 7501)),
    ]);
    expect(res.status).toBe(201);
    const [file] = await withStoredDetails(app, res.body as StoredFile[]);
    expect(outcomeOf(file, 'everypixel')).toMatchObject({ ok: false, kind: 'rejected' });
    expect(outcomeOf(file, 'everypixel')?.error).toMatch(/too small for this vendor/);
    expect(everypixel.scoringCalls().length).toBe(before);
    expect((await vendorStatus(app, 'everypixel')).budget.usedToday).toBe(0);
  });

  it('pays again for an image whose verdict expired, and deletes expired verdicts', async () => {
    const before = everypixel.scoringCalls().length;
    await upload(app, 7401);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const again = outcomeOf(await upload(app, 7401), 'everypixel');
    expect(again).toMatchObject({ ok: true, score: 73.4 });
    expect(again?.cached).toBeUndefined();
    expect(everypixel.scoringCalls().length).toBe(before + 2);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await upload(app, 7402);
    // The expired verdict went when the next one was stored: the table does not grow forever.
    expect(await app.strapi.db.query('plugin::photo-score.vendor-verdict').count({})).toBe(1);
  });

  it('lets exactly the budgeted number of requests through, never more', async () => {
    const before = everypixel.scoringCalls().length;
    const files = await Promise.all([7301, 7302, 7303, 7304, 7305, 7306].map((seed) => upload(app, seed)));
    const byVendor = files.filter((file) => outcomeOf(file, 'everypixel')?.ok);
    // The previous test spent 3 of the day's 6.
    expect(byVendor).toHaveLength(3);
    expect(everypixel.scoringCalls().length).toBe(before + 3);
    expect((await vendorStatus(app, 'everypixel')).budget.usedToday).toBe(6);
  });
});

describe('vendor admin API', () => {
  let app: TestApp;
  let editorToken: string;
  beforeAll(async () => {
    app = await startApp(vendorEnv({ PHOTO_SCORE_SCORERS: 'local,everypixel' }));
    editorToken = await signInWithRole(app, 'strapi-editor');
  });
  afterAll(async () => {
    await app?.stop();
  });

  const resume = (id: string) => app.http.post(`/photo-score/vendors/${id}/resume`);

  it('answers 401 without an admin session, 403 to a role without the permission', async () => {
    expect((await app.http.get('/photo-score/vendors')).status).toBe(401);
    expect((await resume('everypixel')).status).toBe(401);
    expect((await resume('everypixel').set('Authorization', `Bearer ${app.apiToken}`)).status).toBe(401);
    expect((await app.http.get('/photo-score/vendors').set('Authorization', `Bearer ${editorToken}`)).status).toBe(403);
    expect((await resume('everypixel').set('Authorization', `Bearer ${editorToken}`)).status).toBe(403);
  });

  it('answers 404 for a vendor that is not configured, 400 for a malformed id, body or query', async () => {
    const asAdmin = { Authorization: `Bearer ${app.adminToken}` };
    const unknown = await resume('photoilike').set(asAdmin);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('No vendor "photoilike" is configured');
    expect((await resume('Not_A-Vendor!').set(asAdmin)).status).toBe(400);
    const withBody = await resume('everypixel').set(asAdmin).send({ resetEverything: true });
    expect(withBody.status).toBe(400);
    expect(withBody.body.error.name).toBe('ValidationError');
    expect((await app.http.get('/photo-score/vendors?usage=maybe').set(asAdmin)).status).toBe(400);
  });

  it('lists the vendor with its place in the chain, and resumes it', async () => {
    const [listed] = (await app.http.get('/photo-score/vendors').set('Authorization', `Bearer ${app.adminToken}`)).body
      .data as VendorStatus[];
    expect(listed).toMatchObject({ id: 'everypixel', enabled: true, position: 2, suspended: null });
    const res = await resume('everypixel').set('Authorization', `Bearer ${app.adminToken}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: 'everypixel', suspended: null, breaker: { open: false } });
    expect(res.text).not.toContain(EVERYPIXEL_SECRET);
  });
});

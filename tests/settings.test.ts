import { ACTIONS } from '../shared/permissions';
import { signInWithRole, loadAppInChildProcess, startApp, type TestApp } from './helpers/strapi';

describe('settings admin API', () => {
  let app: TestApp;
  let editorToken: string;

  beforeAll(async () => {
    app = await startApp({ PHOTO_SCORE_FLAG_BELOW: '35' });
    editorToken = await signInWithRole(app, 'strapi-editor');
  });
  afterAll(async () => {
    await app?.stop();
  });

  const asAdmin = (req: ReturnType<TestApp['http']['get']>) => req.set('Authorization', `Bearer ${app.adminToken}`);

  it('answers 401 without an admin token', async () => {
    expect((await app.http.get('/photo-score/settings')).status).toBe(401);
    expect((await app.http.put('/photo-score/settings').send({ rejectBelow: 10 })).status).toBe(401);
  });

  it('answers 401 to a content API token', async () => {
    const res = await app.http.get('/photo-score/settings').set('Authorization', `Bearer ${app.apiToken}`);
    expect(res.status).toBe(401);
  });

  it('answers 403 to an admin whose role lacks the permission', async () => {
    const read = await app.http.get('/photo-score/settings').set('Authorization', `Bearer ${editorToken}`);
    expect(read.status).toBe(403);
    const write = await app.http
      .put('/photo-score/settings')
      .set('Authorization', `Bearer ${editorToken}`)
      .send({ rejectBelow: 90 });
    expect(write.status).toBe(403);
  });

  it('starts from the defaults in config/plugins', async () => {
    const res = await asAdmin(app.http.get('/photo-score/settings'));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ rejectBelow: null, flagBelow: 35, onScorerError: 'accept', reviewReject: 'mark' });
  });

  it.each([
    [{ rejectBelow: 150 }, 'rejectBelow'],
    [{ flagBelow: -1 }, 'flagBelow'],
    [{ rejectBelow: 'high' }, 'rejectBelow'],
    [{ onScorerError: 'panic' }, 'onScorerError'],
    [{ rejectBelow: 50, flagBelow: 20 }, 'flagBelow'],
    [{ rejectbelow: 20 }, 'rejectbelow'],
    [{ reviewReject: 'shred' }, 'reviewReject'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const res = await asAdmin(app.http.put('/photo-score/settings')).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(field);
  });

  it('saves valid settings in the plugin store, where they outlive the request', async () => {
    const res = await asAdmin(app.http.put('/photo-score/settings')).send({
      rejectBelow: 12.5,
      onScorerError: 'reject',
      reviewReject: 'delete',
    });
    expect(res.status).toBe(200);
    const saved = { rejectBelow: 12.5, flagBelow: 35, onScorerError: 'reject', reviewReject: 'delete' };
    expect(res.body.data).toEqual(saved);

    const stored = await app.strapi.store({ type: 'plugin', name: 'photo-score', key: 'settings' }).get({});
    expect(stored).toEqual(saved);
    expect((await asAdmin(app.http.get('/photo-score/settings'))).body.data).toEqual(stored);
  });

  it("the super admin holds every one of the plugin's permissions", async () => {
    const res = await app.http.get('/admin/users/me/permissions').set('Authorization', `Bearer ${app.adminToken}`);
    const actions = (res.body.data as Array<{ action: string }>).map((p) => p.action);
    expect(actions).toEqual(expect.arrayContaining(Object.values(ACTIONS)));
  });

  it('keeps settings saved before reviewReject existed, reading it from config/plugins', async () => {
    await app.strapi
      .store({ type: 'plugin', name: 'photo-score', key: 'settings' })
      .set({ value: { rejectBelow: 5, flagBelow: 35, onScorerError: 'accept' } });
    const res = await asAdmin(app.http.get('/photo-score/settings'));
    expect(res.body.data).toEqual({ rejectBelow: 5, flagBelow: 35, onScorerError: 'accept', reviewReject: 'mark' });
  });
});

describe('plugin config', () => {
  it('a bad value in config/plugins stops Strapi with a message naming the key', () => {
    const { loaded, output } = loadAppInChildProcess({ PHOTO_SCORE_REJECT_BELOW: '140' });
    expect(loaded).toBe(false);
    expect(output).toMatch(/photo-score/);
    expect(output).toMatch(/rejectBelow/);
  });
});

import type { Test } from 'supertest';
import { ACTIONS } from '../shared/permissions';
import { blurryDarkPhoto, corruptJpeg, crispPhoto, tinyPdf } from './helpers/images';
import { attachAll, jpeg, type Upload } from './helpers/multipart';
import {
  expectNothingNewSince,
  listFiles,
  signInWithActions,
  signInWithRole,
  startApp,
  storageSnapshot,
  type TestApp,
} from './helpers/strapi';

/**
 * The admin API behind the Photo Score page (issue 10): the library, an asset's evidence and
 * history, review (one and in bulk), calibration, distribution and threshold preview against
 * what apply then does, try-a-photo, the overview and the refusal log; each guarded by its RBAC
 * action and validated.
 */
interface Summary {
  id: number;
  name: string;
  score: number | null;
  class: number | null;
  status: string;
  thumbnailUrl: string | null;
  content: string | null;
  decidedBy: string[];
  reasons: Record<string, string>;
}

describe('the Photo Score admin API', () => {
  let app: TestApp;
  let readerToken: string;
  let editorToken: string;
  const byName = new Map<string, Summary>();
  const mediaUpdates: number[] = [];
  const approvedEvents: Array<{ file: { id: number }; reason: string }> = [];
  let flagBelow: number;
  let unscoredId: number;

  const asAdmin = (req: Test, token = app.adminToken): Test => req.set('Authorization', `Bearer ${token}`);
  const get = (path: string, token?: string) => asAdmin(app.http.get(path), token);
  const post = (path: string, body: object, token?: string) => asAdmin(app.http.post(path), token).send(body);
  const setSettings = async (body: Record<string, unknown>) => {
    const res = await asAdmin(app.http.put('/photo-score/settings')).send(body);
    expect(res.status).toBe(200);
  };
  const uploadViaApi = (uploads: Upload[]) =>
    attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), uploads);
  const list = async (query: string): Promise<{ data: Summary[]; pagination: Record<string, number> }> => {
    const res = await get(`/photo-score/files${query}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const statusOf = async (id: number): Promise<string> =>
    ((await app.strapi.db.query('plugin::upload.file').findOne({ where: { id } })) as { photoScoreStatus: string })
      .photoScoreStatus;

  beforeAll(async () => {
    app = await startApp({ PHOTO_SCORE_JOBS: JSON.stringify({ pollMs: 50 }) });
    app.strapi.eventHub.on('media.update', async ({ media }: { media: { id: number } }) => {
      mediaUpdates.push(media.id);
    });
    app.strapi.eventHub.on('photo-score.approved', async (payload: { file: { id: number }; reason: string }) => {
      approvedEvents.push(payload);
    });
    // Learn the two kinds' scores, then flag between them so the blurry ones wait for review.
    const probe = await uploadViaApi([jpeg('crisp-1.jpg', await crispPhoto(640, 480, 1))]);
    const blurryProbe = await uploadViaApi([jpeg('blurry-1.jpg', await blurryDarkPhoto(640, 480))]);
    const crispScore = probe.body[0].photoScore as number;
    const blurryScore = blurryProbe.body[0].photoScore as number;
    expect(crispScore).toBeGreaterThan(blurryScore + 10);
    flagBelow = Math.round((crispScore + blurryScore) / 2);
    await setSettings({ flagBelow });
    const more = await uploadViaApi([
      jpeg('crisp-2.jpg', await crispPhoto(640, 480, 2)),
      jpeg('crisp-3.jpg', await crispPhoto(720, 540, 3)),
      jpeg('blurry-2.jpg', await blurryDarkPhoto(600, 450)),
      jpeg('blurry-3.jpg', await blurryDarkPhoto(700, 500)),
      { name: 'notes.pdf', bytes: tinyPdf(), contentType: 'application/pdf' },
    ]);
    expect(more.status).toBe(201);
    // An image row written around the upload service (an import): unscored.
    const imported = (await app.strapi.db.query('plugin::upload.file').create({
      data: {
        name: 'imported.jpg',
        hash: 'imported_x',
        ext: '.jpg',
        mime: 'image/jpeg',
        size: 1,
        url: '/uploads/imported_x.jpg',
        provider: 'local',
        folderPath: '/',
      },
    })) as { id: number };
    unscoredId = imported.id;
    for (const file of (await list('?pageSize=100')).data) byName.set(file.name, file);
    readerToken = await signInWithActions(app, [ACTIONS.read]);
    editorToken = await signInWithRole(app, 'strapi-editor');
  });

  afterAll(async () => {
    await app?.stop();
  });

  describe('who may call it', () => {
    const routes: Array<[string, string]> = [
      ['GET', '/photo-score/files'],
      ['GET', '/photo-score/files/1'],
      ['GET', '/photo-score/review/counts'],
      ['POST', '/photo-score/review'],
      ['GET', '/photo-score/calibration'],
      ['GET', '/photo-score/distribution'],
      ['POST', '/photo-score/preview'],
      ['POST', '/photo-score/try'],
      ['GET', '/photo-score/overview'],
      ['GET', '/photo-score/refusals'],
    ];

    it.each(routes)(
      '%s %s answers 401 without a session and 403 to a role without the permission',
      async (method, path) => {
        const call = () => (method === 'GET' ? app.http.get(path) : app.http.post(path).send({}));
        expect((await call()).status).toBe(401);
        expect((await asAdmin(call(), editorToken)).status).toBe(403);
      },
    );

    it('lets a role with only "read" read, and refuses it review and apply', async () => {
      expect((await get('/photo-score/files', readerToken)).status).toBe(200);
      expect((await get('/photo-score/overview', readerToken)).status).toBe(200);
      const flagged = byName.get('blurry-2.jpg') as Summary;
      const review = await post('/photo-score/review', { ids: [flagged.id], decision: 'approve' }, readerToken);
      expect(review.status).toBe(403);
      expect(await statusOf(flagged.id)).toBe('flagged');
      expect((await post('/photo-score/apply', {}, readerToken)).status).toBe(403);
    });

    it('registers one RBAC action per capability under Photo Score', async () => {
      const actions = app.strapi
        .service('admin::permission')
        .actionProvider.values()
        .filter((action: { pluginName?: string }) => action.pluginName === 'photo-score')
        .map((action: { actionId: string }) => action.actionId)
        .sort();
      expect(actions).toEqual(Object.values(ACTIONS).sort());
    });
  });

  describe('the library', () => {
    it('lists images only, with thumbnail, score, class, status, content and the deciding scorer', async () => {
      const { data, pagination } = await list('?pageSize=100');
      expect(data.map((f) => f.name)).not.toContain('notes.pdf');
      expect(pagination).toEqual({ page: 1, pageSize: 100, total: 7, pageCount: 1 });
      const crisp = byName.get('crisp-2.jpg') as Summary;
      expect(crisp).toMatchObject({ status: 'scored', content: 'photo', decidedBy: ['local'] });
      expect(crisp.thumbnailUrl).toMatch(/^\/uploads\/thumbnail_crisp_2/);
      expect(crisp.class).toBe(Math.min(5, Math.floor((crisp.score as number) / 20) + 1));
      expect(byName.get('blurry-2.jpg')).toMatchObject({ status: 'flagged' });
      expect(Object.keys((byName.get('blurry-2.jpg') as Summary).reasons).length).toBeGreaterThan(0);
    });

    it('sorts by score either way with unscored files last, and pages', async () => {
      const desc = (await list('?sort=score:desc&pageSize=100')).data;
      const asc = (await list('?sort=score:asc&pageSize=100')).data;
      const scores = (files: Summary[]) => files.filter((f) => f.score !== null).map((f) => f.score as number);
      expect(scores(desc)).toEqual([...scores(desc)].sort((a, b) => b - a));
      expect(scores(asc)).toEqual([...scores(asc)].sort((a, b) => a - b));
      expect(desc[desc.length - 1].id).toBe(unscoredId);
      expect(asc[asc.length - 1].id).toBe(unscoredId);
      // Pages put together give the same order, the unscored file on the last page.
      const pages = [];
      for (let page = 1; page <= 3; page++)
        pages.push(...(await list(`?sort=score:desc&pageSize=3&page=${page}`)).data);
      expect(pages.map((f) => f.id)).toEqual(desc.map((f) => f.id));
      expect((await list('?sort=score:desc&pageSize=3&page=3')).pagination).toEqual({
        page: 3,
        pageSize: 3,
        total: 7,
        pageCount: 3,
      });
    });

    it('filters by status, class, score range, mime, date, name and ids', async () => {
      const names = async (query: string) => (await list(query)).data.map((f) => f.name).sort();
      expect(await names('?status=flagged')).toEqual(['blurry-2.jpg', 'blurry-3.jpg']);
      expect(await names('?status=flagged,unscored')).toEqual(['blurry-2.jpg', 'blurry-3.jpg', 'imported.jpg']);
      expect(await names(`?minScore=${flagBelow}`)).toEqual(['crisp-1.jpg', 'crisp-2.jpg', 'crisp-3.jpg']);
      expect(await names(`?maxScore=${flagBelow}`)).toEqual(['blurry-1.jpg', 'blurry-2.jpg', 'blurry-3.jpg']);
      const crispClass = (byName.get('crisp-1.jpg') as Summary).class;
      const ofClass = await names(`?class=${crispClass}`);
      expect(ofClass).toContain('crisp-1.jpg');
      expect(ofClass.every((name) => byName.get(name)?.class === crispClass)).toBe(true);
      expect(await names('?mime=image/png')).toEqual([]);
      expect(await names('?search=BLURRY-3')).toEqual(['blurry-3.jpg']);
      expect(await names(`?uploadedAfter=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual(
        [],
      );
      const ids = [byName.get('crisp-3.jpg')?.id, byName.get('blurry-1.jpg')?.id].join(',');
      expect(await names(`?ids=${ids}`)).toEqual(['blurry-1.jpg', 'crisp-3.jpg']);
    });

    it.each([
      ['?pageSize=101', 'pageSize'],
      ['?page=0', 'page'],
      ['?status=nope', 'status'],
      ['?class=6', 'class'],
      ['?minScore=60&maxScore=40', 'maxScore'],
      ['?sort=name:asc', 'sort'],
      ['?uploadedAfter=yesterday', 'uploadedAfter'],
      ['?colour=red', ''],
    ])('answers 400 naming the field for %s', async (query, field) => {
      const res = await get(`/photo-score/files${query}`);
      expect(res.status).toBe(400);
      if (field) expect(res.body.error.details.errors.map((e: { path: string[] }) => e.path[0])).toContain(field);
      else expect(res.body.error.message).toMatch(/colour/);
    });

    it('opens an asset to its dimensions with reasons, each scorer, and its history', async () => {
      const blurry = byName.get('blurry-2.jpg') as Summary;
      const res = await get(`/photo-score/files/${blurry.id}`);
      expect(res.status).toBe(200);
      const detail = res.body.data;
      expect(detail.scorers).toEqual([expect.objectContaining({ scorer: 'local', ok: true, score: blurry.score })]);
      expect(detail.dimensions.length).toBeGreaterThan(3);
      const explained = detail.dimensions.filter((d: { reason: string | null }) => d.reason !== null);
      expect(explained.length).toBeGreaterThan(0);
      for (const d of explained) expect(blurry.reasons[d.name]).toBe(d.reason);
      expect(detail.thresholds).toEqual({ rejectBelow: null, flagBelow });
      expect(detail.image).toMatchObject({ format: 'jpeg', width: 600, height: 450 });
      expect(detail.history).toEqual([]);
      expect((await get('/photo-score/files/999999')).status).toBe(404);
      expect((await get('/photo-score/files/abc')).status).toBe(400);
    });
  });

  describe('review', () => {
    it('approves in bulk: statuses, media.update and photo-score.approved, decisions with who, when and from', async () => {
      const flagged = ['blurry-2.jpg', 'blurry-3.jpg'].map((name) => byName.get(name) as Summary);
      const before = await get('/photo-score/review/counts');
      expect(before.body.data).toEqual({ flagged: 2, pending: 0, rejected: 0, approved: 0, rejectAction: 'mark' });
      mediaUpdates.length = 0;
      const started = Date.now();
      const res = await post('/photo-score/review', {
        ids: [...flagged.map((f) => f.id), 999999],
        decision: 'approve',
        note: 'fine for the blog',
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        decision: 'approve',
        rejectAction: 'mark',
        decided: 2,
        results: [
          { id: flagged[0].id, outcome: 'approved', fromStatus: 'flagged', toStatus: 'approved' },
          { id: flagged[1].id, outcome: 'approved', fromStatus: 'flagged', toStatus: 'approved' },
          { id: 999999, outcome: 'not-found', fromStatus: null, toStatus: null },
        ],
      });
      for (const file of flagged) expect(await statusOf(file.id)).toBe('approved');
      expect(mediaUpdates.sort()).toEqual(flagged.map((f) => f.id).sort());
      expect(approvedEvents.map((e) => e.file.id).sort()).toEqual(flagged.map((f) => f.id).sort());
      expect(approvedEvents[0].reason).toBe('approved by Ada Admin');
      expect((await get('/photo-score/review/counts')).body.data).toEqual({
        flagged: 0,
        pending: 0,
        rejected: 0,
        approved: 2,
        rejectAction: 'mark',
      });

      const detail = (await get(`/photo-score/files/${flagged[0].id}`)).body.data;
      expect(detail.status).toBe('approved');
      expect(detail.reason).toBe('approved by Ada Admin');
      expect(detail.history).toEqual([
        expect.objectContaining({
          decision: 'approve',
          fromStatus: 'flagged',
          toStatus: 'approved',
          deleted: false,
          by: { id: expect.any(Number), name: 'Ada Admin' },
          score: flagged[0].score,
          note: 'fine for the blog',
          feedback: [],
        }),
      ]);
      expect(Date.parse(detail.history[0].at)).toBeGreaterThanOrEqual(started - 1000);
      expect(Date.parse(detail.history[0].at)).toBeLessThanOrEqual(Date.now());

      const again = await post('/photo-score/review', { ids: [flagged[0].id], decision: 'approve' });
      expect(again.body.data.results[0].outcome).toBe('unchanged');
    });

    it.each([
      [{ ids: [], decision: 'approve' }, 'ids'],
      [{ ids: Array.from({ length: 101 }, (_, i) => i + 1), decision: 'approve' }, 'ids'],
      [{ ids: [1], decision: 'maybe' }, 'decision'],
      [{ ids: ['1'], decision: 'approve' }, 'ids'],
      [{ ids: [1], decision: 'approve', force: true }, ''],
    ])('answers 400 to a malformed review %#', async (body, field) => {
      const res = await post('/photo-score/review', body);
      expect(res.status).toBe(400);
      if (field) expect(res.body.error.details.errors[0].path[0]).toBe(field);
    });

    it("rejects by marking, and apply leaves a reviewer's rejection alone", async () => {
      const crisp = byName.get('crisp-2.jpg') as Summary;
      const res = await post('/photo-score/review', { ids: [crisp.id], decision: 'reject' });
      expect(res.body.data.results[0]).toEqual({
        id: crisp.id,
        outcome: 'rejected',
        fromStatus: 'scored',
        toStatus: 'rejected',
      });
      expect(await statusOf(crisp.id)).toBe('rejected');
      // The thresholds would make it `scored`; the reviewer's word stands.
      expect((await post('/photo-score/apply', {})).status).toBe(200);
      expect(await statusOf(crisp.id)).toBe('rejected');
    });

    it('counts overturned scores per class: approving flagged ones, rejecting a scored one', async () => {
      const res = await get('/photo-score/calibration');
      expect(res.status).toBe(200);
      const { classes, total, uncounted } = res.body.data;
      expect(total).toEqual({ reviewed: 3, overturned: 3, overturnRate: 1 });
      expect(uncounted).toBe(0);
      const blurryClass = (byName.get('blurry-2.jpg') as Summary).class;
      const crispClass = (byName.get('crisp-2.jpg') as Summary).class;
      const row = (c: number | null) => classes.find((r: { class: number }) => r.class === c);
      expect(row(crispClass)).toMatchObject({ rejectedFromScored: 1 });
      expect(row(blurryClass)).toMatchObject({ approvedFromFlagged: 2 });
      expect(classes.reduce((n: number, r: { reviewed: number }) => n + r.reviewed, 0)).toBe(3);
      expect((await get('/photo-score/calibration?since=last-week')).status).toBe(400);
    });

    it('deletes on reject when reviewReject is delete, keeping the decision', async () => {
      await setSettings({ reviewReject: 'delete' });
      const crisp = byName.get('crisp-3.jpg') as Summary;
      const storedBefore = await listFiles(app.uploadsDir);
      const res = await post('/photo-score/review', { ids: [crisp.id], decision: 'reject' });
      expect(res.body.data).toMatchObject({ rejectAction: 'delete', decided: 1 });
      expect(res.body.data.results[0]).toMatchObject({ outcome: 'deleted', fromStatus: 'scored' });
      expect((await get(`/photo-score/files/${crisp.id}`)).status).toBe(404);
      const storedAfter = await listFiles(app.uploadsDir);
      expect(storedAfter.length).toBeLessThan(storedBefore.length);
      expect(storedAfter.some((name) => name.includes('crisp_3'))).toBe(false);
      const kept = await app.strapi.db.query('plugin::photo-score.decision').findMany({ where: { file: crisp.id } });
      expect(kept).toEqual([expect.objectContaining({ fileName: 'crisp-3.jpg', deleted: true, toStatus: 'rejected' })]);
      await setSettings({ reviewReject: 'mark' });
    });
  });

  describe('distribution and threshold preview', () => {
    it('bins the stored scores per class, with the thresholds', async () => {
      const res = await get('/photo-score/distribution?bins=20');
      expect(res.status).toBe(200);
      const { bins, total, byClass, thresholds, byStatus } = res.body.data;
      expect(bins).toHaveLength(20);
      expect(bins[0]).toMatchObject({ from: 0, to: 5 });
      const scored = (await list('?pageSize=100')).data.filter((f) => f.score !== null);
      expect(total).toBe(scored.length);
      for (const file of scored) {
        const bin = bins[Math.min(19, Math.floor((file.score as number) / 5))];
        expect(bin.byClass[String(file.class)]).toBeGreaterThan(0);
      }
      expect(bins.reduce((n: number, b: { total: number }) => n + b.total, 0)).toBe(total);
      expect(Object.values(byClass).reduce((n: number, c) => n + (c as number), 0)).toBe(total);
      expect(thresholds).toEqual({ rejectBelow: null, flagBelow });
      expect(byStatus).toMatchObject({ approved: 2, rejected: 1, unscored: 1, skipped: 1 });
      expect((await get('/photo-score/distribution?bins=0')).status).toBe(400);
    });

    it('previews what apply then does, with samples on each side of each line', async () => {
      // Re-judged: crisp-1 (scored) and blurry-1 (flagged by the apply above); crisp-2 is a
      // reviewer's rejection, blurry-2 and -3 were approved, crisp-3 deleted.
      const blurry1 = byName.get('blurry-1.jpg') as Summary;
      const crisp1 = byName.get('crisp-1.jpg') as Summary;
      const rejectBelow = (blurry1.score as number) + 0.1;
      const newFlag = (crisp1.score as number) + 0.1;
      const res = await post('/photo-score/preview', { rejectBelow, flagBelow: newFlag });
      expect(res.status).toBe(200);
      const preview = res.body.data;
      // blurry-1 flagged → rejected, crisp-1 scored → flagged.
      expect(preview).toMatchObject({ total: 2, refuse: 1, flag: 1, accept: 0, changes: 2 });
      expect(preview.samples.rejectBelow.below).toEqual([
        expect.objectContaining({ name: 'blurry-1.jpg', wouldBe: 'rejected' }),
      ]);
      expect(preview.samples.flagBelow.below.map((s: { name: string }) => s.name)).toEqual([
        'crisp-1.jpg',
        'blurry-1.jpg',
      ]);
      expect(preview.samples.flagBelow.above).toEqual([]);

      // Nothing changed yet; then apply with those thresholds does exactly that.
      expect(await statusOf(blurry1.id)).toBe('flagged');
      await setSettings({ rejectBelow, flagBelow: newFlag });
      const applied = await post('/photo-score/apply', {});
      expect(applied.body.data).toMatchObject({
        changed: preview.changes,
        byStatus: { rejected: preview.refuse, flagged: preview.flag },
      });
      expect(await statusOf(blurry1.id)).toBe('rejected');
      expect(await statusOf(crisp1.id)).toBe('flagged');
      const history = (await get(`/photo-score/files/${blurry1.id}`)).body.data.history;
      expect(
        history.map((h: { decision: string; fromStatus: string; toStatus: string }) => [
          h.decision,
          h.fromStatus,
          h.toStatus,
        ]),
      ).toEqual([
        ['apply', 'flagged', 'rejected'],
        ['apply', 'scored', 'flagged'],
      ]);
      expect(history[0].by).toEqual({ id: expect.any(Number), name: 'Ada Admin' });

      expect((await post('/photo-score/preview', { rejectBelow: 50, flagBelow: 40 })).status).toBe(400);
      expect(
        (await post('/photo-score/preview', { rejectBelow: 150, flagBelow: null })).body.error.details.errors[0].path,
      ).toEqual(['rejectBelow']);
      await setSettings({ rejectBelow: null, flagBelow });
    });
  });

  describe('try a photo', () => {
    const snapshot = () => storageSnapshot(app);
    const expectNothingNew = (before: Awaited<ReturnType<typeof snapshot>>) => expectNothingNewSince(app, before);
    const tryPhoto = (uploads: Upload[], token?: string, field = 'file') =>
      uploads.reduce(
        (req, u) => req.attach(field, u.bytes, { filename: u.name, contentType: u.contentType }),
        asAdmin(app.http.post('/photo-score/try'), token),
      );

    it('scores a photo as an upload would, says what the thresholds would do, and stores nothing', async () => {
      const before = await snapshot();
      const res = await tryPhoto([jpeg('candidate.jpg', await crispPhoto(640, 480, 1))], readerToken);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        name: 'candidate.jpg',
        mime: 'image/jpeg',
        score: (byName.get('crisp-1.jpg') as Summary).score,
        status: 'scored',
        outcome: 'accept',
        content: 'photo',
        decidedBy: ['local'],
      });
      expect(res.body.data.dimensions.length).toBeGreaterThan(3);
      const blurry = await tryPhoto([jpeg('dark.jpg', await blurryDarkPhoto(600, 450))]);
      expect(blurry.body.data).toMatchObject({ outcome: 'flag', status: 'flagged' });
      expect(Object.keys(blurry.body.data.reasons).length).toBeGreaterThan(0);
      await expectNothingNew(before);
    });

    it.each([
      ['a corrupt JPEG', [jpeg('broken.jpg', corruptJpeg())], 'file', /broken\.jpg/],
      ['a PDF', [{ name: 'notes.pdf', bytes: tinyPdf(), contentType: 'application/pdf' }], 'file', /not an image/],
      ['two files', [jpeg('a.jpg', corruptJpeg()), jpeg('b.jpg', corruptJpeg())], 'file', /exactly one image/],
      ['another field', [jpeg('a.jpg', corruptJpeg())], 'files', /exactly one image/],
    ])('answers 400 to %s and leaves no temp file', async (_, uploads, field, message) => {
      const before = await snapshot();
      const res = await tryPhoto(uploads as Upload[], undefined, field as string);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message as RegExp);
      await expectNothingNew(before);
    });

    it('answers 400 to a request without a file', async () => {
      expect((await post('/photo-score/try', {})).status).toBe(400);
    });
  });

  describe('refusals say why, and the overview', () => {
    it('names the reasons, says that none of several files were stored, and logs who and how', async () => {
      const crispScore = (byName.get('crisp-1.jpg') as Summary).score as number;
      await setSettings({ rejectBelow: crispScore - 5, flagBelow: crispScore - 5 });
      const single = await uploadViaApi([jpeg('671.JPG', await blurryDarkPhoto(640, 480))]);
      expect(single.status).toBe(400);
      const [rejected] = single.body.error.details.rejected;
      expect(Object.keys(rejected.reasons).length).toBeGreaterThan(0);
      expect(single.body.error.message).toBe(
        `Upload refused: "671.JPG" scored ${rejected.score}, below the minimum of ${crispScore - 5}: ${Object.values(rejected.reasons).join('; ')}`,
      );

      const several = await uploadViaApi([
        jpeg('good.jpg', await crispPhoto(640, 480, 9)),
        jpeg('bad.jpg', await blurryDarkPhoto(500, 400)),
      ]);
      expect(several.status).toBe(400);
      expect(several.body.error.message).toMatch(
        /^Upload refused: "bad\.jpg" scored [\d.]+, below the minimum of [\d.]+: .+\. None of the 2 files were stored\.$/,
      );
      expect(several.body.error.message).not.toContain('good.jpg');

      const viaAdmin = await attachAll(asAdmin(app.http.post('/upload')), [
        jpeg('admin-upload.jpg', await blurryDarkPhoto(520, 400)),
      ]);
      expect(viaAdmin.status).toBe(400);

      const log = await get('/photo-score/refusals?pageSize=2', readerToken);
      expect(log.status).toBe(200);
      expect(log.body.pagination).toEqual({ page: 1, pageSize: 2, total: 3, pageCount: 2 });
      expect(log.body.data[0]).toMatchObject({
        fileName: 'admin-upload.jpg',
        via: 'admin',
        by: 'Ada Admin',
        mime: 'image/jpeg',
      });
      const page2 = (await get('/photo-score/refusals?pageSize=2&page=2')).body.data;
      expect(page2[0]).toMatchObject({
        fileName: '671.JPG',
        via: 'api-token',
        by: expect.stringMatching(/^tests-/),
        score: rejected.score,
        reasons: rejected.reasons,
        message: rejected.reason,
      });
      expect((await get('/photo-score/refusals?pageSize=500')).status).toBe(400);
      await setSettings({ rejectBelow: null, flagBelow });
    });

    it('sums up the library for the homepage widget', async () => {
      const res = await get('/photo-score/overview', readerToken);
      expect(res.status).toBe(200);
      expect((await get('/photo-score/overview?days=7')).status).toBe(400);
      expect((await get('/photo-score/review/counts?tab=flagged')).status).toBe(400);
      const { awaitingReview, distribution, refusals } = res.body.data;
      const counts = (await get('/photo-score/review/counts')).body.data;
      expect(awaitingReview).toMatchObject({ flagged: counts.flagged, pending: counts.pending });
      expect(awaitingReview.latest.map((f: { status: string }) => f.status)).toEqual(
        Array(counts.flagged + counts.pending).fill('flagged'),
      );
      const scored = (await list('?pageSize=100')).data.filter((f) => f.score !== null);
      expect(distribution.total).toBe(scored.length);
      expect(refusals.last24h).toBe(3);
      expect(refusals.latest.map((r: { fileName: string }) => r.fileName)).toEqual([
        'admin-upload.jpg',
        'bad.jpg',
        '671.JPG',
      ]);
    });

    it('keeps the newest 200 refusals only', async () => {
      const refusals = app.strapi.plugin('photo-score').service('refusals');
      for (let i = 0; i < 5; i++) {
        await refusals.log(
          Array.from({ length: 50 }, (_, j) => ({
            fileName: `burst-${i * 50 + j}.jpg`,
            mime: 'image/jpeg',
            score: 1,
            message: 'scored 1',
            reasons: {},
            via: 'server',
            by: null,
          })),
        );
      }
      const page = await get('/photo-score/refusals?pageSize=100&page=2');
      expect(page.body.pagination).toMatchObject({ total: 200, pageCount: 2 });
      expect(page.body.data[page.body.data.length - 1].fileName).toBe('burst-50.jpg');
    });
  });

  it('filters by folder, its subfolders included', async () => {
    const folder = async (name: string, parent: number | null) => {
      const res = await post('/upload/folders', { name, parent });
      expect(res.status).toBe(201);
      return res.body.data.id as number;
    };
    const blog = await folder('Blog', null);
    const drafts = await folder('Drafts', blog);
    const stored = await asAdmin(app.http.post('/upload'))
      .field('fileInfo', JSON.stringify({ name: 'in-drafts.jpg', folder: drafts }))
      .attach('files', await crispPhoto(640, 480, 6), { filename: 'in-drafts.jpg', contentType: 'image/jpeg' });
    expect(stored.status).toBe(201);
    const names = async (id: number) => (await list(`?folder=${id}`)).data.map((f) => f.name);
    expect(await names(blog)).toEqual(['in-drafts.jpg']);
    expect(await names(drafts)).toEqual(['in-drafts.jpg']);
    expect(await names(await folder('Empty', null))).toEqual([]);
    const unknown = await get('/photo-score/files?folder=999999');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/folder/);
  });
});

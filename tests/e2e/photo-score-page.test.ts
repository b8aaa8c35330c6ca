import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import type { TestApp } from '../helpers/strapi';
import { attachAll, jpeg } from '../helpers/multipart';
import { crispPhoto, writeTemp } from '../helpers/images';
import { openAdminPanel, screenshot, signIn, type AdminSession } from './admin-browser';

/** Photos from sharp to very blurred and dark: with flagBelow 60 about half are flagged. */
const LIBRARY: Array<{ name: string; blur: number; gain: number }> = [
  { name: 'harbour.jpg', blur: 0, gain: 1 },
  { name: 'market.jpg', blur: 0.8, gain: 1 },
  { name: 'bridge.jpg', blur: 1.5, gain: 1 },
  { name: 'garden.jpg', blur: 1, gain: 0.8 },
  { name: 'soft-portrait.jpg', blur: 2.5, gain: 1 },
  { name: 'shaky-street.jpg', blur: 3, gain: 1 },
  { name: 'blurred-dog.jpg', blur: 4, gain: 1 },
  { name: 'night-mistake.jpg', blur: 6, gain: 0.6 },
];

const photo = async (seed: number, blur: number, gain: number): Promise<Buffer> => {
  let image = sharp(await crispPhoto(1600, 1200, seed * 97));
  if (blur > 0) image = image.blur(blur);
  if (gain !== 1) image = image.linear(gain, 0);
  return image.jpeg({ quality: 88 }).toBuffer();
};

interface FileRow {
  id: number;
  name: string;
  score: number | null;
  status: string;
}

/** "1 image", "3 images", as the page's plural messages say it. */
const images = (count: number): string => `${count} ${count === 1 ? 'image' : 'images'}`;

const EDITOR = { email: 'editor@photo-score.test', password: 'Editor-pass-1', firstname: 'Eddie', lastname: 'Editor' };

describe('the Photo Score page, widget and side panel', () => {
  let session: AdminSession;
  let app: TestApp;
  let page: Page;
  let baseUrl: string;
  let dir: string;
  let editorToken: string;

  const admin = (method: 'get' | 'post' | 'put', url: string, token = app.adminToken) =>
    app.http[method](url).set('Authorization', `Bearer ${token}`);
  const files = async (query: string): Promise<FileRow[]> => {
    const res = await admin('get', `/photo-score/files?pageSize=100&${query}`);
    expect(res.status).toBe(200);
    return res.body.data as FileRow[];
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-page-'));
    session = await openAdminPanel({ PHOTO_SCORE_FLAG_BELOW: '60' });
    ({ app, page, baseUrl } = session);
    for (const [index, entry] of LIBRARY.entries()) {
      const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
        jpeg(entry.name, await photo(index + 1, entry.blur, entry.gain)),
      ]);
      expect(res.status).toBe(201);
    }
    // One refusal for the widget's "latest refusals".
    expect((await admin('put', '/photo-score/settings').send({ rejectBelow: 10 })).status).toBe(200);
    const refused = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      jpeg('lens-cap-on.jpg', await photo(20, 8, 0.4)),
    ]);
    expect(refused.status).toBe(400);

    // An editor: Strapi's Editor role (Content Manager and Media Library) plus reading scores, not reviewing.
    const roles = await admin('get', '/admin/roles');
    const editorRole = (roles.body.data as Array<{ id: number; code: string }>).find((r) => r.code === 'strapi-editor');
    if (!editorRole) throw new Error('no Editor role');
    const current = await admin('get', `/admin/roles/${editorRole.id}/permissions`);
    const permissions = (current.body.data as Array<Record<string, unknown>>).map(
      ({ action, subject, properties, conditions }) => ({
        action,
        subject,
        properties,
        conditions,
      }),
    );
    const updated = await admin('put', `/admin/roles/${editorRole.id}/permissions`).send({
      permissions: [
        ...permissions,
        { action: 'plugin::photo-score.read', subject: null, properties: {}, conditions: [] },
      ],
    });
    expect(updated.status).toBe(200);
    const created = await admin('post', '/admin/users').send({
      email: EDITOR.email,
      firstname: EDITOR.firstname,
      lastname: EDITOR.lastname,
      roles: [editorRole.id],
    });
    expect(created.status).toBe(201);
    const registered = await app.http.post('/admin/register').send({
      registrationToken: created.body.data.registrationToken,
      userInfo: { firstname: EDITOR.firstname, lastname: EDITOR.lastname, password: EDITOR.password },
    });
    expect(registered.status).toBe(200);
    editorToken = registered.body.data.token;
  }, 300_000);
  afterAll(async () => {
    await session?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the library shows every image with its score and status, and an image opens to its evidence', async () => {
    await page.goto(`${baseUrl}/admin`);
    await page.getByRole('link', { name: 'Photo Score' }).first().click();
    await page.waitForURL(/\/admin\/plugins\/photo-score\/library$/);
    for (const entry of LIBRARY) await page.getByRole('button', { name: `Open ${entry.name}` }).waitFor();
    await screenshot(page, 'library-grid');

    const stored = await files('sort=score:asc');
    const worst = stored[0];
    await page.getByRole('button', { name: 'Table' }).click();
    const row = page.locator(`tr[data-file-id="${worst.id}"]`);
    await row.getByText(worst.score!.toFixed(1)).waitFor();
    await row.getByText('flagged', { exact: true }).waitFor();
    await screenshot(page, 'library-table');

    // Filters: flagged only, lowest score first.
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'flagged' }).click();
    const flagged = await files('status=flagged');
    expect(flagged.length).toBeGreaterThanOrEqual(3);
    await page.locator(`tr[data-file-id="${stored[stored.length - 1].id}"]`).waitFor({ state: 'detached' });
    expect(await page.locator('tr[data-file-id]').count()).toBe(flagged.length);

    await row.getByRole('button', { name: `Open ${worst.name}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Dimensions' }).waitFor();
    await dialog.getByRole('meter', { name: 'Sharpness' }).waitFor();
    await dialog.getByText('out of focus or blurred').first().waitFor();
    await dialog.getByText('local', { exact: true }).first().waitFor();
    await screenshot(page, 'library-asset');
    await page.keyboard.press('Escape');
  });

  it('the side panel of a Content Manager entry lists its images with badges and warns about the weak ones', async () => {
    const byName = new Map((await files('')).map((file) => [file.name, file]));
    const article = await app.strapi.documents('api::article.article').create({
      data: {
        title: 'Harbour walk',
        cover: byName.get('harbour.jpg')!.id,
        gallery: [byName.get('market.jpg')!.id, byName.get('blurred-dog.jpg')!.id],
      } as never,
    });
    await page.goto(`${baseUrl}/admin/content-manager/collection-types/api::article.article/${article.documentId}`);
    const panel = page.getByTestId('photo-score-panel');
    await panel.waitFor();
    await panel.getByText('1 image needs a look: flagged, rejected or scored below 40.').waitFor();
    for (const name of ['harbour.jpg', 'market.jpg', 'blurred-dog.jpg']) {
      await panel.getByText(name).waitFor();
      await panel.getByText(byName.get(name)!.score!.toFixed(1)).waitFor();
    }
    await screenshot(page, 'content-manager-side-panel');
  });

  it('the homepage widget counts the images awaiting review and shows the latest refusal', async () => {
    const overview = (await admin('get', '/photo-score/overview')).body.data;
    await page.goto(`${baseUrl}/admin`);
    const widget = page.getByTestId('photo-score-widget');
    await widget.getByText(`${images(overview.awaitingReview.flagged)} await review`).waitFor();
    await widget.getByText('lens-cap-on.jpg').waitFor();
    await widget.getByText('Refused uploads: 1 in the last 24 hours').waitFor();
    await widget.scrollIntoViewIfNeeded();
    await screenshot(page, 'home-widget');
  });

  it('moving the thresholds previews what they would refuse and flag, with the counts of the API', async () => {
    await page.goto(`${baseUrl}/admin/plugins/photo-score/distribution`);
    await page.getByRole('img', { name: 'Histogram of scores, coloured by class' }).waitFor();
    await page.getByLabel('Refuse below', { exact: true }).fill('40');
    await page.getByLabel('Flag below', { exact: true }).fill('75');
    const preview = (await admin('post', '/photo-score/preview').send({ rejectBelow: 40, flagBelow: 75 })).body.data;
    // Lines through the library: some images on each side of each.
    expect(preview).toMatchObject({ refuse: expect.any(Number), flag: expect.any(Number) });
    expect(preview.refuse).toBeGreaterThan(0);
    expect(preview.flag).toBeGreaterThan(0);
    await page
      .getByTestId('preview-sentence')
      .getByText(
        `These thresholds would refuse ${preview.refuse} and flag ${preview.flag} of your ${preview.total} images`,
      )
      .waitFor();
    await page.getByRole('heading', { name: 'Around the flag line at 75' }).waitFor();
    await screenshot(page, 'distribution');
    await page.getByRole('heading', { name: 'Around the flag line at 75' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'distribution-samples');
  });

  it('the review queue approves by keyboard and in bulk, and the API shows the new statuses', async () => {
    const flagged = await files('status=flagged&sort=score:asc');
    await page.goto(`${baseUrl}/admin/plugins/photo-score/review`);
    await page.getByRole('tab', { name: `Flagged (${flagged.length})` }).waitFor();
    await page.locator(`tr[data-file-id="${flagged[0].id}"][aria-selected="true"]`).waitFor();
    await page.getByText('j / k').waitFor();
    await screenshot(page, 'review-queue');

    // The focused (lowest) image, by keyboard.
    await page.keyboard.press('a');
    await page.getByText(`${images(1)} approved`).waitFor();
    await page.getByRole('tab', { name: `Flagged (${flagged.length - 1})` }).waitFor();
    expect((await files(`ids=${flagged[0].id}`))[0].status).toBe('approved');

    // The rest at once.
    await page.getByRole('checkbox', { name: 'Select every image of this page' }).click();
    await page.getByText(`${images(flagged.length - 1)} selected`).waitFor();
    await page.getByRole('button', { name: 'Approve selected' }).click();
    await page.getByText(`${images(flagged.length - 1)} approved`).waitFor();
    await page.getByRole('tab', { name: 'Flagged (0)' }).waitFor();
    const after = await files(`ids=${flagged.map((file) => file.id).join(',')}`);
    expect(after.map((file) => file.status)).toEqual(flagged.map(() => 'approved'));
    await screenshot(page, 'review-queue-done');

    // Approving flagged images overturns the score: the calibration table counts them per class.
    const calibration = (await admin('get', '/photo-score/calibration')).body.data;
    expect(calibration.total).toMatchObject({ reviewed: flagged.length, overturned: flagged.length });
    await page.goto(`${baseUrl}/admin/plugins/photo-score/distribution`);
    const total = page.getByRole('row').filter({ hasText: 'All classes' });
    await total.getByText('100 %').waitFor();
    await total.scrollIntoViewIfNeeded();
    await screenshot(page, 'distribution-calibration');

    const history = (await admin('get', `/photo-score/files/${flagged[0].id}`)).body.data.history;
    expect(history[0]).toMatchObject({
      decision: 'approve',
      fromStatus: 'flagged',
      toStatus: 'approved',
      by: { name: expect.stringMatching(/Ada/) },
    });
  });

  it('a reject that deletes asks first, then removes the file from the Media Library', async () => {
    expect((await admin('put', '/photo-score/settings').send({ reviewReject: 'delete' })).status).toBe(200);
    const [doomed] = await files('search=night-mistake');
    await page.goto(`${baseUrl}/admin/plugins/photo-score/library`);
    await page.getByRole('button', { name: `Open ${doomed.name}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Dimensions' }).waitFor();
    await dialog.getByRole('button', { name: 'Reject' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByText('Rejecting deletes this image and its formats from the Media Library').waitFor();
    await screenshot(page, 'review-confirm-delete');
    await confirm.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('1 image rejected and deleted').waitFor();
    await page.getByRole('button', { name: `Open ${doomed.name}` }).waitFor({ state: 'detached' });
    expect((await admin('get', `/photo-score/files/${doomed.id}`)).status).toBe(404);
    expect(await app.strapi.db.query('plugin::upload.file').findOne({ where: { id: doomed.id } })).toBeNull();
  });

  it('try a photo scores an image as an upload would, and stores nothing', async () => {
    const before = (await files('')).length;
    const file = await writeTemp(dir, 'candidate.jpg', await photo(31, 2.5, 1));
    const expected = await app.http
      .post('/photo-score/try')
      .set('Authorization', `Bearer ${app.adminToken}`)
      .attach('file', file);
    expect(expected.status).toBe(200);
    await page.goto(`${baseUrl}/admin/plugins/photo-score/try`);
    await page.getByLabel('Image to try').setInputFiles(file);
    await page.getByTestId('try-outcome').waitFor();
    await page
      .getByText(`${expected.body.data.score.toFixed(1)} · `)
      .first()
      .waitFor();
    await page.getByRole('meter', { name: 'Sharpness' }).waitFor();
    await screenshot(page, 'try-a-photo');
    await page.getByRole('heading', { name: 'Scorers' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'try-a-photo-scorers');
    expect((await files('')).length).toBe(before);
  });

  it('an editor without the review permission sees scores but no review queue, and the API refuses a review', async () => {
    const [first] = await files('');
    const asEditor = await admin('get', `/photo-score/files/${first.id}`, editorToken);
    expect({ status: asEditor.status, error: asEditor.body.error }).toEqual({ status: 200, error: undefined });
    const editor = await signIn(session.browser, baseUrl, EDITOR.email, EDITOR.password);
    await editor.goto(`${baseUrl}/admin/plugins/photo-score/review`);
    await editor.waitForURL(/\/admin\/plugins\/photo-score\/library$/);
    await editor.getByRole('tab', { name: 'Library' }).waitFor();
    expect(await editor.getByRole('tab', { name: 'Review queue' }).count()).toBe(0);
    expect(await editor.getByRole('tab', { name: 'Backfill' }).count()).toBe(0);
    await editor.getByRole('button', { name: 'Open harbour.jpg' }).click();
    await editor.getByRole('dialog').getByRole('heading', { name: 'Dimensions' }).waitFor();
    expect(await editor.getByRole('dialog').getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await screenshot(editor, 'editor-library');
    await editor.keyboard.press('Escape');

    const review = await admin('post', '/photo-score/review', editorToken).send({
      ids: [first.id],
      decision: 'approve',
    });
    expect(review.status).toBe(403);
    await editor.context().close();
  });

  it('the Vendors page offers no usage request when no vendor is configured', async () => {
    await page.goto(`${baseUrl}/admin/settings/photo-score/vendors`);
    await page.getByText('No vendor is configured').waitFor();
    expect(await page.getByRole('button', { name: 'Ask vendors for their usage' }).count()).toBe(0);
    await screenshot(page, 'settings-vendors');
    await page.goto(`${baseUrl}/admin/settings/photo-score`);
    await page.getByText('What a reviewer\u2019s reject does').waitFor();
    await screenshot(page, 'settings-thresholds', { fullPage: true });
  });

  it('the backfill panel estimates, starts and follows a backfill to its end', async () => {
    const estimate = (await admin('post', '/photo-score/backfill/estimate').send({ scope: 'all' })).body.data;
    await page.goto(`${baseUrl}/admin/plugins/photo-score/backfill`);
    await page.getByRole('combobox', { name: 'Which images' }).click();
    await page.getByRole('option', { name: 'Every image (score again)' }).click();
    await page.getByRole('button', { name: 'Estimate' }).click();
    await page.getByTestId('backfill-estimate').getByText(`${estimate.files} files would be scored`).waitFor();
    await screenshot(page, 'backfill');
    await page.getByRole('button', { name: 'Start backfill' }).click();
    const progress = page.getByTestId('backfill-progress');
    await progress.getByText('done', { exact: true }).waitFor({ timeout: 90_000 });
    await progress.getByText(`${estimate.files} of ${estimate.files} files (100 %)`, { exact: false }).waitFor();
    await screenshot(page, 'backfill-done');
    const runs = (await admin('get', '/photo-score/backfill')).body.data;
    expect(runs[0]).toMatchObject({ state: 'done', total: estimate.files });
  });
});

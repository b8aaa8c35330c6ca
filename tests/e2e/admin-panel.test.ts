import os from 'node:os';
import type { Page } from 'playwright-core';
import type { TestApp } from '../helpers/strapi';
import { openAdminPanel, screenshot, type AdminSession } from './admin-browser';
import { blurryDarkPhoto, crispPhoto, writeTemp } from '../helpers/images';

describe('the admin panel', () => {
  let session: AdminSession;
  let app: TestApp;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    session = await openAdminPanel();
    ({ app, page, baseUrl } = session);
  });
  afterAll(async () => {
    await session?.close();
  });

  const savedSettings = async () =>
    (await app.http.get('/photo-score/settings').set('Authorization', `Bearer ${app.adminToken}`)).body.data;

  it('is listed under Settings and saves the thresholds an admin types', async () => {
    await page.goto(`${baseUrl}/admin/settings`);
    await page.getByRole('link', { name: 'Thresholds' }).click();
    await page.waitForURL(/\/admin\/settings\/photo-score$/);
    const reject = page.getByLabel('Reject uploads scoring below');
    const flag = page.getByLabel('Flag uploads scoring below');
    await reject.fill('30');
    await flag.fill('55');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Photo Score settings saved').waitFor();
    await screenshot(page, 'settings-thresholds-saved');

    expect(await savedSettings()).toEqual({
      rejectBelow: 30,
      flagBelow: 55,
      onScorerError: 'accept',
      reviewReject: 'mark',
    });

    await page.reload();
    await expect(page.getByLabel('Reject uploads scoring below').inputValue()).resolves.toBe('30');
  });

  it('the Media Library shows an editor why an upload was refused, and stores the ones that pass', async () => {
    const weak = await writeTemp(os.tmpdir(), 'weak-photo.jpg', await blurryDarkPhoto());
    const good = await writeTemp(os.tmpdir(), 'good-photo.jpg', await crispPhoto());
    await page.goto(`${baseUrl}/admin/plugins/upload`);
    await page.getByText('Home (').waitFor();

    await page.locator('input[type=file]').setInputFiles(weak);
    await page.getByText(/Upload refused: "weak-photo.jpg" scored [\d.]+, below the minimum of 30/).waitFor();
    await screenshot(page, 'media-library-refusal');

    const uploaded = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/upload/files'));
    await page.locator('input[type=file]').setInputFiles(good);
    expect((await uploaded).status()).toBe(201);
    const stored = (await app.strapi.db.query('plugin::upload.file').findMany({})) as Array<{
      name: string;
      photoScoreStatus: string;
    }>;
    expect(stored.map((f) => f.name)).toEqual(['good-photo.jpg']);
    expect(['scored', 'flagged']).toContain(stored[0].photoScoreStatus);
  });

  it('explains a flag threshold below the reject threshold and saves nothing', async () => {
    await page.goto(`${baseUrl}/admin/settings/photo-score`);
    await page.getByLabel('Flag uploads scoring below').fill('10');
    await page.getByText('Must be greater than or equal to the reject threshold (30)').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Fix the highlighted fields before saving.').waitFor();

    expect((await savedSettings()).flagBelow).toBe(55);
  });
});

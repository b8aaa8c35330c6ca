import type { Page } from 'playwright-core';
import type { TestApp } from '../helpers/strapi';
import { attachAll, jpeg } from '../helpers/multipart';
import { crispPhoto } from '../helpers/images';
import { startEverypixelFake, type EverypixelFake } from '../vendors/everypixel-server';
import { startImaggaServer, IMAGGA_KEY, IMAGGA_SECRET, type ImaggaFake } from '../vendors/imagga-server';
import { openAdminPanel, screenshot, type AdminSession } from './admin-browser';

const EVERYPIXEL_SECRET = 'ep-secret-not-on-the-page-3307';

describe('the Vendors settings page', () => {
  let everypixel: EverypixelFake;
  let imagga: ImaggaFake;
  let session: AdminSession;
  let app: TestApp;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    everypixel = await startEverypixelFake({ clientId: 'ep-id', clientSecret: EVERYPIXEL_SECRET, score: 0.61 });
    imagga = await startImaggaServer();
    session = await openAdminPanel({
      PHOTO_SCORE_SCORERS: 'everypixel,local,imagga',
      PHOTO_SCORE_BUDGETS: JSON.stringify({ everypixel: { perDay: 50 } }),
      EVERYPIXEL_CLIENT_ID: 'ep-id',
      EVERYPIXEL_CLIENT_SECRET: EVERYPIXEL_SECRET,
      EVERYPIXEL_BASE_URL: `${everypixel.url}/v1`,
      EVERYPIXEL_RETRIES: '0',
      IMAGGA_API_KEY: IMAGGA_KEY,
      IMAGGA_API_SECRET: IMAGGA_SECRET,
      IMAGGA_BASE_URL: imagga.baseUrl,
    });
    ({ app, page, baseUrl } = session);
  });
  afterAll(async () => {
    await session?.close();
    await Promise.all([everypixel?.close(), imagga?.close()]);
  });

  const uploadPhoto = async (seed: number) => {
    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      jpeg(`vendor-page-${seed}.jpg`, await crispPhoto(1600, 1200, seed)),
    ]);
    expect(res.status).toBe(201);
  };

  const vendorSection = (id: string) => page.getByRole('region', { name: id, exact: true });

  it('shows what an admin pays for, lifts a quota suspension, and never shows a secret', async () => {
    everypixel.setCredits(1);
    await uploadPhoto(8101); // scored by Everypixel: 1 request of today's 50
    await uploadPhoto(8102); // Everypixel's quota is spent: suspended, the embedded scorer takes over

    await page.goto(`${baseUrl}/admin/settings`);
    await page.getByRole('link', { name: 'Vendors' }).click();
    await page.waitForURL(/\/admin\/settings\/photo-score\/vendors$/);

    const ep = vendorSection('everypixel');
    await ep.getByText('Suspended', { exact: true }).waitFor();
    await ep.getByText(/#1 \(score\), weight 1/).waitFor();
    await ep.getByText('2 of 50').waitFor(); // both requests count: the refused one may be billed too
    await ep.getByText(/^Until .*quota exhausted/i).waitFor();
    const imaggaSection = vendorSection('imagga');
    await imaggaSection.getByText(/#3 \(tags and moderation\)/).waitFor();
    await imaggaSection.getByText('8 (no limit)').first().waitFor(); // four billed calls per image

    await page.getByRole('button', { name: 'Ask vendors for their usage' }).click();
    await imaggaSection.getByText(/^\d+ of \d+ \(\d+ left\)$/).waitFor();
    await ep.getByText('This vendor does not report usage').waitFor();
    expect(await page.content()).not.toContain(EVERYPIXEL_SECRET);
    expect(await page.content()).not.toContain(IMAGGA_SECRET);
    await screenshot(page, 'settings-vendors-configured');

    everypixel.setCredits(undefined);
    await ep.getByRole('button', { name: 'Resume everypixel' }).click();
    await page.getByText('everypixel resumed').waitFor();
    await ep.getByText('Not suspended').waitFor();
    await ep.getByText('Active', { exact: true }).waitFor();
    const status = await app.http.get('/photo-score/vendors').set('Authorization', `Bearer ${app.adminToken}`);
    expect((status.body.data as Array<{ id: string; suspended: unknown }>)[0]).toMatchObject({
      id: 'everypixel',
      suspended: null,
    });
  });
});

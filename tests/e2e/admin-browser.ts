import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN, APP_DIR, startApp, type TestApp } from '../helpers/strapi';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Every page the browser tests visit is shot here (git-ignored), to be looked at after a run. */
export const SCREENSHOTS_DIR = path.join(__dirname, 'screenshots');
const VIEWPORT = { width: 1440, height: 900 };

/** A 1440×900 screenshot of what the page shows now, as `tests/e2e/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string, { fullPage = false } = {}): Promise<void> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), fullPage });
}

/** A fresh browser context signed in to the admin panel, on the home page. */
export async function signIn(browser: Browser, baseUrl: string, email: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await page.goto(`${baseUrl}/admin/auth/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL(/\/admin(\/)?$/);
  return page;
}

export interface AdminSession {
  app: TestApp;
  browser: Browser;
  /** Logged in as the super admin, on the admin home page. */
  page: Page;
  baseUrl: string;
  close(): Promise<void>;
}

/** Boots the demo app with its built admin panel on a loopback port and logs Chromium in as the super admin. */
export async function openAdminPanel(env: Record<string, string> = {}): Promise<AdminSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`browser tests need Chromium at ${CHROMIUM} (apt-get install chromium)`);
  if (!existsSync(path.join(APP_DIR, 'build', 'index.html'))) {
    throw new Error(
      'the admin panel is not built: run `npm test`, which builds it, or `npx strapi build` in tests/app',
    );
  }
  const app = await startApp(env, { adminPanel: true });
  await new Promise<void>((resolve) => app.strapi.server.httpServer.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(app.strapi.server.httpServer.address() as AddressInfo).port}`;
  // Without the background-networking flags Chromium keeps dialling out of this closed network.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  const page = await signIn(browser, baseUrl, ADMIN.email, ADMIN.password);
  return {
    app,
    browser,
    page,
    baseUrl,
    async close() {
      await browser.close();
      await app.stop();
    },
  };
}

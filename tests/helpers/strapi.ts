import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createStrapi, type Core } from '@strapi/strapi';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { attachAll, type Upload } from './multipart';

export const APP_DIR = path.resolve(__dirname, '..', 'app');

export const usingPostgres = (): boolean => process.env.DATABASE_CLIENT === 'postgres';
export const usingMariaDb = (): boolean => process.env.DATABASE_CLIENT === 'mysql';

export interface TestApp {
  strapi: Core.Strapi;
  http: TestAgent;
  /** Where the local upload provider writes, private to this app unless `publicDir` was passed. */
  uploadsDir: string;
  publicDir: string;
  /**
   * Where multipart temp files land: the real os.tmpdir(). Jest gives each test file its own
   * copy of process.env, so only the runner's TMPDIR (scripts/test.js makes a fresh one) moves it.
   */
  tmpDir: string;
  /** An admin JWT for the super admin created at boot. */
  adminToken: string;
  /** A full-access API token for the content API. */
  apiToken: string;
  stop(): Promise<void>;
}

const pgConfig = () => ({
  host: process.env.DATABASE_HOST ?? '127.0.0.1',
  port: Number(process.env.DATABASE_PORT ?? 5432),
  database: process.env.DATABASE_NAME ?? 'test',
  user: process.env.DATABASE_USERNAME ?? 'postgres',
});

async function withPg(run: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client(pgConfig());
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

async function withMariaDb(statement: string): Promise<void> {
  const connection = await createConnection({
    host: process.env.DATABASE_HOST ?? '127.0.0.1',
    port: Number(process.env.DATABASE_PORT ?? 3306),
    user: process.env.DATABASE_USERNAME ?? 'root',
    password: process.env.DATABASE_PASSWORD ?? '',
  });
  try {
    await connection.query(statement);
  } finally {
    await connection.end();
  }
}

export const ADMIN = { email: 'admin@photo-score.test', password: 'Admin-pass-1', firstname: 'Ada', lastname: 'Admin' };

/** A private database: a SQLite file, a PostgreSQL schema or a MariaDB database. */
export interface TestDatabase {
  /** What the demo app's config/database.js reads. */
  env: Record<string, string>;
  /** Set once an app has registered the super admin in it: the next app logs in instead. */
  hasAdmin: boolean;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-db-'));
  const schema = `photo_score_${randomBytes(4).toString('hex')}`;
  if (usingPostgres()) {
    await withPg((client) => client.query(`CREATE SCHEMA ${schema}`).then(() => undefined));
  }
  if (usingMariaDb()) await withMariaDb(`CREATE DATABASE ${schema}`);
  return {
    env: {
      DATABASE_FILENAME: path.join(dir, 'data.db'),
      DATABASE_SCHEMA: schema,
      ...(usingMariaDb() ? { DATABASE_NAME: schema } : {}),
    },
    hasAdmin: false,
    async drop() {
      if (usingPostgres())
        await withPg((client) => client.query(`DROP SCHEMA ${schema} CASCADE`).then(() => undefined));
      if (usingMariaDb()) await withMariaDb(`DROP DATABASE ${schema}`);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Boots the real demo app, with the plugin loaded from its built dist/, on a private database and
 * folders. Pass `database` to boot on one that outlives the app (a restart, or a second process):
 * the app then leaves it in place when it stops.
 */
export async function startApp(
  env: Record<string, string> = {},
  {
    adminPanel = false,
    database,
    publicDir: sharedPublicDir,
  }: { adminPanel?: boolean; database?: TestDatabase; publicDir?: string } = {},
): Promise<TestApp> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'photo-score-test-'));
  // A restarted app (same `database`) must find the files the first one stored.
  const publicDir = sharedPublicDir ?? path.join(root, 'public');
  const uploadsDir = path.join(publicDir, 'uploads');
  const tmpDir = os.tmpdir();
  await mkdir(uploadsDir, { recursive: true });
  const db = database ?? (await createTestDatabase());

  const saved = { ...process.env };
  Object.assign(process.env, {
    NODE_ENV: 'test',
    PUBLIC_DIR: publicDir,
    ...db.env,
    STRAPI_TELEMETRY_DISABLED: 'true',
    LOG_LEVEL: 'error',
    BROWSER: 'none',
    ...env,
  });

  const strapi = await createStrapi({
    appDir: APP_DIR,
    distDir: APP_DIR,
    autoReload: false,
    serveAdminPanel: adminPanel,
  }).load();
  await strapi.server.mount();
  const http = request(strapi.server.httpServer);

  const session = db.hasAdmin
    ? await http.post('/admin/login').send({ email: ADMIN.email, password: ADMIN.password })
    : await http.post('/admin/register-admin').send(ADMIN);
  if (session.status !== 200) {
    await strapi.destroy();
    process.env = saved;
    throw new Error(`admin sign-in answered ${session.status}: ${session.text}`);
  }
  db.hasAdmin = true;
  const adminToken: string = session.body.data.token;

  const token = await strapi
    .service('admin::api-token')
    .create({ name: `tests-${randomBytes(4).toString('hex')}`, description: '', type: 'full-access', lifespan: null });
  const apiToken = (token as { accessKey: string }).accessKey;

  return {
    strapi,
    http,
    uploadsDir,
    publicDir,
    tmpDir,
    adminToken,
    apiToken,
    async stop() {
      await strapi.destroy();
      process.env = saved;
      if (!database) await db.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** What another process of the same site (helpers/second-instance.ts) needs to find this database and these files. */
export const siteEnv = (database: TestDatabase, publicDir: string): Record<string, string> => ({
  ...database.env,
  ...(process.env.DATABASE_CLIENT ? { DATABASE_CLIENT: process.env.DATABASE_CLIENT } : {}),
  PUBLIC_DIR: publicDir,
});

/** A library as it stood before the plugin was installed: `files` uploaded, ten at a time, with the plugin off. */
export async function storeWithoutPlugin(files: Upload[], site: { database: TestDatabase; publicDir: string }) {
  const before = await startApp({ PHOTO_SCORE_ENABLED: 'false' }, site);
  try {
    for (let i = 0; i < files.length; i += 10) {
      const res = await attachAll(
        before.http.post('/api/upload').set('Authorization', `Bearer ${before.apiToken}`),
        files.slice(i, i + 10),
      );
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${res.text}`);
    }
  } finally {
    await before.stop();
  }
}

export const listFiles = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();

/** Creates an admin with one of Strapi's built-in roles (none of the plugin's permissions) and returns their JWT. */
export async function signInWithRole(app: TestApp, roleCode: 'strapi-editor' | 'strapi-author'): Promise<string> {
  const role = (await app.strapi.db.query('admin::role').findOne({ where: { code: roleCode } })) as { id: number };
  const user = { email: `${roleCode}-${randomBytes(3).toString('hex')}@photo-score.test`, password: 'Role-pass-1' };
  await app.strapi
    .service('admin::user')
    .create({ ...user, firstname: 'Role', lastname: roleCode, isActive: true, roles: [role.id] });
  const login = await app.http.post('/admin/login').send(user);
  if (login.status !== 200) throw new Error(`login as ${roleCode} answered ${login.status}: ${login.text}`);
  return login.body.data.token as string;
}

/**
 * Loads the demo app's configuration in a fresh process with these environment variables, as
 * `strapi start` would, and reports whether it got through and what it printed.
 */
export function loadAppInChildProcess(env: Record<string, string>): { loaded: boolean; output: string } {
  const boot = `require('@strapi/strapi').createStrapi({ appDir: ${JSON.stringify(APP_DIR)}, distDir: ${JSON.stringify(APP_DIR)} }).load().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })`;
  const run = spawnSync(process.execPath, ['-e', boot], {
    cwd: path.resolve(APP_DIR, '..', '..'),
    env: { ...process.env, DATABASE_FILENAME: ':memory:', STRAPI_TELEMETRY_DISABLED: 'true', ...env },
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { loaded: run.status === 0, output: `${run.stderr}${run.stdout}` };
}

/**
 * Creates a role holding exactly these RBAC actions (through Strapi's admin role service, as
 * Settings → Roles does), an active admin with it, and returns their JWT.
 */
export async function signInWithActions(app: TestApp, actions: string[]): Promise<string> {
  const roles = app.strapi.service('admin::role');
  const suffix = randomBytes(3).toString('hex');
  const role = (await roles.create({ name: `only ${actions.join(' ')} ${suffix}`, description: '' })) as { id: number };
  await roles.assignPermissions(
    role.id,
    actions.map((action) => ({ action, subject: null, properties: {}, conditions: [] })),
  );
  const user = { email: `role-${suffix}@photo-score.test`, password: 'Role-pass-1' };
  await app.strapi
    .service('admin::user')
    .create({ ...user, firstname: 'Rita', lastname: 'Reader', isActive: true, roles: [role.id] });
  const login = await app.http.post('/admin/login').send(user);
  if (login.status !== 200) throw new Error(`login with ${actions.join(', ')} answered ${login.status}: ${login.text}`);
  return login.body.data.token as string;
}

/** What a request could leave behind: file rows, stored files, multipart temp files. */
export const storageSnapshot = async (app: TestApp) => ({
  rows: (await app.strapi.db.query('plugin::upload.file').count()) as number,
  stored: await listFiles(app.uploadsDir),
  temp: await readdir(app.tmpDir),
});

/** Nothing new since `before`. Successful requests delete their temp files without waiting, so only new ones count. */
export async function expectNothingNewSince(app: TestApp, before: Awaited<ReturnType<typeof storageSnapshot>>) {
  const after = await storageSnapshot(app);
  expect(after.rows).toBe(before.rows);
  expect(after.stored).toEqual(before.stored);
  expect(after.temp.filter((name) => !before.temp.includes(name))).toEqual([]);
}

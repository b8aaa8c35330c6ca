import { startApp, type TestApp } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';
import { attachAll, jpeg } from './helpers/multipart';
import { crispPhoto } from './helpers/images';

interface PublicFile {
  id: number;
  name: string;
  photoScore: number | null;
  photoScoreClass: number | null;
  photoScoreStatus: string;
  photoScoreDetails?: { thresholds?: unknown; decision?: { status: string } };
}

const PUBLIC_FIELDS = {
  photoScore: expect.any(Number),
  photoScoreClass: expect.any(Number),
  photoScoreStatus: 'scored',
};

/**
 * What a visitor of a site sees: an article with a cover and a gallery (the demo app's
 * `api::article.article`), read with populate=* by the public role, and the Media Library's own
 * content API. Lets the public role read articles and files, uploads a photo and files an
 * article with it.
 */
async function publishArticleWithPhoto(app: TestApp): Promise<PublicFile> {
  const role = (await app.strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'public' } })) as {
    id: number;
  };
  for (const action of [
    'api::article.article.find',
    'api::article.article.findOne',
    'plugin::upload.content-api.find',
    'plugin::upload.content-api.findOne',
  ]) {
    await app.strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: role.id } });
  }
  const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
    jpeg('cover.jpg', await crispPhoto()),
  ]);
  expect(res.status).toBe(201);
  const [file] = res.body as PublicFile[];
  await app.strapi
    .documents('api::article.article')
    .create({ data: { title: 'A walk on the beach', cover: file.id, gallery: [file.id] } });
  return file;
}

const articlesQuery = (fields: string) => `{ articles { title cover { ${fields} } gallery { ${fields} } } }`;

describe('photoScoreDetails is private by default', () => {
  let app: TestApp;
  let uploaded: PublicFile;

  beforeAll(async () => {
    app = await startApp();
    uploaded = await publishArticleWithPhoto(app);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('leaves the details out of the upload answer and the files API, keeping score, class and status', async () => {
    expect(uploaded).toMatchObject(PUBLIC_FIELDS);
    expect(uploaded).not.toHaveProperty('photoScoreDetails');

    const list = await app.http.get('/api/upload/files');
    expect(list.status).toBe(200);
    expect(list.body).toEqual([expect.objectContaining(PUBLIC_FIELDS)]);
    expect(list.body[0]).not.toHaveProperty('photoScoreDetails');
    const one = await app.http.get(`/api/upload/files/${uploaded.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject(PUBLIC_FIELDS);
    expect(one.body).not.toHaveProperty('photoScoreDetails');

    // Still stored, for admins and the plugin.
    const [stored] = await withStoredDetails(app, [uploaded]);
    expect(stored.photoScoreDetails?.thresholds).toBeDefined();
  });

  it('leaves them out of a public populated media field (REST, populate=*)', async () => {
    const res = await app.http.get('/api/articles?populate=*');
    expect(res.status).toBe(200);
    const [article] = res.body.data as Array<{ cover: PublicFile; gallery: PublicFile[] }>;
    for (const file of [article.cover, ...article.gallery]) {
      expect(file).toMatchObject({ id: uploaded.id, ...PUBLIC_FIELDS });
      expect(file).not.toHaveProperty('photoScoreDetails');
    }
    // Nothing of it anywhere in the answer: no thresholds, decisions or scorer outcomes.
    expect(res.text).not.toMatch(/photoScoreDetails|thresholds|"decision"|"scorers"/);
  });

  it('has no photoScoreDetails field in GraphQL, while score, class and status are there', async () => {
    const res = await app.http
      .post('/graphql')
      .send({ query: articlesQuery('name photoScore photoScoreClass photoScoreStatus') });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.articles[0].cover).toMatchObject({ name: 'cover.jpg', ...PUBLIC_FIELDS });

    const details = await app.http.post('/graphql').send({ query: articlesQuery('name photoScoreDetails') });
    expect(details.body.data).toBeUndefined();
    expect(details.body.errors[0].message).toMatch(/Cannot query field "photoScoreDetails"/);
    const files = await app.http
      .post('/graphql')
      .set('Authorization', `Bearer ${app.apiToken}`)
      .send({ query: '{ uploadFiles { name photoScoreDetails } }' });
    expect(files.body.errors[0].message).toMatch(/Cannot query field "photoScoreDetails"/);
  });

  it("still serves them to the admin panel's Media Library API", async () => {
    const res = await app.http.get(`/upload/files/${uploaded.id}`).set('Authorization', `Bearer ${app.adminToken}`);
    expect(res.status).toBe(200);
    expect(res.body.photoScoreDetails?.thresholds).toBeDefined();
  });
});

describe('publicDetails: true serves the details to whoever may read the file', () => {
  let app: TestApp;
  let uploaded: PublicFile;

  beforeAll(async () => {
    app = await startApp({ PHOTO_SCORE_PUBLIC_DETAILS: 'true' });
    uploaded = await publishArticleWithPhoto(app);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('in the upload answer, a public populated media field and GraphQL', async () => {
    expect(uploaded.photoScoreDetails?.thresholds).toBeDefined();

    const rest = await app.http.get('/api/articles?populate=*');
    expect(rest.status).toBe(200);
    expect(rest.body.data[0].cover.photoScoreDetails?.thresholds).toBeDefined();

    const graphql = await app.http.post('/graphql').send({ query: articlesQuery('photoScore photoScoreDetails') });
    expect(graphql.body.errors).toBeUndefined();
    expect(graphql.body.data.articles[0].cover.photoScoreDetails?.thresholds).toBeDefined();
  });
});

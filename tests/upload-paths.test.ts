import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startApp, type TestApp } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';
import { uploadFromUrl, withRemoteImage } from './helpers/remote';
import { attachAll, jpeg } from './helpers/multipart';
import { blurryDarkPhoto, crispPhoto, pngPhoto, tinyPdf, writeTemp } from './helpers/images';

interface StoredFile {
  id: number;
  name: string;
  url: string;
  photoScore: number | null;
  photoScoreClass: number | null;
  photoScoreStatus: string;
  photoScoreDetails: {
    scorers?: Array<{ scorer: string; ok: boolean; score?: number; dimensions?: Record<string, number> }>;
    reason?: string;
  } | null;
}

const expectScored = (file: StoredFile) => {
  expect(file.photoScoreStatus).toBe('scored');
  expect(typeof file.photoScore).toBe('number');
  expect(file.photoScore).toBeGreaterThanOrEqual(0);
  expect(file.photoScore).toBeLessThanOrEqual(100);
  // the class is the 20-point band the score falls in
  expect(file.photoScoreClass).toBe(Math.min(5, Math.floor((file.photoScore as number) / 20) + 1));
  const local = file.photoScoreDetails?.scorers?.find((s) => s.scorer === 'local');
  expect(local?.ok).toBe(true);
  expect(Object.keys(local?.dimensions ?? {})).toEqual(
    expect.arrayContaining(['sharpness', 'exposure', 'contrast', 'colourfulness', 'noise', 'resolution']),
  );
};

describe('every upload path scores images before they are stored', () => {
  let app: TestApp;
  let crisp: Buffer;
  let blurry: Buffer;

  beforeAll(async () => {
    app = await startApp();
    crisp = await crispPhoto();
    blurry = await blurryDarkPhoto();
  });
  afterAll(async () => {
    await app?.stop();
  });

  const fetchFile = async (id: number): Promise<StoredFile> => {
    const res = await app.http.get(`/api/upload/files/${id}`).set('Authorization', `Bearer ${app.apiToken}`);
    expect(res.status).toBe(200);
    return (await withStoredDetails(app, [res.body as StoredFile]))[0];
  };

  it('REST POST /api/upload scores several files at once and saves the scores on the assets', async () => {
    const png = await pngPhoto();
    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      jpeg('crisp.jpg', crisp),
      jpeg('blurry.jpg', blurry),
      { name: 'poster.png', bytes: png, contentType: 'image/png' },
    ]);
    expect(res.status).toBe(201);
    const files = await withStoredDetails(app, res.body as StoredFile[]);
    expect(files.map((f) => f.name)).toEqual(['crisp.jpg', 'blurry.jpg', 'poster.png']);
    files.forEach(expectScored);

    // a person would rank the crisp photo above the blurred, underexposed copy
    const [crispFile, blurryFile] = files;
    expect(crispFile.photoScore).toBeGreaterThan(blurryFile.photoScore as number);

    // what came back is what was stored
    const stored = await fetchFile(crispFile.id);
    expect(stored.photoScore).toBe(crispFile.photoScore);
    expect(stored.photoScoreClass).toBe(crispFile.photoScoreClass);
    expect(stored.photoScoreStatus).toBe('scored');
  });

  it('admin POST /upload (Media Library) scores the image', async () => {
    const res = await attachAll(app.http.post('/upload').set('Authorization', `Bearer ${app.adminToken}`), [
      jpeg('from-admin.jpg', crisp),
    ]);
    expect(res.status).toBe(201);
    const [file] = res.body as StoredFile[];
    expectScored(file);
  });

  it('admin POST /upload/files (the new Media Library, one file per request) scores the image', async () => {
    const res = await attachAll(app.http.post('/upload/files').set('Authorization', `Bearer ${app.adminToken}`), [
      jpeg('from-new-library.jpg', crisp),
    ]);
    expect(res.status).toBe(201);
    expectScored(await fetchFile((res.body as StoredFile).id));
  });

  it('admin upload from URL scores the fetched image', async () => {
    const summary = await withRemoteImage(crisp, (url) => uploadFromUrl(app.http, app.adminToken, url));
    expect(summary.errors).toEqual([]);
    expect(summary.data).toHaveLength(1);
    expectScored(await fetchFile(summary.data[0].id));
  });

  it('replace (POST /api/upload?id=) rescores the new bytes on the same asset', async () => {
    const created = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      jpeg('to-replace.jpg', crisp),
    ]);
    const original = (created.body as StoredFile[])[0];

    const replaced = await attachAll(
      app.http.post(`/api/upload?id=${original.id}`).set('Authorization', `Bearer ${app.apiToken}`),
      [jpeg('to-replace.jpg', blurry)],
    );
    expect(replaced.status).toBe(200);
    const file = await fetchFile(original.id);
    expectScored(file);
    expect(file.photoScore).toBeLessThan(original.photoScore as number);
  });

  it("programmatic upload() through the service scores the image and leaves the caller's file alone", async () => {
    const filepath = await writeTemp(app.tmpDir, 'programmatic.jpg', crisp);
    const [file] = (await app.strapi
      .plugin('upload')
      .service('upload')
      .upload({
        data: { fileInfo: { alternativeText: 'made in code' } },
        files: { filepath, originalFilename: 'programmatic.jpg', mimetype: 'image/jpeg', size: crisp.length },
      })) as StoredFile[];
    expectScored(file);
    expect(existsSync(filepath)).toBe(true);
  });

  it('HEIC photos (what iPhones shoot) are decoded and scored', async () => {
    const heic = await readFile(path.join(__dirname, 'fixtures', 'photo.heic'));
    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      { name: 'iphone.heic', bytes: heic, contentType: 'image/heic' },
    ]);
    expect(res.status).toBe(201);
    const [file] = await withStoredDetails(app, res.body as StoredFile[]);
    expectScored(file);
    expect(file.photoScoreDetails).toMatchObject({ image: { format: 'heif', width: 400, height: 300 } });
  });

  it('non-image files are stored untouched with status skipped', async () => {
    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      { name: 'terms.pdf', bytes: tinyPdf(), contentType: 'application/pdf' },
    ]);
    expect(res.status).toBe(201);
    const [file] = res.body as StoredFile[];
    expect(file.photoScoreStatus).toBe('skipped');
    expect(file.photoScore).toBeNull();
    expect(file.photoScoreClass).toBeNull();
  });

  it('rows written around the upload service are marked unscored', async () => {
    const row = (await app.strapi.db.query('plugin::upload.file').create({
      data: {
        name: 'imported.jpg',
        hash: 'imported_hash',
        ext: '.jpg',
        mime: 'image/jpeg',
        size: 12.3,
        url: '/uploads/imported.jpg',
        provider: 'local',
        folderPath: '/',
      },
    })) as StoredFile;
    expect(row.photoScoreStatus).toBe('unscored');
    expect(row.photoScore).toBeNull();
  });

  it('front ends rank and filter assets by score through REST', async () => {
    const res = await app.http
      .get('/api/upload/files?sort=photoScore:desc&filters[photoScoreClass][$gte]=2')
      .set('Authorization', `Bearer ${app.apiToken}`);
    expect(res.status).toBe(200);
    const files = res.body as StoredFile[];
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file.photoScoreClass).toBeGreaterThanOrEqual(2);
    const scores = files.map((f) => f.photoScore as number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const all = await app.http.get('/api/upload/files').set('Authorization', `Bearer ${app.apiToken}`);
    const expected = (all.body as StoredFile[]).filter((f) => (f.photoScoreClass ?? 0) >= 2).length;
    expect(files).toHaveLength(expected);
  });

  it('front ends rank and filter assets by score through GraphQL', async () => {
    const query = `{
      uploadFiles(filters: { photoScoreClass: { gte: 2 } }, sort: "photoScore:desc") {
        name photoScore photoScoreClass photoScoreStatus
      }
    }`;
    const res = await app.http.post('/graphql').set('Authorization', `Bearer ${app.apiToken}`).send({ query });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const files = res.body.data.uploadFiles as StoredFile[];
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file.photoScoreClass).toBeGreaterThanOrEqual(2);
    const scores = files.map((f) => f.photoScore as number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const rest = await app.http
      .get('/api/upload/files?sort=photoScore:desc&filters[photoScoreClass][$gte]=2')
      .set('Authorization', `Bearer ${app.apiToken}`);
    // Equal scores may come in any order: compare the scores in order and the files as a set.
    const restFiles = rest.body as StoredFile[];
    expect(scores).toEqual(restFiles.map((f) => f.photoScore));
    expect(files.map((f) => f.name).sort()).toEqual(restFiles.map((f) => f.name).sort());
  });
});

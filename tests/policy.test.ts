import { expectNothingNewSince, startApp, storageSnapshot, type TestApp } from './helpers/strapi';
import { uploadFromUrl, withRemoteImage } from './helpers/remote';
import { attachAll, jpeg, type Upload } from './helpers/multipart';
import { blurryDarkPhoto, corruptJpeg, crispPhoto, pngClaiming } from './helpers/images';

interface StoredFile {
  id: number;
  name: string;
  photoScore: number | null;
  photoScoreStatus: string;
}

/** A 2×2 24-bit BMP: a real image that sharp's libvips cannot decode. */
const tinyBmp = (): Buffer => {
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + 16, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(16, 34);
  return Buffer.concat([header, Buffer.alloc(16, 0x80)]);
};

describe('the policy accepts, flags or refuses uploads, and a refusal leaves nothing behind', () => {
  let app: TestApp;
  let crisp: Buffer;
  let blurry: Buffer;
  let crispScore: number;
  let blurryScore: number;

  const upload = (uploads: Upload[]) =>
    attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), uploads);

  const setSettings = async (body: Record<string, unknown>) => {
    const res = await app.http.put('/photo-score/settings').set('Authorization', `Bearer ${app.adminToken}`).send(body);
    expect(res.status).toBe(200);
  };

  const snapshot = () => storageSnapshot(app);
  const expectNothingNew = (before: Awaited<ReturnType<typeof snapshot>>) => expectNothingNewSince(app, before);

  beforeAll(async () => {
    app = await startApp();
    crisp = await crispPhoto();
    blurry = await blurryDarkPhoto();
    const res = await upload([jpeg('crisp.jpg', crisp), jpeg('blurry.jpg', blurry)]);
    expect(res.status).toBe(201);
    // By name: Strapi's answer may list the files in the order it finished storing them.
    const scoreOf = (name: string) => (res.body as StoredFile[]).find((f) => f.name === name)?.photoScore as number;
    [crispScore, blurryScore] = [scoreOf('crisp.jpg'), scoreOf('blurry.jpg')];
    expect(crispScore).toBeGreaterThan(blurryScore);
  });
  afterEach(async () => {
    await setSettings({ rejectBelow: null, flagBelow: null, onScorerError: 'accept' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('refuses an image below rejectBelow with a 400 naming the file, its score and the threshold, and stores nothing', async () => {
    const threshold = Math.ceil(crispScore) + 1;
    await setSettings({ rejectBelow: threshold });
    const before = await snapshot();

    const res = await upload([jpeg('too-weak.jpg', crisp)]);

    expect(res.status).toBe(400);
    const message: string = res.body.error.message;
    expect(message).toContain('too-weak.jpg');
    expect(message).toContain(String(crispScore));
    expect(message).toContain(String(threshold));
    await expectNothingNew(before);
  });

  it('refuses a whole multi-file request when one file is below the threshold', async () => {
    await setSettings({ rejectBelow: (crispScore + blurryScore) / 2 });
    const before = await snapshot();

    const res = await upload([jpeg('good-one.jpg', crisp), jpeg('bad-one.jpg', blurry)]);

    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('bad-one.jpg');
    expect(res.body.error.message).not.toContain('good-one.jpg');
    expect(res.body.error.details.rejected).toEqual([
      expect.objectContaining({ file: 'bad-one.jpg', score: blurryScore }),
    ]);
    await expectNothingNew(before);
  });

  it('refuses a Media Library upload from URL below rejectBelow, stores nothing, and says why', async () => {
    await setSettings({ rejectBelow: Math.ceil(crispScore) + 1 });
    const before = await snapshot();

    const summary = await withRemoteImage(crisp, (url) => uploadFromUrl(app.http, app.adminToken, url));

    expect(summary.data).toEqual([]);
    expect(summary.errors).toHaveLength(1);
    expect(summary.errors[0].message).toContain('remote-photo.jpg');
    expect(summary.errors[0].message).toContain(`below the minimum of ${Math.ceil(crispScore) + 1}`);
    await expectNothingNew(before);
  });

  it('accepts an image exactly at the threshold', async () => {
    await setSettings({ rejectBelow: crispScore });
    const res = await upload([jpeg('at-threshold.jpg', crisp)]);
    expect(res.status).toBe(201);
  });

  it('stores an image below flagBelow with status flagged', async () => {
    await setSettings({ flagBelow: Math.ceil(crispScore) + 1 });
    const res = await upload([jpeg('review-me.jpg', crisp)]);
    expect(res.status).toBe(201);
    expect((res.body as StoredFile[])[0].photoScoreStatus).toBe('flagged');
  });

  it('a refused replace leaves the existing asset as it was', async () => {
    const created = await upload([jpeg('keeper.jpg', crisp)]);
    const original = (created.body as StoredFile[])[0];
    await setSettings({ rejectBelow: (crispScore + blurryScore) / 2 });
    const before = await snapshot();

    const res = await attachAll(
      app.http.post(`/api/upload?id=${original.id}`).set('Authorization', `Bearer ${app.apiToken}`),
      [jpeg('keeper.jpg', blurry)],
    );

    expect(res.status).toBe(400);
    const row = (await app.strapi.db
      .query('plugin::upload.file')
      .findOne({ where: { id: original.id } })) as StoredFile;
    expect(row.photoScore).toBe(crispScore);
    await expectNothingNew(before);
  });

  it('answers a corrupt image with a clear 400, never a 500, and stores nothing', async () => {
    const before = await snapshot();
    const res = await upload([jpeg('broken.jpg', corruptJpeg())]);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('broken.jpg');
    expect(res.body.error.message).toMatch(/not a readable image/);
    await expectNothingNew(before);
  });

  it('refuses an image above maxInputPixels with a 413 before decoding it', async () => {
    const before = await snapshot();
    const res = await upload([{ name: 'bomb.png', bytes: pngClaiming(20000, 20000), contentType: 'image/png' }]);
    expect(res.status).toBe(413);
    expect(res.body.error.message).toContain('bomb.png');
    expect(res.body.error.message).toContain('declares 20000×20000 pixels (400,000,000)');
    expect(res.body.error.message).toContain('250,000,000 pixels');
    expect(res.body.error.message).toContain('maxInputPixels');
    await expectNothingNew(before);
  });

  it('refuses an SVG (with script) declared as a PNG, and stores nothing under the wrong type', async () => {
    const before = await snapshot();
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(1)</script><rect width="64" height="64"/></svg>',
    );
    const res = await upload([{ name: 'logo.png', bytes: svg, contentType: 'image/png' }]);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('"logo.png" is declared image/png but is an SVG document');
    await expectNothingNew(before);
  });

  it('Strapi’s own refusal of a file name leaves no temp file behind either', async () => {
    const before = await snapshot();
    const res = await upload([jpeg('bad<name>.jpg', crisp)]);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/invalid characters/i);
    await expectNothingNew(before);
  });

  it('a text file posing as a JPEG is a 400', async () => {
    const res = await upload([jpeg('notes.jpg', Buffer.from('these are not pixels\n'.repeat(50)))]);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('notes.jpg');
  });

  it('an image the scorer cannot decode is stored as failed by default, refused when onScorerError is reject', async () => {
    const accepted = await upload([{ name: 'scan.bmp', bytes: tinyBmp(), contentType: 'image/bmp' }]);
    expect(accepted.status).toBe(201);
    const [file] = accepted.body as StoredFile[];
    expect(file.photoScoreStatus).toBe('failed');
    expect(file.photoScore).toBeNull();

    await setSettings({ onScorerError: 'reject' });
    const before = await snapshot();
    const refused = await upload([{ name: 'scan2.bmp', bytes: tinyBmp(), contentType: 'image/bmp' }]);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('scan2.bmp');
    expect(refused.body.error.message).toMatch(/could not be scored/);
    await expectNothingNew(before);
  });
});

import sharp from 'sharp';
import { startApp, type TestApp } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';
import { attachAll, jpeg, type Upload } from './helpers/multipart';
import { crispPhoto } from './helpers/images';

interface StoredFile {
  id: number;
  name: string;
  photoScore: number | null;
  photoScoreDetails: {
    reasons?: Record<string, string>;
    scorers?: Array<{ scorer: string; monochrome?: boolean; dimensions?: Record<string, number> }>;
  } | null;
}

const png = (name: string, bytes: Buffer): Upload => ({ name, bytes, contentType: 'image/png' });

describe('size is weighed honestly, low scores say why, black-and-white photos are not colour failures', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  const upload = async (files: Upload[]): Promise<StoredFile[]> => {
    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), files);
    expect(res.status).toBe(201);
    // In the order sent: the response's order follows the multipart parse, not the request.
    const stored = await withStoredDetails(app, res.body as StoredFile[]);
    return files.map((file) => {
      const match = stored.find((entry) => entry.name === file.name);
      if (!match) throw new Error(`${file.name} is missing from the upload response`);
      return match;
    });
  };

  it('scores a 1/8-size copy below the photo and says it is small; a tiny image scores at most 40 and says why', async () => {
    const photo = await crispPhoto(3200, 2400);
    const eighth = await sharp(photo).resize(400, 300).jpeg({ quality: 90 }).toBuffer();
    const tiny = await sharp(photo).resize(64, 64, { fit: 'fill' }).png().toBuffer();
    const [original, copy, thumbnail] = await upload([
      jpeg('photo.jpg', photo),
      jpeg('eighth.jpg', eighth),
      png('tiny.png', tiny),
    ]);

    expect(copy.photoScore as number).toBeLessThan(original.photoScore as number);
    expect(copy.photoScoreDetails?.reasons?.resolution).toMatch(
      /^small: 0\.12 MP \(400×300 px\), below the 2 MP target.*: −\d+\.\d points$/,
    );
    expect(original.photoScoreDetails?.reasons?.resolution).toBeUndefined();

    expect(thumbnail.photoScore as number).toBeLessThanOrEqual(40);
    expect(thumbnail.photoScoreDetails?.reasons?.resolution).toMatch(
      /^small: 0\.0041 MP \(64×64 px\).*under 0\.05 MP at most 40/,
    );
  });

  it('judges a greyscale copy as black and white: no colour reason, colour readings marked as not applying', async () => {
    const photo = await crispPhoto(1600, 1200, 3);
    const grey = await sharp(photo).greyscale().jpeg({ quality: 90 }).toBuffer();
    const [colourFile, greyFile] = await upload([jpeg('colour.jpg', photo), jpeg('grey.jpg', grey)]);

    const reasons = greyFile.photoScoreDetails?.reasons ?? {};
    expect(reasons.colourfulness).toBeUndefined();
    expect(reasons.saturation).toBeUndefined();
    expect(Object.values(reasons).join(' ')).not.toMatch(/colour/);
    const local = greyFile.photoScoreDetails?.scorers?.find((outcome) => outcome.scorer === 'local');
    expect(local?.monochrome).toBe(true);
    expect(local?.dimensions?.colourfulness).toBe(50);
    expect(
      colourFile.photoScoreDetails?.scorers?.find((outcome) => outcome.scorer === 'local')?.monochrome,
    ).toBeUndefined();
  });
});

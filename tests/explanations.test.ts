import sharp from 'sharp';
import { startApp, type TestApp } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';
import { attachAll, jpeg } from './helpers/multipart';
import { crispPhoto } from './helpers/images';

interface StoredFile {
  id: number;
  name: string;
  photoScore: number | null;
  photoScoreDetails: {
    reasons?: Record<string, string>;
    scorers?: Array<{ scorer: string; reasons?: Record<string, string> }>;
  } | null;
}

describe('uploads carry short reasons for what pulled their score down', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('says a blurred photo is out of focus and an overexposed one how much is clipped; a crisp one gets none of these', async () => {
    const crisp = await crispPhoto();
    const blurred = await sharp(crisp).blur(10).jpeg({ quality: 90 }).toBuffer();
    const overexposed = await sharp(crisp).linear(1.8, 110).jpeg({ quality: 90 }).toBuffer();
    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      jpeg('crisp.jpg', crisp),
      jpeg('blurred.jpg', blurred),
      jpeg('overexposed.jpg', overexposed),
    ]);
    expect(res.status).toBe(201);
    const [crispFile, blurredFile, overexposedFile] = await withStoredDetails(app, res.body as StoredFile[]);

    expect(blurredFile.photoScoreDetails?.reasons?.sharpness).toMatch(/out of focus/);
    expect(overexposedFile.photoScoreDetails?.reasons?.exposure).toMatch(
      /^overexposed: \d+(\.\d)? % of pixels clipped$/,
    );
    expect(crispFile.photoScoreDetails?.reasons?.sharpness).toBeUndefined();
    expect(crispFile.photoScoreDetails?.reasons?.exposure).toBeUndefined();

    // The reasons come from the embedded scorer and are kept with its outcome too.
    const local = blurredFile.photoScoreDetails?.scorers?.find((outcome) => outcome.scorer === 'local');
    expect(local?.reasons?.sharpness).toBe(blurredFile.photoScoreDetails?.reasons?.sharpness);
  });
});

import sharp from 'sharp';
import { startApp, type TestApp } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';
import { attachAll, jpeg } from './helpers/multipart';
import { crispPhoto } from './helpers/images';

interface StoredFile {
  id: number;
  name: string;
  photoScore: number;
  photoScoreDetails: {
    reasons?: Record<string, string>;
    scorers?: Array<{ scorer: string; opinion?: number; penalties?: Record<string, number> }>;
  };
}

/** Seeded Gaussian grain of σ `sigma` levels on every channel, as a high-ISO sensor adds. */
async function withGrain(photo: Buffer, sigma: number): Promise<Buffer> {
  const { data, info } = await sharp(photo).raw().toBuffer({ resolveWithObject: true });
  let state = 2026;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  for (let i = 0; i < data.length; i++) {
    const gaussian = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    data[i] = Math.max(0, Math.min(255, Math.round(data[i] + sigma * gaussian)));
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
}

/**
 * Damage a 512 px overview cannot see at this size (4.3 MP): the plugin reads it at 100 % and
 * from the JPEG's own tables, so each damaged copy scores below its photo, and says why.
 */
describe('damage at 100 % costs points a thumbnail-sized look would miss', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('scores a noisy copy, a recompressed copy and an overexposed copy below the photo, with reasons', async () => {
    const photo = await crispPhoto(2400, 1800, 5);
    const noisy = await withGrain(photo, 12);
    const recompressed = await sharp(photo).jpeg({ quality: 15 }).toBuffer();
    // A third of a stop brighter in linear light, clipped: some highlights burn out.
    const overexposed = await sharp(photo).gamma(2.2, 1).linear(1.26, 0).gamma(1, 2.2).jpeg({ quality: 92 }).toBuffer();

    const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
      jpeg('photo.jpg', photo),
      jpeg('noisy.jpg', noisy),
      jpeg('recompressed.jpg', recompressed),
      jpeg('overexposed.jpg', overexposed),
    ]);
    expect(res.status).toBe(201);
    // By name: the response follows the multipart parse's order, not the request's.
    const stored = await withStoredDetails(app, res.body as StoredFile[]);
    const byName = (name: string): StoredFile => {
      const file = stored.find((entry) => entry.name === name);
      if (!file) throw new Error(`${name} is missing from the upload response`);
      return file;
    };
    const [original, grainy, blocky, bright] = ['photo.jpg', 'noisy.jpg', 'recompressed.jpg', 'overexposed.jpg'].map(byName);

    expect(grainy.photoScore).toBeLessThan(original.photoScore);
    expect(blocky.photoScore).toBeLessThan(original.photoScore);
    expect(bright.photoScore).toBeLessThan(original.photoScore);

    expect(grainy.photoScoreDetails.reasons?.noise).toMatch(/noisy/);
    expect(blocky.photoScoreDetails.reasons?.compression).toMatch(/JPEG quality about 1[0-9]/);
    expect(bright.photoScoreDetails.reasons?.exposure).toMatch(/^overexposed/);

    // What the model said and what each cause took off are kept with the embedded scorer's outcome.
    const local = grainy.photoScoreDetails.scorers?.find((outcome) => outcome.scorer === 'local');
    expect(local?.penalties?.noise).toBeGreaterThan(0);
    expect(local?.opinion).toBeGreaterThan(grainy.photoScore);
    expect(original.photoScoreDetails.reasons?.noise).toBeUndefined();
    expect(original.photoScoreDetails.reasons?.compression).toBeUndefined();
  });
});

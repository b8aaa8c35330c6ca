import sharp from 'sharp';

import { blurryDarkPhoto, crispPhoto, pngPhoto } from '../../../tests/helpers/images';
import { decodeWorkingImage } from '../prepare/decode';
import { detectContent } from './content';

const logoSvg = (fill: string, side = 256): Buffer =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}">
      <circle cx="${side / 2}" cy="${side * 0.42}" r="${side * 0.3}" fill="${fill}"/>
      <text x="50%" y="92%" text-anchor="middle" font-family="sans-serif" font-weight="bold" font-size="${side * 0.13}" fill="${fill}">acme</text>
    </svg>`,
  );

/** A UI-like page: sidebar, cards, table rows, text. */
const screenshotSvg = (width = 1280, height = 800): Buffer => {
  const rows = Array.from(
    { length: 12 },
    (_, i) =>
      `<rect x="300" y="${260 + i * 40}" width="940" height="39" fill="${i % 2 ? '#ffffff' : '#f6f6f9'}"/>
       <text x="320" y="${285 + i * 40}" font-family="sans-serif" font-size="14" fill="#32324d">photo-${i}.jpg   ${(i * 7.3).toFixed(1)}   scored</text>`,
  ).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
      <rect width="100%" height="100%" fill="#f6f6f9"/>
      <rect width="240" height="100%" fill="#ffffff"/>
      <rect x="16" y="80" width="208" height="36" rx="4" fill="#4945ff"/>
      <text x="30" y="104" font-family="sans-serif" font-size="15" fill="#fff">Media Library</text>
      <text x="30" y="150" font-family="sans-serif" font-size="15" fill="#32324d">Content Manager</text>
      <text x="300" y="60" font-family="sans-serif" font-size="28" font-weight="bold" fill="#32324d">Photo Score</text>
      <rect x="300" y="100" width="280" height="120" rx="6" fill="#fff" stroke="#eaeaef"/>
      <text x="320" y="140" font-family="sans-serif" font-size="14" fill="#666687">Uploads</text>
      <text x="320" y="190" font-family="sans-serif" font-size="36" font-weight="bold" fill="#32324d">1,284</text>
      ${rows}
    </svg>`,
  );
};

const verdictOf = async (bytes: Buffer) => detectContent(await decodeWorkingImage(bytes));

describe('content detector', () => {
  it('calls a transparent logo and a screenshot (PNG and JPEG) "graphic", with the evidence', async () => {
    const logo = await sharp(logoSvg('#e63946')).png().toBuffer();
    const screenshot = await sharp(screenshotSvg()).png().toBuffer();
    const screenshotJpeg = await sharp(screenshotSvg()).jpeg({ quality: 80 }).toBuffer();
    for (const bytes of [logo, screenshot, screenshotJpeg]) {
      const verdict = await verdictOf(bytes);
      expect(verdict.content).toBe('graphic');
      expect(verdict.confidence).toBeGreaterThanOrEqual(0.5);
      expect(verdict.why.length).toBeGreaterThan(10);
    }
    expect((await verdictOf(logo)).why).toMatch(/transparent background/);
  });

  it('keeps the synthetic photos the suites upload photos, at every size they use', async () => {
    const photos = [
      await crispPhoto(),
      await crispPhoto(1600, 1200, 41),
      await crispPhoto(640, 480, 3),
      await crispPhoto(40, 30, 7501),
      await blurryDarkPhoto(),
      // explanations.test.ts's blurred photo
      await sharp(await crispPhoto()).blur(10).jpeg({ quality: 90 }).toBuffer(),
      await pngPhoto(),
    ];
    for (const bytes of photos) expect((await verdictOf(bytes)).content).toBe('photo');
  });
});

describe('transparency is flattened as people see it', () => {
  it('puts a black logo on white, not on the black its transparent pixels hold', async () => {
    const image = await decodeWorkingImage(await sharp(logoSvg('#000000')).png().toBuffer());
    expect(image.transparency?.background).toBe('#ffffff');
    expect(image.transparency?.share).toBeGreaterThan(0.5);
    // The corner is transparent in the file: it must read white.
    expect([...image.data.subarray(0, 3)]).toEqual([255, 255, 255]);
  });

  it('puts a white logo on dark grey, where it can be seen', async () => {
    const image = await decodeWorkingImage(await sharp(logoSvg('#ffffff')).png().toBuffer());
    expect(image.transparency?.background).toBe('#202020');
    expect([...image.data.subarray(0, 3)]).toEqual([32, 32, 32]);
  });

  it('leaves opaque images as they were, with no transparency recorded', async () => {
    const image = await decodeWorkingImage(await crispPhoto(320, 240));
    expect(image.transparency).toBeUndefined();
  });
});

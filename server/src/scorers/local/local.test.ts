import sharp from 'sharp';

import { decodeWorkingImage, UnreadableImageError, type WorkingImage } from '../../prepare/decode';
import { extractFeatures } from './features';
import { DIMENSION_NAMES, LOCAL_MODEL_VERSION, scoreLocal } from './index';

const WIDTH = 480;
const HEIGHT = 360;

/** Deterministic PRNG (mulberry32) so noisy fixtures are identical on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller. */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Fine texture (think foliage, fabric): smoothed deterministic noise, as a PNG. */
async function texture(seed: number): Promise<Buffer> {
  const random = seededRandom(seed);
  const pixels = Buffer.alloc(WIDTH * HEIGHT);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, 128 + 40 * gaussian(random)));
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 1 } })
    .blur(0.8)
    .png()
    .toBuffer();
}

/** A "natural-ish" scene: sky gradient, ground, sun, a house, text, with fine texture. */
async function naturalScene(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
    <defs>
      <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="#2f6fd0"/><stop offset="1" stop-color="#cfe3f7"/>
      </linearGradient>
      <linearGradient id="ground" x1="0" y1="0" x2="1" y2="1">
        <stop offset="0" stop-color="#3f7d2a"/><stop offset="1" stop-color="#a4b83c"/>
      </linearGradient>
    </defs>
    <rect width="${WIDTH}" height="${HEIGHT}" fill="url(#sky)"/>
    <circle cx="380" cy="70" r="38" fill="#ffd84a"/>
    <path d="M0 230 Q120 190 240 225 T480 215 V360 H0 Z" fill="url(#ground)"/>
    <rect x="90" y="160" width="120" height="100" fill="#b5452f" stroke="#2b1d14" stroke-width="4"/>
    <polygon points="80,162 150,110 220,162" fill="#5a3a28"/>
    <rect x="135" y="205" width="30" height="55" fill="#e8d7a8"/>
    <rect x="280" y="240" width="150" height="70" fill="#eeeeee" stroke="#222" stroke-width="3"/>
    <text x="292" y="285" font-family="sans-serif" font-size="28" fill="#111">Photo 42</text>
  </svg>`;
  return sharp(Buffer.from(svg))
    .composite([{ input: await texture(7), blend: 'soft-light' }])
    .png()
    .toBuffer();
}

function withGaussianNoise(image: WorkingImage, sigma: number, seed: number): WorkingImage {
  const random = seededRandom(seed);
  const data = Buffer.alloc(image.data.length);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.max(0, Math.min(255, Math.round(image.data[i] + sigma * gaussian(random))));
  }
  return { ...image, data };
}

let sceneBytes: Buffer;
let scene: WorkingImage;

beforeAll(async () => {
  sceneBytes = await naturalScene();
  scene = await decodeWorkingImage(sceneBytes);
});

describe('decodeWorkingImage', () => {
  it('decodes to 8-bit RGB within maxSide and keeps the original size', async () => {
    const large = await sharp(sceneBytes).resize(1600, 1200).jpeg({ quality: 90 }).toBuffer();
    const image = await decodeWorkingImage(large, 512);
    expect(image).toMatchObject({ width: 512, height: 384, originalWidth: 1600, originalHeight: 1200, format: 'jpeg' });
    expect(image.data.length).toBe(512 * 384 * 3);
  });

  it('never enlarges a small image', async () => {
    const image = await decodeWorkingImage(sceneBytes, 1024);
    expect([image.width, image.height]).toEqual([WIDTH, HEIGHT]);
  });

  it('applies EXIF orientation to both the pixels and the original size', async () => {
    const rotated = await sharp(sceneBytes).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeWorkingImage(rotated);
    expect([image.width, image.height, image.originalWidth, image.originalHeight]).toEqual([
      HEIGHT,
      WIDTH,
      HEIGHT,
      WIDTH,
    ]);
  });

  it('drops alpha and converts greyscale to RGB', async () => {
    const greyWithAlpha = await sharp(sceneBytes).greyscale().ensureAlpha(0.5).png().toBuffer();
    const image = await decodeWorkingImage(greyWithAlpha);
    expect(image.data.length).toBe(image.width * image.height * 3);
  });

  it.each([
    ['text', Buffer.from('definitely not an image')],
    ['empty input', Buffer.alloc(0)],
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
  ])('throws UnreadableImageError for %s', async (_name, bytes) => {
    await expect(decodeWorkingImage(bytes)).rejects.toBeInstanceOf(UnreadableImageError);
  });

  it('throws UnreadableImageError for a truncated JPEG', async () => {
    const jpeg = await sharp(sceneBytes).jpeg({ quality: 90 }).toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    await expect(decodeWorkingImage(truncated)).rejects.toThrow(UnreadableImageError);
  });

  it('throws UnreadableImageError for a missing file', async () => {
    await expect(decodeWorkingImage('/nonexistent/photo.jpg')).rejects.toThrow(/Cannot read image/);
  });

  it('refuses images above the pixel limit before decoding them', async () => {
    await expect(decodeWorkingImage(sceneBytes, 512, { maxInputPixels: 1000 })).rejects.toThrow(UnreadableImageError);
  });
});

describe('scoreLocal', () => {
  it('returns a 0–100 score with one decimal, integer dimensions and the model version', () => {
    const result = scoreLocal(scene);
    expect(result.score).toBeGreaterThanOrEqual(0);
    expect(result.score).toBeLessThanOrEqual(100);
    expect(Math.round(result.score * 10) / 10).toBe(result.score);
    expect(Object.keys(result.dimensions).sort()).toEqual([...DIMENSION_NAMES].sort());
    for (const value of Object.values(result.dimensions)) {
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(100);
    }
    expect(result.version).toBe(LOCAL_MODEL_VERSION);
  });

  it('is deterministic, whatever was scored before it', async () => {
    const first = extractFeatures(scene).raw;
    const again = await decodeWorkingImage(sceneBytes);
    expect(scoreLocal(again)).toEqual(scoreLocal(scene));
    // Scratch planes are reused between images: a larger, then a smaller image must not leak into the next.
    extractFeatures(await decodeWorkingImage(await sharp(sceneBytes).resize(700, 520).png().toBuffer(), 700));
    extractFeatures(withGaussianNoise(await decodeWorkingImage(sceneBytes, 200), 20, 5));
    expect(extractFeatures(again).raw).toEqual(first);
  });

  it('rates a blurred copy less sharp and lower overall', async () => {
    const blurred = await decodeWorkingImage(await sharp(sceneBytes).blur(3).png().toBuffer());
    const original = scoreLocal(scene);
    const soft = scoreLocal(blurred);
    expect(soft.dimensions.sharpness).toBeLessThan(original.dimensions.sharpness);
    expect(soft.score).toBeLessThan(original.score);
  });

  it('rates an overexposed copy lower on exposure', async () => {
    const overexposed = await decodeWorkingImage(await sharp(sceneBytes).linear(1.7, 90).png().toBuffer());
    expect(scoreLocal(overexposed).dimensions.exposure).toBeLessThan(scoreLocal(scene).dimensions.exposure);
  });

  it('rates an underexposed copy lower on exposure', async () => {
    const dark = await decodeWorkingImage(await sharp(sceneBytes).linear(0.25, 0).png().toBuffer());
    expect(scoreLocal(dark).dimensions.exposure).toBeLessThan(scoreLocal(scene).dimensions.exposure);
  });

  it('rates a flat grey image low on contrast and sharpness, and judges it as black and white', async () => {
    const grey = await sharp({
      create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: 128, g: 128, b: 128 } },
    })
      .png()
      .toBuffer();
    const { dimensions, monochrome } = scoreLocal(await decodeWorkingImage(grey));
    expect(dimensions.contrast).toBeLessThan(10);
    // No colour at all: monochrome, its colour readings neutral (size.ts / measureMonochrome).
    expect(monochrome).toBe(true);
    expect(dimensions.colourfulness).toBe(50);
    expect(dimensions.sharpness).toBeLessThan(20);
    const original = scoreLocal(scene).dimensions;
    expect(original.contrast).toBeGreaterThan(40);
    expect(original.colourfulness).toBeGreaterThan(40);
  });

  it('rates a copy with added noise lower on the noise dimension', () => {
    const noisy = withGaussianNoise(scene, 12, 3);
    expect(scoreLocal(noisy).dimensions.noise).toBeLessThan(scoreLocal(scene).dimensions.noise);
  });

  it('scores a copy with heavy grain lower than the clean one, though the model never saw a noisy photo', () => {
    const clean = scoreLocal(scene);
    const grainy = scoreLocal(withGaussianNoise(scene, 30, 11));
    expect(grainy.reasons.noise).toMatch(/^noisy: /);
    expect(grainy.score).toBeLessThan(clean.score - 10);
  });

  it('rates a heavily JPEG-compressed copy lower on compression', async () => {
    const crushed = await decodeWorkingImage(await sharp(sceneBytes).jpeg({ quality: 8 }).toBuffer());
    const clean = await decodeWorkingImage(await sharp(sceneBytes).jpeg({ quality: 95 }).toBuffer());
    expect(scoreLocal(crushed).dimensions.compression).toBeLessThan(scoreLocal(clean).dimensions.compression);
  });

  it('rates a desaturated copy lower on colourfulness and saturation', async () => {
    const muted = await decodeWorkingImage(await sharp(sceneBytes).modulate({ saturation: 0.15 }).png().toBuffer());
    const original = scoreLocal(scene).dimensions;
    const dull = scoreLocal(muted);
    expect(dull.dimensions.colourfulness).toBeLessThan(original.colourfulness);
    expect(dull.dimensions.saturation).toBeLessThan(original.saturation);
    expect(dull.reasons.colourfulness).toBe('dull colours');
  });

  it('rates a flattened copy lower on contrast and says how little of the range it spans', async () => {
    const flat = await decodeWorkingImage(await sharp(sceneBytes).linear(0.3, 90).png().toBuffer());
    const result = scoreLocal(flat);
    expect(result.dimensions.contrast).toBeLessThan(scoreLocal(scene).dimensions.contrast);
    expect(result.reasons.contrast).toMatch(/^low contrast: tones span \d+ % of the range$/);
  });

  it('finds nothing wrong with the clean scene but its size', () => {
    const { reasons } = scoreLocal(scene);
    for (const name of ['sharpness', 'exposure', 'contrast', 'colourfulness', 'saturation', 'compression'] as const) {
      expect(reasons[name]).toBeUndefined();
    }
    // 480×360 is below the 2 MP target and under the 500 px the model was fitted on.
    expect(reasons.resolution).toMatch(/^small: 0\.17 MP \(480×360 px\), below the 2 MP target, judged enlarged/);
  });

  it('explains a blurred copy as out of focus', async () => {
    const blurred = await decodeWorkingImage(await sharp(sceneBytes).blur(6).png().toBuffer());
    expect(scoreLocal(blurred).reasons.sharpness).toMatch(/out of focus/);
  });

  it('explains an overexposed copy with the share of clipped pixels', async () => {
    const overexposed = await decodeWorkingImage(await sharp(sceneBytes).linear(1.7, 90).png().toBuffer());
    const { reasons } = scoreLocal(overexposed);
    const clipped = /^overexposed: (\d+(?:\.\d)?) % of pixels clipped$/.exec(reasons.exposure ?? '');
    expect(clipped).not.toBeNull();
    // linear(1.7, 90) pushes everything above (250 − 90)/1.7 ≈ 94 to white: most of the sky and more.
    expect(Number(clipped?.[1])).toBeGreaterThan(20);
  });

  it('explains an underexposed copy as such', async () => {
    const dark = await decodeWorkingImage(await sharp(sceneBytes).linear(0.2, 0).png().toBuffer());
    expect(scoreLocal(dark).reasons.exposure).toMatch(/^underexposed: /);
  });

  it('explains a noisy copy as noisy', () => {
    expect(scoreLocal(withGaussianNoise(scene, 12, 3)).reasons.noise).toMatch(/^noisy: grain of about \d+\.\d levels/);
  });

  it('explains heavy JPEG compression as blocking', async () => {
    const crushed = await decodeWorkingImage(await sharp(sceneBytes).jpeg({ quality: 5 }).toBuffer());
    // The overview sees the blocks; the JPEG's own tables say how hard it was compressed.
    expect(scoreLocal(crushed).reasons.compression).toBe('visible JPEG blocking (JPEG quality about 5)');
  });

  it('reads resolution from the original size and docks tiny images', async () => {
    const tiny = await decodeWorkingImage(await sharp(sceneBytes).resize(96, 72).png().toBuffer());
    const large = await decodeWorkingImage(await sharp(sceneBytes).resize(3200, 2400).jpeg({ quality: 92 }).toBuffer());
    expect(scoreLocal(tiny).dimensions.resolution).toBeLessThan(scoreLocal(large).dimensions.resolution);
    expect(scoreLocal(large).dimensions.resolution).toBeGreaterThan(80);
    expect(scoreLocal(tiny).reasons.resolution).toMatch(/^small: 0\.0069 MP \(96×72 px\).*under 0\.05 MP at most 40/);
    expect(scoreLocal(large).reasons.resolution).toBeUndefined();
  });

  it('scores a 512 px working image in a few milliseconds once warm', async () => {
    const image = await decodeWorkingImage(await sharp(sceneBytes).resize(2048, 1536).jpeg().toBuffer());
    for (let i = 0; i < 5; i++) scoreLocal(image);
    const started = process.hrtime.bigint();
    const rounds = 10;
    for (let i = 0; i < rounds; i++) scoreLocal(image);
    const milliseconds = Number(process.hrtime.bigint() - started) / 1e6 / rounds;
    // Generous bound for slow CI machines; the benchmark tracks the real figure.
    expect(milliseconds).toBeLessThan(100);
  });
});

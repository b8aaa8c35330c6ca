import sharp from 'sharp';

import { decodeWorkingImage } from './decode';
import { estimateJpegQuality } from './jpeg-quality';
import { BAND_ROWS, chooseBandTop, measureNative } from './native';

/** A seeded scene with edges, gradients and texture, like a photo at 100 %. */
async function scene(width: number, height: number): Promise<{ data: Buffer; width: number; height: number }> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#35608f"/><stop offset="1" stop-color="#d9c08a"/></linearGradient></defs>
    <rect width="${width}" height="${height}" fill="url(#g)"/>
    ${Array.from({ length: 40 }, (_, k) => `<circle cx="${(k * 397) % width}" cy="${(k * 211) % height}" r="${20 + ((k * 37) % 90)}" fill="hsl(${(k * 53) % 360},50%,${30 + (k % 5) * 10}%)"/>`).join('')}
    ${Array.from({ length: 30 }, (_, k) => `<line x1="${(k * 131) % width}" y1="0" x2="${(k * 173) % width}" y2="${height}" stroke="#111" stroke-width="${1 + (k % 3)}"/>`).join('')}
  </svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function withNoise(data: Buffer, sigma: number): Buffer {
  const out = Buffer.from(data);
  let state = 12345;
  for (let i = 0; i < out.length; i++) {
    // Sum of two uniforms: triangular, σ = range/√6.
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const a = state / 2 ** 32;
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const b = state / 2 ** 32;
    out[i] = Math.max(0, Math.min(255, Math.round(out[i] + (a + b - 1) * sigma * Math.sqrt(6))));
  }
  return out;
}

describe('JPEG quality from the quantisation tables', () => {
  it('reads back the quality libjpeg encoded with, and nothing from other formats', async () => {
    const { data, width, height } = await scene(256, 192);
    const raw = { raw: { width, height, channels: 3 as const } };
    for (const quality of [20, 50, 75, 92]) {
      const jpeg = await sharp(data, raw).jpeg({ quality }).toBuffer();
      expect(Math.abs((estimateJpegQuality(jpeg) ?? 0) - quality)).toBeLessThanOrEqual(1.5);
    }
    expect(estimateJpegQuality(await sharp(data, raw).png().toBuffer())).toBeNull();
    expect(estimateJpegQuality(Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0x00]))).toBeNull();
  });
});

describe('evidence at 100 %', () => {
  it('sees grain, blur and blocking that a clean copy does not have', async () => {
    const { data, width, height } = await scene(1024, 256);
    const clean = measureNative(data, width, height, 3);
    const noisy = measureNative(withNoise(data, 8), width, height, 3);
    expect(clean.noiseSigma).toBeLessThan(1.5);
    // Independent grain of σ 8 on each channel is σ 8·‖(0.299, 0.587, 0.114)‖ ≈ 5.3 in luma.
    expect(noisy.noiseSigma).toBeGreaterThan(4.5);
    expect(noisy.noiseSigma).toBeLessThan(6.5);

    const blurred = await sharp(data, { raw: { width, height, channels: 3 } }).blur(2).raw().toBuffer();
    expect(measureNative(blurred, width, height, 3).fineDetail).toBeLessThan(clean.fineDetail - 0.1);

    const raw = { raw: { width, height, channels: 3 as const } };
    const decodeAt = async (quality: number) =>
      sharp(await sharp(data, raw).jpeg({ quality }).toBuffer())
        .raw()
        .toBuffer();
    const blocky = measureNative(await decodeAt(8), width, height, 3);
    const fine = measureNative(await decodeAt(95), width, height, 3);
    expect(blocky.blockiness).toBeGreaterThan(fine.blockiness + 0.2);
  });

  it('reads one band of stored rows from a large image, where the detail is, and the JPEG tables', async () => {
    const { data, width, height } = await scene(2400, 1800);
    // Detail only in the lower half: the band must go there.
    const flatTop = Buffer.from(data);
    flatTop.fill(128, 0, width * 3 * 900);
    const jpeg = await sharp(flatTop, { raw: { width, height, channels: 3 } }).jpeg({ quality: 60 }).toBuffer();
    const image = await decodeWorkingImage(jpeg);
    expect(image.native?.from).toBe('band');
    expect(image.native?.top).toBeGreaterThanOrEqual(900);
    expect(image.native?.height).toBe(BAND_ROWS);
    expect(image.native?.jpegQuality).toBeCloseTo(60, 0);

    // A small image is measured on the overview itself: it is the stored size.
    const small = await decodeWorkingImage(await sharp(data, { raw: { width, height, channels: 3 } }).resize(400).png().toBuffer());
    expect(small.native?.from).toBe('overview');
    expect(small.native?.jpegQuality).toBeNull();
  });

  it('places the band by stored rows, so a portrait phone photo (EXIF 6) reads its band cheaply', async () => {
    const detail = new Float64Array(100);
    detail.fill(1);
    for (let i = 60; i < 70; i++) detail[i] = 10;
    const top = chooseBandTop(detail, 4000, 128);
    expect(top).toBeGreaterThanOrEqual(2300);
    expect(top).toBeLessThanOrEqual(2800);
    expect(top % 16).toBe(0);

    const { data, width, height } = await scene(1600, 1200);
    const rotated = await sharp(data, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const image = await decodeWorkingImage(rotated);
    expect(image.originalWidth).toBe(1200);
    expect(image.native?.width).toBe(1600);
    expect(image.native?.height).toBe(BAND_ROWS);
  });
});

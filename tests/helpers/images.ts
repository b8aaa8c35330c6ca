import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

/**
 * A deterministic pseudo-random texture, a stand-in for photographic detail: random values on
 * a 4 px lattice, interpolated (fine structure, like foliage or fabric), plus a little grain.
 * Not white noise at every pixel: that is what a very noisy sensor makes, and it is scored so.
 */
function texture(width: number, height: number, seed: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 24) - 128;
  };
  const cell = 4;
  const columns = Math.ceil(width / cell) + 2;
  const rows = Math.ceil(height / cell) + 2;
  const lattice = Float32Array.from({ length: columns * rows }, random);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const at = (cx: number, cy: number): number => lattice[cy * columns + cx];
      const detail =
        (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
      const grain = random() / 64;
      const i = (y * width + x) * 3;
      pixels[i] = Math.max(0, Math.min(255, 90 + (x * 120) / width + detail * 0.5 + grain));
      pixels[i + 1] = Math.max(0, Math.min(255, 60 + (y * 140) / height + detail * 0.4 + grain));
      pixels[i + 2] = Math.max(0, Math.min(255, 150 - (x * 60) / width + detail * 0.3 + grain));
    }
  }
  return pixels;
}

const shapes = (width: number, height: number): Buffer =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
      <circle cx="${width * 0.3}" cy="${height * 0.4}" r="${height * 0.2}" fill="#f2c14e" stroke="#222" stroke-width="6"/>
      <rect x="${width * 0.55}" y="${height * 0.25}" width="${width * 0.3}" height="${height * 0.45}" fill="#2e86ab" stroke="#fff" stroke-width="4"/>
      <text x="${width * 0.1}" y="${height * 0.9}" font-size="${height * 0.08}" fill="#fff" font-family="sans-serif">Photo Score</text>
    </svg>`,
  );

/** A crisp, colourful, well-exposed JPEG. */
export async function crispPhoto(width = 1200, height = 900, seed = 7): Promise<Buffer> {
  return sharp(texture(width, height, seed), { raw: { width, height, channels: 3 } })
    .composite([{ input: shapes(width, height) }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** The same scene, heavily blurred and darkened: what people call a bad photo. */
export async function blurryDarkPhoto(width = 1200, height = 900): Promise<Buffer> {
  const crisp = await crispPhoto(width, height);
  return sharp(crisp).blur(12).linear(0.25, 0).jpeg({ quality: 90 }).toBuffer();
}

export async function pngPhoto(): Promise<Buffer> {
  return sharp(await crispPhoto(640, 480, 11))
    .png()
    .toBuffer();
}

/** JPEG magic followed by garbage: declared and sniffed as JPEG, decodes to nothing. */
export const corruptJpeg = (): Buffer =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4096, 0x5a)]);

export const tinyPdf = (): Buffer =>
  Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  );

export async function writeTemp(dir: string, name: string, bytes: Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

const crc32 = (bytes: Buffer): number => {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
};

const pngChunk = (type: string, data: Buffer): Buffer => {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

/** A valid PNG header announcing width×height pixels, with almost no pixel data: a decompression bomb's calling card. */
export function pngClaiming(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

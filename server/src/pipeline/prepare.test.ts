import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { corruptJpeg, crispPhoto, tinyPdf } from '../../../tests/helpers/images';
import type { VendorImageSpec } from '../vendor-http/types';
import {
  fromStoredFile,
  fromUpload,
  ImageTooLargeError,
  prepare,
  UnreadableImageError,
  type PreparedFile,
} from './prepare';

const options = { workingSize: 512, maxInputPixels: 100_000_000 };
const spec: VendorImageSpec = { formats: ['jpeg'], maxLongSide: 640, maxBytes: 5_000_000 };

const asImage = (prepared: PreparedFile) => {
  if (prepared.kind !== 'image') throw new Error(`expected an image, got: ${prepared.reason}`);
  return prepared;
};

describe('prepare', () => {
  let dir: string;
  let photo: Buffer;
  let photoPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'photo-score-prepare-'));
    photo = await crispPhoto(800, 600);
    photoPath = path.join(dir, 'photo.jpg');
    await writeFile(photoPath, photo);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('decodes an upload’s temp file and a stored file’s bytes (buffer or stream) alike', async () => {
    const upload = asImage(
      await prepare(
        fromUpload({ filepath: photoPath, originalFilename: 'photo.jpg', mimetype: 'image/jpeg' }),
        options,
      ),
    );
    const stored = asImage(
      await prepare(await fromStoredFile({ name: 'photo.jpg', mime: 'image/jpeg', body: photo }), options),
    );
    const streamed = asImage(
      await prepare(
        await fromStoredFile({ name: 'photo.jpg', mime: 'image/jpeg', body: Readable.from([photo]) }),
        options,
      ),
    );
    for (const prepared of [stored, streamed]) {
      expect(prepared).toMatchObject({ name: 'photo.jpg', mime: 'image/jpeg', format: 'jpeg' });
      expect(prepared.image.data.equals(upload.image.data)).toBe(true);
      expect(await prepared.sha256()).toBe(await upload.sha256());
    }
  });

  it('hashes the bytes as received once, and encodes once per vendor spec', async () => {
    const prepared = asImage(
      await prepare(await fromStoredFile({ name: 'photo.jpg', mime: 'image/jpeg', body: photo }), options),
    );
    expect(prepared.sha256()).toBe(prepared.sha256());
    expect(await prepared.sha256()).toBe(createHash('sha256').update(photo).digest('hex'));
    const encoding = prepared.encodingFor(spec);
    expect(prepared.encodingFor({ ...spec })).toBe(encoding);
    expect(prepared.encodingFor({ ...spec, maxLongSide: 320 })).not.toBe(encoding);
    expect(await encoding).toMatchObject({ format: 'jpeg', width: 640, height: 480, sha256: await prepared.sha256() });
  });

  it('skips what is not an image and refuses bytes that only claim to be one, naming the file', async () => {
    expect(await prepare({ name: 'doc.pdf', mime: 'application/pdf', bytes: tinyPdf() }, options)).toMatchObject({
      kind: 'skip',
      reason: 'not an image (application/pdf)',
    });
    await expect(prepare({ name: 'broken.jpg', mime: 'image/jpeg', bytes: corruptJpeg() }, options)).rejects.toThrow(
      UnreadableImageError,
    );
    await expect(prepare({ name: 'broken.jpg', mime: 'image/jpeg', bytes: corruptJpeg() }, options)).rejects.toThrow(
      /^"broken\.jpg" is not a readable image/,
    );
  });
});

describe('decoder failures', () => {
  const refusal = async (name: string, mime: string, bytes: Buffer): Promise<string> => {
    try {
      await prepare(await fromStoredFile({ name, mime, body: bytes }), options);
    } catch (error) {
      expect(error).toBeInstanceOf(UnreadableImageError);
      return (error as Error).message;
    }
    throw new Error(`${name} was decoded`);
  };

  it('say in one sentence what is wrong, naming the file and none of the decoder’s internals', async () => {
    const photo = await crispPhoto(800, 600);
    const png = await sharp(photo).png().toBuffer();
    const messages = [
      await refusal('cut.jpg', 'image/jpeg', photo.subarray(0, Math.floor(photo.length / 3))),
      await refusal('broken.jpg', 'image/jpeg', corruptJpeg()),
      await refusal('broken.png', 'image/png', Buffer.concat([png.subarray(0, 100), Buffer.alloc(400, 7)])),
    ];
    expect(messages[0]).toBe('"cut.jpg" is not a readable image: the JPEG data ends too early (the file is truncated)');
    expect(messages[1]).toMatch(/^"broken\.jpg" is not a readable image: the JPEG data (is corrupt|ends too early)/);
    expect(messages[2]).toMatch(/^"broken\.png" is not a readable image: the PNG data (is corrupt|ends too early)/);
    for (const message of messages) {
      expect(message).not.toMatch(/vips|libpng|scanline|\n/i);
    }
  });
});

describe('pixel limit', () => {
  it('refuses a HEIC above maxInputPixels from its container’s size, before decoding it', async () => {
    const heic = await readFile(path.join(__dirname, '..', '..', '..', 'tests', 'fixtures', 'photo.heic'));
    const file = await fromStoredFile({ name: 'big.heic', mime: 'image/heic', body: heic });
    const refusal = await prepare(file, { ...options, maxInputPixels: 10_000 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ImageTooLargeError);
    expect((refusal as Error).message).toMatch(
      /^"big\.heic" declares \d+×\d+ pixels \([\d,]+\), above the 10,000 pixels/,
    );
    expect((refusal as Error).message).toContain('maxInputPixels');
    // Within the limit the same file decodes.
    expect((await prepare(file, options)).kind).toBe('image');
  });
});

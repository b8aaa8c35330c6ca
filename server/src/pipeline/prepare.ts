import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { buffer as readAll } from 'node:stream/consumers';
import sharp from 'sharp';
import { decodeWorkingImageDeferred, UnreadableImageError, type WorkingImage } from '../prepare/decode';
import { encodeForVendor } from '../prepare/for-vendor';
import { decodeHeic, HeicTooLargeError } from '../prepare/heic';
import type { ImageSource } from '../prepare/source';
import { DECODABLE_FORMATS, readHead, sniffImageFormat, type SniffedFormat } from '../prepare/sniff';
import type { VendorImage, VendorImageSpec } from '../vendor-http/types';

/** The shape of a file handed to Strapi's upload service (a formidable file, or one built by hand). */
export interface IncomingFile {
  filepath: string;
  originalFilename?: string | null;
  mimetype?: string | null;
  detectedMimeType?: string | null;
  size?: number;
}

/** A file to assess, wherever its bytes are: an upload's temp file on disk, or a stored file read back. */
export interface ImageFile {
  /** The name people know it by, for messages. */
  name: string;
  /** The declared MIME type, `application/octet-stream` when none was declared. */
  mime: string;
  /** A path on disk, or the bytes themselves. */
  bytes: string | Buffer;
}

/** A raster image decoded once, with what the scorers need of it computed at most once. */
export interface PreparedImage {
  kind: 'image';
  name: string;
  mime: string;
  format: SniffedFormat;
  /** The working copy every embedded measurement shares. */
  image: WorkingImage;
  /** Where the pixels come from for re-encoding: the file, its bytes, or HEIC pixels decoded by libheif. */
  source: ImageSource;
  /** sha256 of the bytes as received (the vendors' cache key): hashed on first use, once. */
  sha256(): Promise<string>;
  /** The image re-encoded to a vendor's spec: once per distinct spec, shared by the vendors of one image. */
  encodingFor(spec: VendorImageSpec): Promise<VendorImage>;
}

export type PreparedFile = { kind: 'skip'; reason: string; mime: string } | PreparedImage;

/** The upload's pixels exceed `maxInputPixels`: refused before decoding. */
export class ImageTooLargeError extends Error {
  override name = 'ImageTooLargeError';
}

/** A real image in a container the embedded decoder cannot open (BMP, ICO, PSD…). */
export class UnsupportedImageError extends Error {
  override name = 'UnsupportedImageError';
}

export { UnreadableImageError };

export interface PrepareOptions {
  workingSize: number;
  maxInputPixels: number;
}

/** An upload in the middle of Strapi's upload service, by its temp file. */
export const fromUpload = (file: IncomingFile): ImageFile => {
  const declared = file.detectedMimeType || file.mimetype || '';
  return {
    name: file.originalFilename ?? 'unnamed file',
    mime: declared === '' ? 'application/octet-stream' : declared,
    bytes: file.filepath,
  };
};

/**
 * A file already stored, as its provider hands it back (a buffer, or a stream read to its end:
 * decoding and re-encoding need random access to the bytes).
 */
export async function fromStoredFile(file: {
  name: string;
  mime?: string | null;
  body: Buffer | NodeJS.ReadableStream;
}): Promise<ImageFile> {
  return {
    name: file.name,
    mime: file.mime || 'application/octet-stream',
    bytes: Buffer.isBuffer(file.body) ? file.body : await readAll(file.body),
  };
}

const HEAD_BYTES = 64;

const headOf = (bytes: ImageFile['bytes']): Promise<Buffer> =>
  typeof bytes === 'string' ? readHead(bytes, HEAD_BYTES) : Promise.resolve(bytes.subarray(0, HEAD_BYTES));

async function sha256Of(bytes: ImageFile['bytes']): Promise<string> {
  const hash = createHash('sha256');
  if (typeof bytes === 'string') {
    for await (const chunk of createReadStream(bytes)) hash.update(chunk as Buffer);
  } else {
    hash.update(bytes);
  }
  return hash.digest('hex');
}

const sizeWords = (width: number, height: number): string =>
  `${width}×${height} pixels (${(width * height).toLocaleString('en')})`;

/** "20000×20000 pixels (400,000,000)" from the header alone, or undefined when it cannot be read. */
async function declaredSize(bytes: ImageFile['bytes'] | undefined): Promise<string | undefined> {
  if (bytes === undefined) return undefined;
  try {
    const { width, height } = await sharp(bytes, { limitInputPixels: false }).metadata();
    return width && height ? sizeWords(width, height) : undefined;
  } catch {
    return undefined;
  }
}

/** Memoises a promise-returning computation, so the work runs on first use and only then. */
const once = <T>(compute: () => Promise<T>): (() => Promise<T>) => {
  let result: Promise<T> | undefined;
  return () => (result ??= compute());
};

/**
 * Reads a file's first bytes and, when it is a raster image, decodes it once into the working
 * copy every embedded measurement shares. Throws `UnreadableImageError` for bytes that claim to
 * be an image but are not one, `ImageTooLargeError` for decompression bombs and
 * `UnsupportedImageError` for real images we cannot decode.
 */
export async function prepare(file: ImageFile, options: PrepareOptions): Promise<PreparedFile> {
  const { name, mime } = file;
  const sniffed = sniffImageFormat(await headOf(file.bytes));
  const claimsImage = mime.startsWith('image/');
  const untyped = mime === 'application/octet-stream';

  if (!claimsImage && !(untyped && sniffed)) {
    return { kind: 'skip', reason: `not an image (${mime})`, mime };
  }
  if (sniffed === 'svg' && claimsImage && mime !== 'image/svg+xml') {
    // An SVG can carry script; stored under a raster type it would be served as one.
    throw new UnreadableImageError(
      `"${name}" is declared ${mime} but is an SVG document: upload it as image/svg+xml, or as the raster image it claims to be`,
    );
  }
  if (sniffed === 'svg' || mime === 'image/svg+xml') {
    return { kind: 'skip', reason: 'vector image: there are no photo pixels to score', mime };
  }
  if (!sniffed) {
    throw new UnreadableImageError(
      `"${name}" is not a readable image: it is declared ${mime} but its bytes match no image format`,
    );
  }
  if (!DECODABLE_FORMATS.has(sniffed) && sniffed !== 'heif') {
    throw new UnsupportedImageError(
      `"${name}" is a ${sniffed.toUpperCase()} image, which the embedded scorer cannot decode`,
    );
  }

  let source: ImageSource;
  let image: WorkingImage;
  try {
    source = sniffed === 'heif' ? await decodeHeic(file.bytes, options.maxInputPixels) : file.bytes;
    // The 100 % band decodes while the overview is checked and measured (scoreLocalDeferred, or the
    // worker pool in deep mode: scorers/pool.ts).
    image = await decodeWorkingImageDeferred(source, options.workingSize, {
      maxInputPixels: options.maxInputPixels,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(reason)) {
      const declared =
        error instanceof HeicTooLargeError
          ? sizeWords(error.width, error.height)
          : await declaredSize(sniffed === 'heif' ? undefined : file.bytes);
      throw new ImageTooLargeError(
        `"${name}" ${declared ? `declares ${declared}` : 'has more pixels than that'}, above the ${options.maxInputPixels.toLocaleString('en')} pixels this server decodes (the plugin's maxInputPixels setting)`,
      );
    }
    throw new UnreadableImageError(`"${name}" is not a readable image: ${decoderFailure(reason, sniffed)}`);
  }

  const sha256 = once(() => sha256Of(file.bytes));
  const encodings = new Map<string, Promise<VendorImage>>();
  const upright = { width: image.originalWidth, height: image.originalHeight };
  return {
    kind: 'image',
    name,
    mime,
    format: sniffed,
    image,
    source,
    sha256,
    encodingFor(spec) {
      const key = JSON.stringify(spec);
      let encoding = encodings.get(key);
      if (!encoding) {
        encoding = sha256().then((hash) => encodeForVendor(source, upright, spec, hash, options.maxInputPixels));
        encodings.set(key, encoding);
      }
      return encoding;
    },
  };
}

/** Temp paths (or a buffer's description) mean nothing to the person who uploaded the file. */
/**
 * What a decoder's failure means, in one sentence: libvips and its loaders speak of their own
 * internals ("vipspng: libpng read error", "tiff2vips: Seek error at scanline 4294967295") and
 * repeat themselves line after line.
 */
export function decoderFailure(reason: string, format: SniffedFormat): string {
  const kind = format.toUpperCase();
  if (/premature end|truncated|unexpected end|end of (file|stream)|not enough data|short read/i.test(reason)) {
    return `the ${kind} data ends too early (the file is truncated)`;
  }
  if (/corrupt|invalid|bad|error|seek|huffman|marker|crc|checksum|unsupported/i.test(reason)) {
    return `the ${kind} data is corrupt`;
  }
  return `the ${kind} data could not be decoded`;
}

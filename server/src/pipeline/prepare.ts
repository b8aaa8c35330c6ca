import { decodeWorkingImageDeferred, UnreadableImageError, type WorkingImage } from '../prepare/decode';
import { decodeHeic } from '../prepare/heic';
import type { ImageSource } from '../prepare/source';
import { DECODABLE_FORMATS, readHead, sniffImageFormat, type SniffedFormat } from '../prepare/sniff';

/** The shape of a file handed to Strapi's upload service (a formidable file, or one built by hand). */
export interface IncomingFile {
  filepath: string;
  originalFilename?: string | null;
  mimetype?: string | null;
  detectedMimeType?: string | null;
  size?: number;
}

export type PreparedUpload =
  | { kind: 'skip'; reason: string; mime: string }
  | { kind: 'image'; format: SniffedFormat; image: WorkingImage; mime: string; source: ImageSource };

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

export const displayName = (file: IncomingFile): string => file.originalFilename ?? 'unnamed file';

const declaredMime = (file: IncomingFile): string => {
  const declared = file.detectedMimeType || file.mimetype || '';
  return declared === '' ? 'application/octet-stream' : declared;
};

/**
 * Reads an upload's first bytes and, when it is a raster image, decodes it once into the
 * working copy every embedded measurement shares. Throws `UnreadableImageError` for bytes
 * that claim to be an image but are not one, `ImageTooLargeError` for decompression bombs
 * and `UnsupportedImageError` for real images we cannot decode.
 */
export async function prepareUpload(file: IncomingFile, options: PrepareOptions): Promise<PreparedUpload> {
  const mime = declaredMime(file);
  const sniffed = sniffImageFormat(await readHead(file.filepath));
  const claimsImage = mime.startsWith('image/');
  const untyped = mime === 'application/octet-stream';

  if (!claimsImage && !(untyped && sniffed)) {
    return { kind: 'skip', reason: `not an image (${mime})`, mime };
  }
  if (sniffed === 'svg' || mime === 'image/svg+xml') {
    return { kind: 'skip', reason: 'vector image: there are no photo pixels to score', mime };
  }
  if (!sniffed) {
    throw new UnreadableImageError(
      `"${displayName(file)}" is not a readable image: it is declared ${mime} but its bytes match no image format`,
    );
  }
  if (!DECODABLE_FORMATS.has(sniffed) && sniffed !== 'heif') {
    throw new UnsupportedImageError(
      `"${displayName(file)}" is a ${sniffed.toUpperCase()} image, which the embedded scorer cannot decode`,
    );
  }

  try {
    const source: ImageSource = sniffed === 'heif' ? await decodeHeic(file.filepath) : file.filepath;
    // The 100 % band decodes while the scorers measure the overview (scoreLocalDeferred).
    const image = await decodeWorkingImageDeferred(source, options.workingSize, {
      maxInputPixels: options.maxInputPixels,
    });
    return { kind: 'image', format: sniffed, image, mime, source };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(reason)) {
      throw new ImageTooLargeError(
        `"${displayName(file)}" has more than ${options.maxInputPixels.toLocaleString('en')} pixels, the most this server decodes`,
      );
    }
    throw new UnreadableImageError(
      `"${displayName(file)}" is not a readable image: ${stripPath(reason, file.filepath)}`,
    );
  }
}

/** Temp paths mean nothing to the person who uploaded the file. */
const stripPath = (reason: string, filepath: string): string =>
  reason
    .replace(/^Cannot read image \([^)]*\):\s*/, '')
    .split(filepath)
    .join('the file');

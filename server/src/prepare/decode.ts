import { describeSource, isDecodedPixels, openImage, type ImageSource } from './source';

/** The one decoded copy of an upload that every embedded measurement works on. */
export interface WorkingImage {
  /** Raw interleaved RGB, 3 channels, 8 bits each, row-major, no padding. */
  data: Buffer;
  width: number;
  height: number;
  /** Size of the stored image as displayed, i.e. after EXIF orientation. */
  originalWidth: number;
  originalHeight: number;
  /** Container format as sharp names it (jpeg, png, webp, gif, avif, tiff, heif, …). */
  format: string;
}

/** Raised for anything sharp cannot turn into pixels: not an image, corrupt, truncated, too big. */
export class UnreadableImageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnreadableImageError';
  }
}

export interface DecodeOptions {
  /**
   * Refuse images with more pixels than this before decoding them, so a small file that
   * claims enormous dimensions (a decompression bomb) cannot exhaust memory.
   * 200 MP covers every phone and most medium-format cameras.
   */
  maxInputPixels?: number;
}

export const DEFAULT_MAX_INPUT_PIXELS = 200_000_000;

const describe = describeSource;

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Decodes an image once, shrunk so that its longer side is at most `maxSide`, into 8-bit
 * sRGB without alpha, upright per EXIF.
 *
 * Shrink-on-load (libjpeg DCT scaling, WebP/HEIF/… thumbnails of the decoder) makes this
 * far cheaper than decoding at full size; the header read for the original dimensions
 * costs no pixel decoding.
 */
export async function decodeWorkingImage(
  input: ImageSource,
  maxSide = 512,
  options: DecodeOptions = {},
): Promise<WorkingImage> {
  if (!Number.isInteger(maxSide) || maxSide < 8) {
    throw new RangeError(`decodeWorkingImage: maxSide must be an integer ≥ 8, got ${maxSide}`);
  }
  if (Buffer.isBuffer(input) && input.length === 0) {
    throw new UnreadableImageError('Cannot read image: the input is empty');
  }
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;

  try {
    const image = openImage(input, maxInputPixels);
    // Header only: no pixels are decoded here. autoOrient holds the size as displayed.
    const metadata = await image.metadata();
    const displayed = metadata.autoOrient;
    if (!displayed || !(displayed.width > 0) || !(displayed.height > 0)) {
      throw new UnreadableImageError(`Cannot read image (${describe(input)}): no dimensions in header`);
    }

    const { data, info } = await image
      .autoOrient()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });

    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new UnreadableImageError(
        `Cannot read image (${describe(input)}): decoded to ${info.channels} channels, expected RGB`,
      );
    }

    return {
      data,
      width: info.width,
      height: info.height,
      originalWidth: displayed.width,
      originalHeight: displayed.height,
      format: isDecodedPixels(input) ? input.format : metadata.format,
    };
  } catch (error) {
    if (error instanceof UnreadableImageError) throw error;
    throw new UnreadableImageError(`Cannot read image (${describe(input)}): ${reasonOf(error)}`, {
      cause: error,
    });
  }
}

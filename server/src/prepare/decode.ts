import { readNativeEvidence, type NativeEvidence } from './native';
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
  /**
   * Measurements at 100 % (noise, blocking, fine detail, JPEG quality) that the overview
   * cannot show; absent for pixels made in memory (tests, warm-up), which have no stored file.
   */
  native?: NativeEvidence;
  /** The same, still being decoded (decodeWorkingImageDeferred); resolves to undefined if it cannot be read. */
  pendingNative?: Promise<NativeEvidence | undefined>;
  /** Set when the image has an alpha channel: how much of it is see-through and what it was flattened on. */
  transparency?: Transparency;
  /** The container stores a palette (indexed PNG, GIF): a hint of a graphic, never a proof. */
  palette?: boolean;
}

/** An image with alpha, as flattened for judging (see `flattenAlpha`). */
export interface Transparency {
  /** Share of pixels not fully opaque (alpha < 250), 0–1. */
  share: number;
  /** The background it was composited on, as #rrggbb. */
  background: string;
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
 * sRGB without alpha (flattened as people see it, see `flattenAlpha`), upright per EXIF.
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
  const { image, readNative } = await decodeOverview(input, maxSide, options);
  try {
    return { ...image, native: await readNative() };
  } catch (error) {
    throw unreadable(input, error);
  }
}

/**
 * The same overview, resolved as soon as it is decoded, with the 100 % evidence still being
 * decoded on libvips's thread (`pendingNative`): the caller works on the overview meanwhile.
 * On one thread scoreLocalDeferred measures it, which keeps the fast mode within one full
 * decode's time; Strapi's worker pool checks its content, then awaits the band before posting
 * the image to be scored (scorers/pool.ts: a promise cannot cross threads).
 * `pendingNative` never rejects: an image whose band cannot be read is judged on its
 * overview alone, like pixels made in memory.
 */
export async function decodeWorkingImageDeferred(
  input: ImageSource,
  maxSide = 512,
  options: DecodeOptions = {},
): Promise<WorkingImage> {
  const { image, readNative } = await decodeOverview(input, maxSide, options);
  return { ...image, pendingNative: readNative().catch(() => undefined) };
}

function unreadable(input: ImageSource, error: unknown): UnreadableImageError {
  return error instanceof UnreadableImageError
    ? error
    : new UnreadableImageError(`Cannot read image (${describe(input)}): ${reasonOf(error)}`, { cause: error });
}

async function decodeOverview(
  input: ImageSource,
  maxSide: number,
  options: DecodeOptions,
): Promise<{ image: WorkingImage; readNative: () => Promise<NativeEvidence> }> {
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

    const hasAlpha = metadata.hasAlpha === true;
    const resized = image
      .autoOrient()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb');
    // Opaque images (nearly every photo) come out as RGB directly: no alpha plane to drop in JavaScript.
    const decoded = await (hasAlpha ? resized.ensureAlpha() : resized.removeAlpha())
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const channels = hasAlpha ? 4 : 3;
    if (decoded.info.channels !== channels || decoded.data.length !== decoded.info.width * decoded.info.height * channels) {
      throw new UnreadableImageError(
        `Cannot read image (${describe(input)}): decoded to ${decoded.info.channels} channels, expected ${channels}`,
      );
    }
    const { data, transparency } = hasAlpha ? flattenAlpha(decoded.data) : { data: decoded.data, transparency: undefined };

    const format = isDecodedPixels(input) ? input.format : metadata.format;
    const overview = { data, width: decoded.info.width, height: decoded.info.height };
    const readNative = (): Promise<NativeEvidence> =>
      readNativeEvidence({
        source: input,
        overview,
        storedWidth: metadata.width,
        storedHeight: metadata.height,
        orientation: isDecodedPixels(input) ? 1 : (metadata.orientation ?? 1),
        format,
        maxInputPixels,
      });
    const working: WorkingImage = {
      ...overview,
      originalWidth: displayed.width,
      originalHeight: displayed.height,
      format,
      ...(transparency ? { transparency } : {}),
      ...(metadata.isPalette ? { palette: true } : {}),
    };
    return { image: working, readNative };
  } catch (error) {
    throw unreadable(input, error);
  }
}

const WHITE = 255;
/** A dark neutral grey, for light artwork made to sit on dark pages. */
const DARK = 0x20;
const OPAQUE = 250;

/**
 * Composites RGBA on an opaque background the way the image is meant to be seen, instead of
 * dropping alpha (which shows whatever colour the transparent pixels happen to hold, most often
 * black: a black logo on a transparent background read as a black square, "100 % crushed").
 *
 * The background is white, what a Media Library, a CMS page or a document put behind a logo or
 * an icon, unless the visible artwork is itself light (mean luma of the opaque pixels above
 * 200, a white logo for dark headers): on white it would vanish, so it goes on dark neutral
 * grey. The image's own edge colour is no choice here: the edge of a transparent image is
 * transparent, and its hidden colour is exactly the arbitrary value we must not show.
 */
export function flattenAlpha(rgba: Buffer): { data: Buffer; transparency: Transparency } {
  const pixels = rgba.length / 4;
  const rgb = Buffer.allocUnsafe(pixels * 3);
  let seeThrough = 0;
  let weight = 0;
  let luma = 0;
  for (let p = 0; p < rgba.length; p += 4) {
    const alpha = rgba[p + 3];
    if (alpha < OPAQUE) seeThrough++;
    weight += alpha;
    luma += alpha * (0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2]);
  }
  const background = weight > 0 && luma / weight > 200 ? DARK : WHITE;
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    const alpha = rgba[p + 3] / 255;
    const rest = (1 - alpha) * background;
    rgb[q] = Math.round(rgba[p] * alpha + rest);
    rgb[q + 1] = Math.round(rgba[p + 1] * alpha + rest);
    rgb[q + 2] = Math.round(rgba[p + 2] * alpha + rest);
  }
  const hex = background.toString(16).padStart(2, '0');
  return { data: rgb, transparency: { share: seeThrough / pixels, background: `#${hex}${hex}${hex}` } };
}
